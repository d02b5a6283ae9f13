"""`narrator voices say`: hear one voice (and the lexicon) on a line of text, as an MP3."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import loudness
from .engines.base import Engine
from .errors import CastError
from .export import Tags, write_mp3
from .lexicon import Lexicon
from .synthesize import LineCache, spoken_text, synthesize_line
from .types import VoiceProfile


@dataclass(frozen=True, slots=True)
class Said:
    path: Path
    seconds: float
    text: str
    """What the engine was given (after the lexicon)."""


def say(text: str, voice: VoiceProfile, engine: Engine, output: Path = Path("say.mp3"), *,
        lexicon: Lexicon | None = None, loudness_target: float | None = loudness.DEFAULT_TARGET,
        cache_dir: Path | None = None) -> Said:
    """Synthesize `text` with `voice` (lexicon applied, loudness matched) into an MP3."""
    if not engine.has_voice(voice.voice):
        raise CastError(f"Unknown {engine.name} voice {voice.voice!r}; run `narrator voices` to list them.")
    said = lexicon.apply(text) if lexicon else text
    if not spoken_text(said):
        raise CastError("Nothing to say: give some words, e.g. narrator voices say \"Hello there\".")
    cache = LineCache(cache_dir)
    clip = synthesize_line(said, voice, engine, cache)
    clip = loudness.match(clip, loudness_target, loudness.GainStore(cache.root / "loudness"))
    tags = Tags(title=" ".join(text.split())[:80], album="narrator voices say", artist=voice.voice,
                narrator="narrator", genre="Speech")
    path = write_mp3(clip, clip.sample_rate, Path(output), tags)
    return Said(path, clip.seconds, spoken_text(said))
