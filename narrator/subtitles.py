"""Subtitles beside each chapter MP3 (`.srt` or `.vtt`), timed from the assembled audio.

Each spoken line is one cue (long lines are cut at sentence ends into cues of at most
`MAX_CUE_CHARS`, their times shared in proportion to their length): the start and end are the
frames where the line's audio really starts and ends in the chapter (reported by
`assemble.iter_assembled`), which is where a player plays them: the LAME tag of every MP3 makes
decoders drop the encoder and decoder delay (`export.MP3_DELAY_FRAMES` is 0).
Quotes carry the speaker as a label, `[Tobias] You're late.`; narration and chapter titles are
unlabelled. The text is the line as the book spells it (quote marks removed), not the lexicon's
respelling.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .export import atomic_write_text

FORMATS = ("srt", "vtt", "none")
MAX_CUE_CHARS = 84
"""Two subtitle rows of 42 characters, the usual broadcast limit."""

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True, slots=True)
class Cue:
    start: float
    """Seconds from the start of the file."""
    end: float
    text: str
    speaker: str | None = None

    @property
    def label(self) -> str:
        return f"[{self.speaker}] {self.text}" if self.speaker else self.text


def split_cue(cue: Cue, limit: int = MAX_CUE_CHARS) -> list[Cue]:
    """A long cue cut at sentence ends (then at spaces) into pieces of at most `limit` chars,
    with the cue's time shared in proportion to their length."""
    if len(cue.text) <= limit:
        return [cue]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(cue.text):
        while len(sentence) > limit:  # one very long sentence: cut at the last space in reach
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if pieces and len(pieces[-1]) + 1 + len(sentence) <= limit:
            pieces[-1] = f"{pieces[-1]} {sentence}"
        elif sentence:
            pieces.append(sentence)
    total = sum(len(p) for p in pieces) or 1
    out, at = [], cue.start
    for number, piece in enumerate(pieces):
        end = cue.end if number == len(pieces) - 1 else at + (cue.end - cue.start) * len(piece) / total
        out.append(Cue(at, end, piece, cue.speaker))
        at = end
    return out


def _stamp(seconds: float, sep: str) -> str:
    ms = max(0, int(round(seconds * 1000)))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    blocks = []
    for number, cue in enumerate(cues, 1):
        blocks.append(f"{number}\n{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}\n{cue.label}\n")
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues:
        blocks.append(f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}\n{_vtt_escape(cue.label)}\n")
    return "\n".join(blocks)


def subtitle_path(audio: Path, fmt: str) -> Path:
    return Path(audio).with_suffix(f".{fmt}")


def write_subtitles(audio: Path, cues: Sequence[Cue], fmt: str) -> Path | None:
    """Write `<audio stem>.<fmt>` beside `audio` atomically (and remove the other format's file,
    so switching formats leaves no stale subtitles). `none` writes nothing and removes both."""
    if fmt not in FORMATS:
        raise ValueError(f"subtitle format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    for other in ("srt", "vtt"):
        if other != fmt:
            subtitle_path(audio, other).unlink(missing_ok=True)
    if fmt == "none":
        return None
    pieces = [piece for cue in cues if cue.text.strip() for piece in split_cue(cue)]
    text = to_srt(pieces) if fmt == "srt" else to_vtt(pieces)
    return atomic_write_text(subtitle_path(audio, fmt), text)


def parse_stamp(stamp: str) -> float:
    """Seconds of an SRT/VTT time stamp ("00:01:02,345" or "00:01:02.345")."""
    h, m, s = stamp.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


__all__ = ["Cue", "FORMATS", "parse_stamp", "split_cue", "to_srt", "to_vtt", "write_subtitles"]
