"""Plain immutable data passed between the pipeline stages.

Offsets (`start`, `end`) are always Python string offsets into `Book.text`, the whole decoded
input, so a segment can be found again in the file it came from.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Literal

SegmentKind = Literal["narration", "quote"]
Gender = Literal["male", "female", "unknown"]

NARRATOR = "Narrator"
"""Cast name of the voice that reads narration (and chapter titles)."""

FIRST_PERSON = "I"
"""Cast name of a first-person narrator the text never names (their quotes: "…," I said). Not
`NARRATOR`: that is the voice reading the narration, which a speaking character must not take."""

UNKNOWN = "unknown"
"""Speaker of a quote when nothing supports a guess; it is read by a neutral voice."""


@dataclass(frozen=True, slots=True)
class Chapter:
    index: int
    """1-based position in the book."""
    title: str
    """Title shown in tags and file names ("Chapter 3", "The Storm")."""
    start: int
    """Offset of the chapter's first character in `Book.text` (its heading included)."""
    end: int
    """Offset one past its last character; chapters tile `Book.text`."""
    heading_end: int = -1
    """Offset where the heading ends (== heading_start when there is no heading)."""
    heading_start: int = -1
    """Offset where the heading begins; text before it (a book's preamble) is read as narration."""


@dataclass(frozen=True, slots=True)
class Book:
    title: str
    author: str
    text: str
    """The whole decoded input (BOM removed); every offset points into it."""
    chapters: tuple[Chapter, ...]
    source: Path | None = None
    cover: bytes | None = None
    """Cover image bytes (JPEG or PNG) when the input carries one."""
    series: str | None = None
    series_index: str | None = None
    """Position in the series ("3", "2.5") when the input says so."""
    warnings: tuple[str, ...] = ()
    """Things the reader should know about (e.g. a decoding fallback)."""
    unspoken: tuple[tuple[int, int], ...] = ()
    """Ranges kept in the text (and the script) but not read aloud: chapter headings (the
    chapter title is announced instead), Markdown front matter, author's notes."""
    language: str | None = None
    """The language the book is written in, a BCP 47 tag in lower case (`en`, `hi`, `pt-br`),
    when the file says so (EPUB `dc:language`, HTML `lang`) or `--language` does; None: the
    voice files' own language. Casting picks voices that speak it."""
    _unspoken_index: tuple[list[int], list[int]] = field(init=False, repr=False, compare=False)
    """(range starts, running maximum of their ends), sorted by start: `is_spoken` bisects it
    instead of scanning every heading of the book for every line."""

    def __post_init__(self) -> None:
        ranges = sorted(self.unspoken)
        object.__setattr__(self, "_unspoken_index", ([s for s, _ in ranges], list(accumulate(
            (e for _, e in ranges), max))))

    def is_spoken(self, start: int, end: int) -> bool:
        """False when [start, end) lies wholly inside one unspoken range."""
        starts, reach = self._unspoken_index
        at = bisect_right(starts, start)  # the ranges that begin at or before `start`
        return at == 0 or reach[at - 1] < end

    def chapter_text(self, chapter: Chapter) -> str:
        return self.text[chapter.start : chapter.end]


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    kind: SegmentKind
    paragraph: int
    """Index of the paragraph (within the book) the segment lies in."""
    text: str
    """`Book.text[start:end]`, quote marks included for quotes."""


@dataclass(frozen=True, slots=True)
class Character:
    name: str
    """Canonical name, the key used everywhere else (cast, script)."""
    aliases: tuple[str, ...] = ()
    gender: Gender = "unknown"
    mentions: int = 0


@dataclass(frozen=True, slots=True)
class Line:
    chapter: int
    segment: Segment
    speaker: str | None
    """None for narration; a character name or `UNKNOWN` for a quote."""
    confidence: float = 1.0
    evidence: str = ""
    addressees: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Script:
    """The attributed book: every segment of every chapter, in text order."""

    book: Book
    characters: tuple[Character, ...]
    lines: tuple[Line, ...]
    _by_chapter: dict[int, tuple[Line, ...]] = field(init=False, repr=False, compare=False)
    """The lines grouped by chapter once, so that asking for every chapter's lines is linear."""

    def __post_init__(self) -> None:
        groups: dict[int, list[Line]] = {}
        for line in self.lines:
            groups.setdefault(line.chapter, []).append(line)
        object.__setattr__(self, "_by_chapter", {k: tuple(v) for k, v in groups.items()})

    def chapter_lines(self, index: int) -> tuple[Line, ...]:
        return self._by_chapter.get(index, ())


@dataclass(frozen=True, slots=True)
class VoiceProfile:
    """How one character sounds. Rate in words per minute, pitch and range 0–100 (espeak scale)."""

    engine: str = "espeak"
    voice: str = "en-us"
    """Engine voice id; for espeak a language voice with an optional variant, e.g. `en-gb+f3`."""
    rate: int = 175
    pitch: int = 50
    range: int = 50
    volume: float = 1.0
    """Linear gain applied after synthesis (1.0 = unchanged)."""


@dataclass(frozen=True, slots=True)
class Clip:
    """Mono signed 16-bit little-endian PCM."""

    pcm: bytes
    sample_rate: int

    @property
    def frames(self) -> int:
        return len(self.pcm) // 2

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


@dataclass(frozen=True, slots=True)
class Cast:
    """Character name → voice; `NARRATOR` and `UNKNOWN` always present."""

    voices: dict[str, VoiceProfile] = field(default_factory=dict)

    def voice_for(self, speaker: str | None) -> VoiceProfile:
        if speaker is None:
            return self.voices[NARRATOR]
        return self.voices.get(speaker) or self.voices[UNKNOWN]
