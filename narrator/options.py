"""How to render: one frozen `RenderOptions`, built once and varied with `dataclasses.replace`.

The CLI builds it from its flags (and shows these defaults in `--help`); Python code builds it
directly, or passes its fields as keywords to `narrator.render`/`narrator.prepare`:

    options = RenderOptions(output=Path("audiobooks"), format="m4b")
    narrator.render("book.epub", options)
    narrator.render("sequel.epub", replace(options, title="The Sequel"))

Every default is written once, here (the loudness target's number in `loudness.DEFAULT_TARGET`).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, get_args

from .engines import Engine
from .language import normalize
from .loudness import DEFAULT_TARGET, parse_target
from .subtitles import FORMATS as SUBTITLE_FORMATS

OutputFormat = Literal["mp3", "m4b"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = get_args(OutputFormat)
SubtitleFormat = Literal["srt", "vtt", "none"]
"""For type checkers; `subtitles.FORMATS` is what is checked at run time (a test keeps them equal)."""
Loudness = float | Literal["off"] | None


def default_jobs() -> int:
    """Worker processes when `jobs` is None: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Everything `narrator render` can be told about one render (see the module doc)."""

    # --- reading the book
    title: str | None = None
    """Book title (None: from the file)."""
    author: str | None = None
    """Book author (None: from the file)."""
    include: tuple[str, ...] = ()
    """EPUB pages skipped as front matter to read anyway (file names or labels)."""
    notes: bool = False
    """HTML/AO3: read author's notes and summaries aloud."""
    language: str | None = None
    """The book's language as a BCP 47 tag (`hi`, `pt-BR`), over what the file says (EPUB
    `dc:language`, HTML `lang`); casting picks voices that speak it. None: the file's, else the
    voice files' own."""
    # --- who says what, and how it sounds
    voices: tuple[Path, ...] = ()
    """Voice profile files layered over the shipped presets, in order."""
    cast_file: Path | None = None
    """The book's cast file (None: `BOOK.cast.toml` beside the book, if any)."""
    script_file: Path | None = None
    """An edited script (from `narrator script`) that says who speaks each line."""
    lexicon: Path | None = None
    """Pronunciation lexicon (None: `BOOK.lexicon.toml` beside the book, if any)."""
    engine: Engine | None = None
    """Speak every voice with this engine (None: each voice profile's own engine)."""
    loudness: Loudness = None
    """LUFS every line is matched to, or "off" to keep the engine's levels; None: the voice
    files' `[loudness] target`, else `loudness.DEFAULT_TARGET`."""
    # --- the files written
    output: Path = Path("output")
    """Folder the audiobooks go in, as `<Author>/<Title>/`."""
    format: OutputFormat = "mp3"
    """"mp3": a file per chapter and a playlist; "m4b": one `<Title>.m4b` with chapters."""
    subtitles: SubtitleFormat = "srt"
    """"srt", "vtt" or "none": subtitles beside each chapter file, timed to the audio."""
    # --- where the work runs
    cache_dir: Path | None = None
    """Line cache folder (None: `$XDG_CACHE_HOME/narrator`)."""
    jobs: int | None = None
    """Chapters rendered at once, in worker processes (None: `default_jobs()`, one per core)."""
    scheduler: Any = None
    """A Dask scheduler address (`tcp://host:8786`) or `distributed.Client` to run the chapters
    on instead of local processes (None: local)."""

    def __post_init__(self) -> None:
        # Accept what Python callers naturally pass (str paths, lists); store one canonical form.
        for name in ("cast_file", "script_file", "lexicon", "cache_dir"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value))
        object.__setattr__(self, "output", Path(self.output))
        object.__setattr__(self, "voices", tuple(Path(v) for v in self.voices))
        object.__setattr__(self, "include", tuple(self.include))
        if self.format not in OUTPUT_FORMATS:
            raise ValueError(f"format must be one of {', '.join(OUTPUT_FORMATS)}, not {self.format!r}")
        if self.subtitles not in SUBTITLE_FORMATS:
            raise ValueError(f"subtitles must be one of {', '.join(SUBTITLE_FORMATS)}, not {self.subtitles!r}")
        if self.language is not None:
            tag = normalize(self.language)
            if tag is None:
                raise ValueError(f"language must be a language tag such as en, hi or pt-BR, not {self.language!r}")
            object.__setattr__(self, "language", tag)
        if self.jobs is not None and self.jobs < 1:
            raise ValueError(f"jobs must be 1 or more (or None for one per core), not {self.jobs!r}")
        if self.loudness not in (None, "off"):  # a number, or "-20 LUFS", "none"... from Python
            target = parse_target(self.loudness)
            object.__setattr__(self, "loudness", "off" if target is None else target)

    def workers(self) -> int:
        """How many chapters to render at once."""
        return self.jobs or default_jobs()

    def loudness_target(self, configured: Mapping[str, float | None]) -> float | None:
        """The LUFS target lines are matched to (None: off), given the voice files' `[loudness]`."""
        if self.loudness == "off":
            return None
        if self.loudness is not None:
            return float(self.loudness)
        return configured["target"] if "target" in configured else DEFAULT_TARGET


RUN_FIELDS = frozenset({"engine", "cache_dir", "jobs", "scheduler"})
"""Fields that change how a render runs, not what it writes: the ones `render` still takes
next to a ready plan."""
FIELDS = frozenset(f.name for f in fields(RenderOptions))

__all__ = ["FIELDS", "OUTPUT_FORMATS", "RUN_FIELDS", "Loudness", "OutputFormat", "RenderOptions",
           "SubtitleFormat", "default_jobs"]
