"""Joining rendered lines into one chapter of PCM, with pauses that follow the text.

Design rules that keep long books cheap:

* Time is linear in the audio length: clips and pauses are yielded as byte chunks by
  `iter_assembled` and `assemble` joins them exactly once. Nothing ever does `a + b` on audio
  (pydub's `+` copies the whole accumulated segment each time, which is quadratic).
* Pauses are whole samples (`int(round(rate * seconds))` frames, two bytes each), so the PCM never
  ends mid-sample, however odd the pause length.
* Clips at another sample rate than the output are resampled (numpy linear interpolation) instead
  of rejected, so voices from different engines can share a chapter.
* `trim=True` strips the leading/trailing silence speech engines pad each clip with (espeak adds
  100–200 ms at both ends), so the gap the listener hears is the pause `Pacing` asks for.
  It is off by default so a clip's frames are kept exactly unless the caller asks.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

import numpy as np

from .errors import CastError
from .types import Clip, Line

Boundary = Literal["same_speaker", "speaker_change", "paragraph", "scene_break", "chapter_title"]
BOUNDARIES: tuple[str, ...] = get_args(Boundary)

MAX_PAUSE = 30.0
"""Longest pause `Pacing` accepts, in seconds; anything longer is surely a typo (ms for s)."""


@dataclass(frozen=True, slots=True)
class Pacing:
    """Pause lengths in seconds, one per kind of boundary between two spoken pieces."""

    same_speaker: float = 0.25
    speaker_change: float = 0.45
    paragraph: float = 0.6
    scene_break: float = 1.5
    chapter_title: float = 1.2
    """After the chapter title is read, before its first line."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Pacing:
        """Build from a (partial) mapping, e.g. a `[pacing]` table; missing keys keep defaults.

        Raises `CastError` naming the key when it is unknown or its value is not a number
        between 0 and `MAX_PAUSE` seconds.
        """
        if not isinstance(d, Mapping):
            raise CastError(f"pacing must be a table of pause lengths, got {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        values: dict[str, float] = {}
        for key, value in d.items():
            if key not in known:
                raise CastError(
                    f"unknown pacing key {key!r}; expected one of: {', '.join(sorted(known))}"
                )
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise CastError(
                    f"pacing {key!r} must be a number of seconds, got {type(value).__name__}"
                )
            seconds = float(value)
            if not math.isfinite(seconds) or not 0.0 <= seconds <= MAX_PAUSE:
                raise CastError(
                    f"pacing {key!r} must be between 0 and {MAX_PAUSE:g} seconds, got {value!r}"
                )
            values[key] = seconds
        return cls(**values)

    def seconds(self, kind: Boundary) -> float:
        """Pause length for a boundary kind."""
        if kind not in BOUNDARIES:
            raise ValueError(f"unknown boundary {kind!r}")
        return float(getattr(self, kind))


_SCENE_MARKER = re.compile(
    r"""^[ \t]*(?:
        (?:\*[ \t]*){3,}        # ***  or * * *
      | \#+                     # #  (one or more)
      | (?:~[ \t]*){3,}         # ~~~
      | (?:-[ \t]*){3,}         # --- / -----
      | (?:_[ \t]*){3,}         # ___
      | (?:=[ \t]*){3,}         # ===
      | (?:[•·◇◆§][ \t]*)+       # typographic ornaments
    )[ \t]*\r?$""",
    re.MULTILINE | re.VERBOSE,
)
_TWO_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n[ \t\r\f\v]*\n")


def is_scene_break(text_between: str) -> bool:
    """True when the text between two lines holds a scene-break marker line or 2+ blank lines."""
    return bool(_SCENE_MARKER.search(text_between) or _TWO_BLANK_LINES.search(text_between))


def boundary(prev: Line, nxt: Line, text_between: str, is_title: bool = False) -> Boundary:
    """Classify the gap between two consecutive lines.

    Precedence: chapter_title (prev is the title) > scene_break > paragraph > speaker_change >
    same_speaker. A change of voice includes narration → quote and back (speaker None vs a name).
    """
    if is_title:
        return "chapter_title"
    if is_scene_break(text_between):
        return "scene_break"
    if prev.segment.paragraph != nxt.segment.paragraph:
        return "paragraph"
    if prev.speaker != nxt.speaker:
        return "speaker_change"
    return "same_speaker"


def pauses_for(lines: Sequence[Line], text: str, pacing: Pacing) -> list[float]:
    """Pause after each line but the last (len(lines) - 1 values), ready for `assemble`.

    `text` is `Book.text`; the text between two lines is `text[prev.end:next.start]`.
    """
    out: list[float] = []
    for prev, nxt in zip(lines, lines[1:]):
        between = text[prev.segment.end : nxt.segment.start]
        out.append(pacing.seconds(boundary(prev, nxt, between)))
    return out


def pause_frames(sample_rate: int, seconds: float) -> int:
    """Whole number of frames for a pause (never a fraction of a sample)."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"pause must be a finite number of seconds >= 0, got {seconds!r}")
    return int(round(sample_rate * seconds))


def resample(clip: Clip, sample_rate: int) -> Clip:
    """Linear-interpolation resample; good enough for speech, no extra dependency."""
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    if clip.sample_rate == sample_rate:
        return clip
    _check_pcm(clip)
    src = np.frombuffer(clip.pcm, dtype="<i2")
    n_out = int(round(len(src) * sample_rate / clip.sample_rate))
    if n_out == 0 or len(src) == 0:
        return Clip(b"", sample_rate)
    positions = np.arange(n_out, dtype=np.float64) * (clip.sample_rate / sample_rate)
    out = np.interp(positions, np.arange(len(src), dtype=np.float64), src.astype(np.float64))
    out = np.clip(np.rint(out), -32768, 32767).astype("<i2")
    return Clip(out.tobytes(), sample_rate)


def trim_silence(clip: Clip, threshold: int = 100, keep: float = 0.01) -> Clip:
    """Drop leading and trailing samples whose magnitude is <= `threshold` (100 ≈ -50 dBFS).

    `keep` seconds of the quiet edge are left on each side so soft onsets ("f", "h") are not
    clipped. An all-silent clip becomes empty. Returns the same object when nothing is trimmed.
    """
    _check_pcm(clip)
    samples = np.frombuffer(clip.pcm, dtype="<i2")
    loud = np.flatnonzero((samples > threshold) | (samples < -threshold))
    if len(loud) == 0:
        return Clip(b"", clip.sample_rate) if clip.pcm else clip
    pad = int(round(keep * clip.sample_rate))
    start = max(0, int(loud[0]) - pad)
    end = min(len(samples), int(loud[-1]) + 1 + pad)
    if start == 0 and end == len(samples):
        return clip
    return Clip(clip.pcm[start * 2 : end * 2], clip.sample_rate)


def iter_assembled(
    clips: Iterable[Clip],
    pauses: Iterable[float],
    *,
    sample_rate: int | None = None,
    trim: bool = False,
    timeline: list[tuple[int, int]] | None = None,
) -> Iterator[bytes]:
    """Yield the PCM of `clips` with silence between them, one chunk per clip or pause.

    When a `timeline` list is given, `(start_frame, end_frame)` of every clip in the output
    (after trimming and resampling) is appended to it as the clip is yielded, so callers get
    real timings (chapter markers, subtitles) without keeping the audio. An empty clip gets
    `(start, start)`.

    `pauses[i]` is the silence after `clips[i]`; there must be exactly one fewer pause than clips
    (no trailing pause: a file should end on speech). A mismatch raises ValueError when it is
    found, which for lazy iterables can be mid-stream.

    Output is at `sample_rate`, or the first clip's rate when None (pass it when the consumer
    needs the rate before the first chunk, as `export.write_mp3` does). Clips at other rates are
    resampled. Clip bytes are yielded as-is (no copy) unless trimmed or resampled; zero-length
    chunks are skipped.
    """
    pause_iter = iter(pauses)
    silence: dict[int, bytes] = {}
    rate = sample_rate
    first = True
    position = 0
    for clip in clips:
        if rate is None:
            rate = clip.sample_rate
        if not first:
            try:
                seconds = next(pause_iter)
            except StopIteration:
                raise ValueError("fewer pauses than gaps between clips") from None
            n = pause_frames(rate, seconds) * 2
            if n:
                if n not in silence:
                    silence[n] = bytes(n)
                position += n // 2
                yield silence[n]
        first = False
        _check_pcm(clip)
        if clip.sample_rate != rate:
            clip = resample(clip, rate)
        if trim:
            clip = trim_silence(clip)
        if timeline is not None:
            timeline.append((position, position + clip.frames))
        position += clip.frames
        if clip.pcm:
            yield clip.pcm
    for _ in pause_iter:
        raise ValueError("more pauses than gaps between clips (no trailing pause is allowed)")


def assemble(
    clips: Sequence[Clip],
    pauses: Sequence[float],
    *,
    sample_rate: int | None = None,
    trim: bool = False,
) -> Clip:
    """Join clips with `pauses[i]` seconds of silence after `clips[i]` (len(clips) - 1 pauses).

    The chunks from `iter_assembled` are joined once, so the cost is linear in the output.
    With no clips, `sample_rate` is required and the result is empty.
    """
    gaps = max(len(clips) - 1, 0)
    if len(pauses) != gaps:
        raise ValueError(f"need exactly {gaps} pauses for {len(clips)} clips, got {len(pauses)}")
    rate = sample_rate if sample_rate is not None else (clips[0].sample_rate if clips else None)
    if rate is None:
        raise ValueError("assemble() of no clips needs a sample_rate")
    pcm = b"".join(iter_assembled(clips, pauses, sample_rate=rate, trim=trim))
    return Clip(pcm, rate)


def _check_pcm(clip: Clip) -> None:
    if len(clip.pcm) % 2:
        raise ValueError(f"clip has an odd number of bytes ({len(clip.pcm)}); expected s16le mono")
    if clip.sample_rate <= 0:
        raise ValueError(f"clip sample rate must be positive, got {clip.sample_rate}")
