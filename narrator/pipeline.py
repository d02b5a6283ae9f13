"""The Python API: the pipeline stages wired together, as the CLI uses them.

    import narrator
    result = narrator.render("book.txt", output="audiobooks", subtitles="vtt")
    plan = narrator.prepare("book.txt")                  # script, cast, chapters; nothing synthesized
    result = narrator.render("book.txt", plan=plan, jobs=1)

`prepare` and `render` take a `RenderOptions` (narrator/options.py), or its fields as keywords,
or both (the keywords then replace those fields).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .assemble import Pacing
from .attribute import attribute
from .cast import CastMember, cast_members
from .chapter import ChapterPlan, Emptied, plan_chapter
from .engines import Engine, cached_engine
from .errors import CastError, RenderError
from .export import book_dir, chapter_filename, split_series
from .ingest import read_book
from .ingest.html import filename_title
from .lexicon import find_lexicon
from .m4b import CHAPTER_DIR
from .options import FIELDS, RUN_FIELDS, RenderOptions
from .parallel import ProgressFn
from .runner import RenderPlan, RenderResult, finish_book, run_plans
from .script_file import apply_speaker_edits, read_speaker_edits
from .segment import segment_book
from .types import Book, Cast, Character, Script
from .voices import VoiceConfig, load_voices
from .wording import counted

CAST_SUFFIX = ".cast.toml"
SCRIPT_SUFFIX = ".script.txt"
UNKNOWN_AUTHOR = "Unknown Author"
"""What the readers call a book's author when the file does not say."""
log = logging.getLogger(__name__)


def options_from(options: RenderOptions | None, overrides: dict[str, Any]) -> RenderOptions:
    """`options` (default: all defaults) with the `overrides` fields replaced."""
    unknown = set(overrides) - FIELDS
    if unknown:
        raise TypeError(f"unknown render option(s): {', '.join(sorted(unknown))}")
    return replace(options or RenderOptions(), **overrides)


def load_book(
    path: Path,
    *,
    title: str | None = None,
    author: str | None = None,
    include: Sequence[str] = (),
    notes: bool = False,
) -> Book:
    """Read any supported book file (`include`: EPUB pages skipped as front matter to read
    anyway; `notes`: read AO3 author's notes and summaries aloud)."""
    return read_book(Path(path), title=title, author=author, include=include, notes=notes)


def make_script(
    book: Book,
    *,
    characters: Sequence[Character] | None = None,
    cast: Sequence[Character] | None = None,
) -> Script:
    """Segment and attribute a book: the script `narrator script` prints. `characters` replace
    discovery; `cast` (a cast file's characters) is laid over it."""
    return attribute(book, segment_book(book), characters=characters, cast=cast)


def default_cast_file(book_path: Path) -> Path:
    return Path(book_path).with_name(Path(book_path).stem + CAST_SUFFIX)


def default_script_file(book_path: Path) -> Path:
    return Path(book_path).with_name(Path(book_path).stem + SCRIPT_SUFFIX)


def script_file(book_path: Path, options: RenderOptions) -> Path | None:
    """The edited script a render honours: `options.script_file`, else `BOOK.script.txt` beside
    the book if there is one (as the cast and lexicon files are found)."""
    if options.script_file is not None:
        return options.script_file
    found = default_script_file(book_path)
    return found if found.is_file() else None


def load_config(book_path: Path, options: RenderOptions) -> VoiceConfig:
    """Presets, then `options.voices` files, then the book's cast file (`options.cast_file`, else
    `BOOK.cast.toml` beside the book, if any)."""
    files = list(options.voices)
    cast = options.cast_file
    if cast is None and default_cast_file(book_path).exists():
        cast = default_cast_file(book_path)
    if cast is not None and cast.is_dir():
        raise CastError(f"Cast file {str(cast)!r} is a folder; a cast file is a .toml file (write one with "
                        "`narrator cast BOOK --write`).")
    return load_voices(files + ([cast] if cast is not None else []))


def build_script(book_path: Path, options: RenderOptions, config: VoiceConfig | None = None, *,
                 book: Book | None = None) -> Script:
    """Read (unless `book` is given) and attribute a book, honouring the cast file's characters
    and an edited script (`options.script_file`; `prepare` also finds `BOOK.script.txt`)."""
    config = load_config(book_path, options) if config is None else config
    if book is None:
        book = load_book(book_path, title=options.title, author=options.author, include=options.include,
                         notes=options.notes)
    if options.language is not None and book.language != options.language:
        book = replace(book, language=options.language)
    script = make_script(book, cast=_cast_characters(config) or None)
    if options.script_file is not None:
        edits = read_speaker_edits(options.script_file)
        script = apply_speaker_edits(script, edits, str(options.script_file))
    return script


def prepare(book_path: Path, options: RenderOptions | None = None, *, book: Book | None = None,
            **overrides: Any) -> RenderPlan:
    """Everything up to synthesis: the book, script, cast, and what each chapter will say.

    `book`: an already built Book (then `book_path` only locates cast and lexicon files).
    Checks that every voice exists (a typo fails now, not at line 900).
    """
    options = options_from(options, overrides)
    config = load_config(book_path, options)
    edited = script_file(book_path, options)
    script = build_script(book_path, replace(options, script_file=edited), config, book=book)
    book = script.book
    words = find_lexicon(book_path, options.lexicon)
    target = options.loudness_target(config.loudness)
    # Piper (--engine piper) casts from its own voices, measured once into the cache folder
    members = cast_members(script, config, options.engine, cache_dir=options.cache_dir)
    _check_voices(members, options.engine)
    cast = Cast({m.name: m.voice for m in members})
    pacing = Pacing.from_dict(config.pacing)
    series, series_index = split_series(book.series, book.series_index)
    directory = book_dir(options.output, book.author, book.title, series, series_index)
    chapter_dir = directory / CHAPTER_DIR if options.format == "m4b" else directory
    total = len(book.chapters)
    plans = [
        plan_chapter(script, chapter, cast, pacing, chapter_dir / chapter_filename(chapter.index, total, chapter.title),
                     lexicon=words, loudness_target=target, subtitles=options.subtitles)
        for chapter in book.chapters
    ]
    notes = (f"Using the edited script {edited} (found beside the book; --script FILE gives another)",) \
        if edited is not None and options.script_file is None else ()
    return RenderPlan(script, members, tuple(plans), directory, options, Path(book_path),
                      book.warnings + _guessed(book_path, book, options) + _silenced(plans), notes)


def render(book_path: Path, options: RenderOptions | None = None, *, plan: RenderPlan | None = None,
           progress: ProgressFn | None = None, **overrides: Any) -> RenderResult:
    """Render a book to tagged chapter MP3s and a playlist (or one .m4b); unchanged chapters are
    skipped. Returns what was written.

    Without a `plan`, `prepare(book_path, options, **overrides)` makes one. With a plan (from
    `prepare`), only how the work runs may change: engine, cache_dir, jobs, scheduler.
    `progress(what, done, total)`: what is "line" or "chapter". A chapter that fails does not
    stop the others: they are written, and a `RenderError` naming the failed chapters is raised
    at the end (running again renders only what is missing).
    """
    if plan is None:
        plan = prepare(book_path, options, **overrides)
    elif options is not None or set(overrides) - RUN_FIELDS:
        shaping = sorted(set(overrides) - RUN_FIELDS) or ["options"]
        raise TypeError(f"render() got a plan and options that shape it: {', '.join(shaping)}; "
                        "give them to prepare() instead")
    (result,) = run_plans([plan], options_from(plan.options, overrides), progress=progress)
    if result.failures:
        written = len(plan.chapters) - len(result.failures)
        raise RenderError(result.failures, written, len(plan.chapters), result)
    return finish_book(plan, result)


def _check_voices(members: Sequence[CastMember], override: Engine | None) -> None:
    """Every voice exists before anything is synthesized (a typo fails now, not at line 900)."""
    for m in members:
        engine = override or cached_engine(m.voice.engine)
        if not engine.has_voice(m.voice.voice):
            raise CastError(
                f"Unknown {engine.name} voice {m.voice.voice!r} for {m.name!r}; "
                "run `narrator voices` to list the voices you can use."
            )


def _guessed(book_path: Path, book: Book, options: RenderOptions) -> tuple[str, ...]:
    """A warning when the file did not say the title or author, so the book folder's name was
    guessed (two such books would share `Unknown Author/Text`)."""
    guessed = []
    if options.title is None and book.title == filename_title(Path(book_path)):
        guessed.append(f"the title {book.title!r} comes from the file name")
    if options.author is None and book.author == UNKNOWN_AUTHOR:
        guessed.append("the author is unknown")
    if not guessed:
        return ()
    return (f"{' and '.join(guessed)}; pass --title and --author to name the book (its tags and its folder "
            "in the output).",)


def _silenced(plans: Sequence[ChapterPlan]) -> tuple[str, ...]:
    """One warning per lexicon rule that would have left lines with nothing to say."""
    by_rule: dict[str, list[Emptied]] = {}
    for plan in plans:
        for emptied in plan.emptied:
            by_rule.setdefault(emptied.rule, []).append(emptied)
    return tuple(
        f"{rule} leaves nothing to say of {counted(len(found), 'line')}, which narrator reads as the book has "
        f"{'it' if len(found) == 1 else 'them'} (the first: chapter {found[0].chapter}, [{found[0].offset}] "
        f"{_short(found[0].text)!r}); a lexicon changes how words sound, not whether they are read: fix the rule, "
        "or edit the book."
        for rule, found in by_rule.items()
    )


def _short(text: str, limit: int = 50) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _cast_characters(config: VoiceConfig) -> tuple[Character, ...]:
    """Characters a cast file describes (names, aliases, genders) for the attributor."""
    return tuple(
        Character(e.name, e.aliases, e.gender or "unknown", e.lines)
        for e in config.characters.values()
    )


__all__ = ["RenderOptions", "RenderPlan", "RenderResult", "build_script", "default_cast_file", "load_book",
           "load_config", "make_script", "prepare", "render"]
