"""The contract every speech engine meets, plus espeak's voice *variants*.

A variant (`+f3`, `+m1`, `+croak`, ...) is a timbre overlay that espeak can put on any language
voice (`en-gb+f3`). Casting combines a small set of English voices with many variants to give
each character a distinct sound, so the variant list and each variant's gender live here,
independent of whether the library itself can be loaded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from ..types import Clip, VoiceProfile

Gender = Literal["male", "female", "unknown"]


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    id: str
    """What goes into `VoiceProfile.voice` (for a variant: the part after `+`)."""
    name: str
    language: str
    gender: Gender = "unknown"
    pitch_hz: float | None = None
    """Measured median pitch of the voice, when the engine measured it (Piper speakers)."""


@dataclass(frozen=True, slots=True)
class CastingVoices:
    """What an engine with its own catalogue offers automatic casting (`engine.casting()`).

    Engines without a `casting()` method are cast from the voice files' pools instead.
    """

    engine: str
    """The engine's name (what goes into `VoiceProfile.engine`)."""
    narrator: str
    """Voice id that reads the narration: steady, the same for every book."""
    unknown: str
    """Voice id for quotes whose speaker is not known."""
    voices: tuple[VoiceInfo, ...]
    """Voices to hand out, each with its gender ("unknown" when neither declared nor clear)."""
    rate: int = 175
    """Words per minute of every voice handed out (a variation moves it)."""


@runtime_checkable
class Engine(Protocol):
    name: str
    sample_rate: int

    def identity(self) -> str:
        """Engine name and version; part of the line-cache key, so new versions re-render."""
        ...

    def voices(self) -> list[VoiceInfo]: ...

    def has_voice(self, voice_id: str) -> bool: ...

    def synthesize(self, text: str, voice: VoiceProfile) -> Clip:
        """Render `text` with exactly `voice` (no state carried over from earlier calls)."""
        ...


def espeak_data_path() -> Path | None:
    """The espeak-ng-data directory shipped with espeakng-loader, if that package is installed."""
    try:
        import espeakng_loader
    except ImportError:
        return None
    try:
        return Path(espeakng_loader.get_data_path())
    except RuntimeError:
        return None


_GENDER_LINE = re.compile(r"^\s*gender\s+(\w+)", re.MULTILINE)
_NAME_LINE = re.compile(r"^\s*name\s+(.+?)\s*$", re.MULTILINE)


def parse_variant(variant_id: str, text: str) -> VoiceInfo:
    """Read one variant file (`name ...`, `gender male|female [age]`)."""
    gender_match = _GENDER_LINE.search(text)
    word = gender_match.group(1).lower() if gender_match else ""
    gender: Gender = "male" if word == "male" else "female" if word == "female" else "unknown"
    name_match = _NAME_LINE.search(text)
    return VoiceInfo(variant_id, name_match.group(1) if name_match else variant_id, "variant", gender)


@lru_cache(maxsize=4)
def _variants_in(directory: Path) -> tuple[VoiceInfo, ...]:
    if not directory.is_dir():
        return ()
    found = []
    for path in sorted(directory.iterdir()):
        if path.is_file():
            found.append(parse_variant(path.name, path.read_text(encoding="utf-8", errors="replace")))
    return tuple(found)


def espeak_variants(data_path: Path | None = None) -> list[VoiceInfo]:
    """All espeak variants (files in espeak-ng-data/voices/!v) with the gender each declares.

    Variants without a `gender` line (e.g. `klatt`, `Alex`) are "unknown": they change the
    synthesiser, not the speaker's sex, and keep the base voice's pitch.
    """
    root = data_path if data_path is not None else espeak_data_path()
    if root is None:
        return []
    return list(_variants_in(Path(root) / "voices" / "!v"))
