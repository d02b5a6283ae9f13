"""Hear one voice (and the lexicon) on a line of text: `narrator voices say` writes an MP3,
`preview` hands Python code a pydub `AudioSegment` to play, slice or export."""
from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import loudness
from .engines import Engine, cached_engine
from .errors import CastError, NarratorError
from .export import Tags, write_mp3
from .lexicon import Lexicon, find_lexicon
from .options import RenderOptions
from .synthesize import LineCache, spoken_text, synthesize_line
from .types import NARRATOR, UNKNOWN, Clip, VoiceProfile

if TYPE_CHECKING:
    from pydub import AudioSegment


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
    clip, said = _speak(text, voice, engine, lexicon, loudness_target, cache_dir)
    tags = Tags(title=" ".join(text.split())[:80], album="narrator voices say", artist=voice.voice,
                narrator="narrator", genre="Speech")
    path = write_mp3(clip, clip.sample_rate, Path(output), tags)
    return Said(path, clip.seconds, spoken_text(said))


@dataclass(frozen=True, slots=True)
class CastVoice:
    """A character's voice as `render` casts it, and what else render would say their lines with."""

    name: str
    voice: VoiceProfile
    engine: Engine
    lexicon: Lexicon | None
    loudness_target: float | None


def cast_voice(book: Path, character: str, options: RenderOptions | None = None) -> CastVoice:
    """The voice `render` would give `character` (a name or alias, any case; "narrator" and
    "unknown" for those voices) in `book` with `options` (voice files, cast file, engine,
    language), with the book's lexicon (`options.lexicon`, else BOOK.lexicon.toml) and loudness.
    CastError naming the closest characters when nobody answers to the name."""
    from .pipeline import prepare

    options = options or RenderOptions()
    plan = prepare(book, options)
    wanted = " ".join(character.split()).casefold()
    names = {NARRATOR.casefold(): NARRATOR, "narration": NARRATOR, UNKNOWN.casefold(): UNKNOWN}
    for m in plan.members:
        for name in (m.name, *m.aliases):
            names.setdefault(name.casefold(), m.name)
    if wanted not in names:
        speakers = [m.name for m in plan.members if m.name not in (NARRATOR, UNKNOWN)]
        close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
        guess = f"did you mean {' or '.join(repr(names[c]) for c in close)}? " if close else ""
        listed = ", ".join(speakers[:12]) + (", …" if len(speakers) > 12 else "")
        raise CastError(f"No character {character!r} in {book.name}'s cast; {guess}"
                        f"characters who speak: {listed or 'none'} (or narrator, unknown).")
    member = next(m for m in plan.members if m.name == names[wanted])
    engine = options.engine or cached_engine(member.voice.engine)
    target = plan.chapters[0].loudness if plan.chapters else options.loudness_target({})
    return CastVoice(member.name, member.voice, engine, find_lexicon(book, options.lexicon), target)


def preview(text: str, voice: VoiceProfile | None = None, engine: Engine | None = None, *,
            lexicon: Lexicon | None = None, loudness_target: float | None = loudness.DEFAULT_TARGET,
            cache_dir: Path | None = None) -> AudioSegment:
    """`text` spoken with `voice` (default: the default profile; engine: the profile's own) as a
    pydub AudioSegment: `len(seg)` is milliseconds, `seg[:500]` slices, `seg.export("x.wav",
    format="wav")` writes a WAV (MP3 export and playback need ffmpeg, as pydub does).

    Needs `pip install 'narrator[pydub]'`."""
    voice = voice or VoiceProfile()
    clip, _ = _speak(text, voice, engine or cached_engine(voice.engine), lexicon, loudness_target, cache_dir)
    return audio_segment(clip)


def audio_segment(clip: Clip) -> AudioSegment:
    """A clip as a pydub AudioSegment: the same bytes, 16-bit mono at the clip's rate."""
    return _pydub().AudioSegment(data=clip.pcm, sample_width=2, frame_rate=clip.sample_rate, channels=1)


def _speak(text: str, voice: VoiceProfile, engine: Engine, lexicon: Lexicon | None,
           loudness_target: float | None, cache_dir: Path | None) -> tuple[Clip, str]:
    """The line as it will sound (through the line cache), and the text the engine was given."""
    if not engine.has_voice(voice.voice):
        raise CastError(f"Unknown {engine.name} voice {voice.voice!r}; run `narrator voices` to list them.")
    said = lexicon.apply(text) if lexicon else text
    if not spoken_text(said):
        raise CastError("Nothing to say: give some words, e.g. narrator voices say \"Hello there\".")
    cache = LineCache(cache_dir)
    clip = synthesize_line(said, voice, engine, cache)
    return loudness.match(clip, loudness_target, loudness.GainStore(cache.root / "loudness")), said


def _pydub() -> Any:
    try:
        with warnings.catch_warnings():
            # pydub 0.25.1 (its latest release) warns as it is imported: that the stdlib audioop is
            # deprecated (removed in 3.13, where the audioop-lts package stands in), and that
            # ffmpeg is not on PATH. Neither matters for an in-memory segment built from PCM.
            warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
            warnings.filterwarnings("ignore", "Couldn't find ffmpeg", RuntimeWarning)
            import pydub
    except ImportError as exc:
        raise NarratorError("narrator.preview needs pydub: pip install 'narrator[pydub]'") from exc
    return pydub


__all__ = ["CastVoice", "Said", "audio_segment", "cast_voice", "preview", "say"]
