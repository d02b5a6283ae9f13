"""The Python API: the pipeline stages wired together, as the CLI uses them.

    from narrator.pipeline import render
    result = render(Path("book.txt"), output=Path("output"))
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .assemble import Pacing
from .attribute import attribute
from .cast import CastMember, cast_members
from .chapter import ChapterJob, ChapterOutcome, ChapterPlan, get_engine_cached, plan_chapter
from .engines.base import Engine
from .errors import CastError, NarratorError
from .export import (
    Tags,
    book_dir,
    chapter_filename,
    remove_stale_parts,
    sanitize_name,
    split_series,
    write_cover,
    write_playlist,
)
from .ingest import read_book
from .lexicon import find_lexicon
from .loudness import DEFAULT_TARGET, parse_target
from .parallel import (
    MANIFEST,
    ChapterFailure,
    ChapterTask,
    RenderError,
    manifest_lock,
    read_manifest,
    run_tasks,
    write_manifest,
)
from .script_file import apply_speaker_edits, read_speaker_edits
from .segment import segment_book
from .subtitles import FORMATS as SUBTITLE_FORMATS
from .synthesize import SynthesisStats, spoken_text
from .types import Book, Cast, Chapter, Character, Script
from .voices import VoiceConfig, load_voices

CAST_SUFFIX = ".cast.toml"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RenderPlan:
    script: Script
    members: tuple[CastMember, ...]
    chapters: tuple[ChapterPlan, ...]
    book_dir: Path
    warnings: tuple[str, ...] = ()
    format: str = "mp3"
    """"mp3": numbered chapter files; "m4b": one `<Title>.m4b` (chapter MP3s kept in `.chapters/`)."""

    @property
    def lines(self) -> int:
        return sum(len(c.utterances) for c in self.chapters)


@dataclass(slots=True)
class RenderResult:
    files: list[Path] = field(default_factory=list)
    playlist: Path | None = None
    stats: SynthesisStats = field(default_factory=SynthesisStats)
    chapters_written: int = 0
    chapters_unchanged: int = 0
    audio_seconds: float = 0.0
    cover: Path | None = None
    m4b: Path | None = None
    failures: list[ChapterFailure] = field(default_factory=list)
    """Chapters that failed (render raises RenderError carrying this result when any did)."""

    def add(self, outcome: ChapterOutcome) -> None:
        """Count a freshly written chapter."""
        self.chapters_written += 1
        for name in ("synthesized", "cached", "skipped", "retried"):
            setattr(self.stats, name, getattr(self.stats, name) + getattr(outcome.stats, name))


ProgressFn = Callable[[str, int, int], None]
"""progress(what, done, total): what is "line" (done/total over the book) or "chapter"."""


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


def make_script(book: Book, *, characters: Sequence[Character] | None = None) -> Script:
    """Segment and attribute a book: the script `narrator script` prints."""
    return attribute(book, segment_book(book), characters=characters)


def default_cast_file(book_path: Path) -> Path:
    return Path(book_path).with_name(Path(book_path).stem + CAST_SUFFIX)


def build_script(
    book_path: Path,
    config: VoiceConfig,
    *,
    script_file: Path | None = None,
    title: str | None = None,
    author: str | None = None,
    include: Sequence[str] = (),
    notes: bool = False,
    book: Book | None = None,
) -> Script:
    """Read (unless `book` is given) and attribute a book, honouring the cast file's characters
    and an edited script."""
    if book is None:
        book = load_book(book_path, title=title, author=author, include=include, notes=notes)
    script = make_script(book, characters=_cast_characters(config) or None)
    if script_file is not None:
        script = apply_speaker_edits(script, read_speaker_edits(script_file), str(script_file))
    return script


def load_config(book_path: Path, voices: Sequence[Path] = (), cast_file: Path | None = None) -> VoiceConfig:
    """Presets, then `--voices` files, then the book's cast file (explicit, or `BOOK.cast.toml`)."""
    files = list(voices)
    if cast_file is not None:
        files.append(cast_file)
    elif default_cast_file(book_path).exists():
        files.append(default_cast_file(book_path))
    return load_voices(files)


def prepare(
    book_path: Path,
    *,
    output: Path = Path("output"),
    voices: Sequence[Path] = (),
    cast_file: Path | None = None,
    script_file: Path | None = None,
    title: str | None = None,
    author: str | None = None,
    engine: Engine | None = None,
    book: Book | None = None,
    lexicon: Path | None = None,
    loudness: float | str | None = None,
    subtitles: str = "srt",
    fmt: str = "mp3",
    include: Sequence[str] = (),
    notes: bool = False,
) -> RenderPlan:
    """Everything up to synthesis: the book, script, cast, and what each chapter will say.

    `book`: an already built Book (then `book_path` only locates cast and lexicon files).
    `lexicon`: pronunciation file (default `BOOK.lexicon.toml` beside the book, if any).
    `loudness`: LUFS target or "off"; None takes `[loudness] target` from the voice files
    (default -18). `subtitles`: srt, vtt or none. `fmt`: mp3 or m4b.
    """
    if fmt not in ("mp3", "m4b"):
        raise NarratorError(f"Unknown output format {fmt!r}; use mp3 or m4b.")
    if subtitles not in SUBTITLE_FORMATS:
        raise NarratorError(f"Unknown subtitle format {subtitles!r}; use {', '.join(SUBTITLE_FORMATS)}.")
    config = load_config(book_path, voices, cast_file)
    script = build_script(book_path, config, script_file=script_file, title=title, author=author,
                          include=include, notes=notes, book=book)
    book = script.book
    words = find_lexicon(book_path, lexicon)
    if loudness is None:
        target = config.loudness["target"] if "target" in config.loudness else DEFAULT_TARGET
    else:
        target = parse_target(loudness, "--loudness")
    members = cast_members(script, config, engine)  # Piper (--engine piper) casts from its own voices
    _check_voices(members, engine)
    cast = Cast({m.name: m.voice for m in members})
    pacing = Pacing.from_dict(config.pacing)
    series, series_index = split_series(book.series, book.series_index)
    directory = book_dir(output, book.author, book.title, series, series_index)
    chapter_dir = directory / ".chapters" if fmt == "m4b" else directory
    total = len(book.chapters)
    plans = [
        plan_chapter(script, chapter, cast, pacing, chapter_dir / chapter_filename(chapter.index, total, chapter.title),
                     lexicon=words, loudness_target=target, subtitles=subtitles)
        for chapter in book.chapters
    ]
    return RenderPlan(script, members, tuple(plans), directory, book.warnings, fmt)


def render(
    book_path: Path,
    *,
    engine: Engine | None = None,
    cache_dir: Path | None = None,
    progress: ProgressFn | None = None,
    plan: RenderPlan | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    **options: Any,
) -> RenderResult:
    """Render a book to tagged chapter MP3s and a playlist; unchanged chapters are skipped.

    Without a `plan`, `prepare(book_path, engine=engine, **options)` makes one, so `options` are
    `prepare`'s keywords (output, voices, cast_file, script_file, title, author, loudness, ...).
    `jobs` > 1 renders chapters in that many worker processes (longest first; the files are
    the same as with one); `scheduler` sends them to a Dask cluster instead. A chapter that
    fails does not stop the others: they are written, and a `RenderError` naming the failed
    chapters is raised at the end (running again renders only what is missing).
    """
    if plan is not None and options:
        raise TypeError(f"render() got both a plan and prepare() options: {', '.join(sorted(options))}")
    plan = plan or prepare(book_path, engine=engine, **options)
    tasks = chapter_tasks(plan, engine=engine, cache_dir=cache_dir)
    result = RenderResult()
    remove_stale_parts(plan.book_dir)
    manifest = _read_manifest(plan.book_dir)
    todo = [i for i, task in enumerate(tasks) if task.is_done(manifest) is None]
    result.chapters_unchanged = len(tasks) - len(todo)
    pending = set(todo)
    skipped_lines = sum(t.lines for i, t in enumerate(tasks) if i not in pending)
    failures: list[ChapterFailure] = []
    for j, outcome in run_tasks([tasks[i] for i in todo], engine=engine, jobs=jobs, scheduler=scheduler,
                                progress=progress,
                                already=(skipped_lines, plan.lines, result.chapters_unchanged, len(tasks))):
        task = tasks[todo[j]]
        if not outcome.ok:
            failures.append(ChapterFailure(task.label, task.path, outcome.error or "", outcome.bug, outcome.detail))
            if outcome.bug:
                log.error("%s failed with an unexpected error:\n%s", task.label, outcome.detail)
        elif outcome.skipped:  # another process finished it meanwhile
            result.chapters_unchanged += 1
        else:
            result.add(ChapterOutcome(task.path, outcome.seconds, outcome.stats))
    manifest = _read_manifest(plan.book_dir)
    failed = {f.path for f in failures}
    for c in plan.chapters:
        if c.path not in failed:
            result.files.append(c.path)
            result.audio_seconds += manifest[c.path.name]["seconds"]
    result.failures = failures
    if failures:
        failures.sort(key=lambda f: f.path.name)
        raise RenderError(failures, len(tasks) - len(failures), len(tasks), result)
    return finish_book(plan, result, manifest)


def finish_book(plan: RenderPlan, result: RenderResult, manifest: dict[str, dict] | None = None) -> RenderResult:
    """After every chapter is written: the cover file, then the playlist (or the .m4b)."""
    manifest = _read_manifest(plan.book_dir) if manifest is None else manifest
    result.cover = write_cover(plan.book_dir, plan.script.book.cover)
    if plan.format == "m4b":
        from .m4b import write_m4b

        book = plan.script.book
        result.m4b = write_m4b(
            result.files, [chapter_tags(book, c.chapter).title for c in plan.chapters],
            plan.book_dir / f"{sanitize_name(book.title, 'Untitled')}.m4b",
            replace(chapter_tags(book, book.chapters[0]), track=None),
            key=json.dumps([manifest[c.path.name].get("fingerprint") for c in plan.chapters]))
        return result
    titles = [c.chapter.title for c in plan.chapters]
    durations = [manifest[c.path.name]["seconds"] for c in plan.chapters]
    result.playlist = write_playlist(result.files, plan.book_dir / f"{plan.book_dir.name}.m3u",
                                     titles, durations)
    return result


def chapter_tasks(plan: RenderPlan, *, engine: Engine | None = None, cache_dir: Path | None = None,
                  label_prefix: str = "") -> list[ChapterTask]:
    """One self-contained task per chapter (see narrator.parallel), in book order."""
    book = plan.script.book
    tasks = []
    for chapter_plan in plan.chapters:
        chapter = chapter_plan.chapter
        label = f"{label_prefix}chapter {chapter.index}" + (f" \"{chapter.title}\"" if chapter.title else "")
        job = ChapterJob(chapter_plan, chapter_tags(book, chapter), cache_dir)
        tasks.append(ChapterTask(job, _fingerprint(chapter_plan, book, engine), plan.book_dir, label,
                                 len(chapter_plan.utterances), chapter_plan.estimated_seconds))
    return tasks


def chapter_tags(book: Book, chapter: Chapter) -> Tags:
    """Tags of one chapter file; titles are unique within the book (a repeated or missing title
    gets its chapter number), so players that list by title never show two the same."""
    series, series_index = split_series(book.series, book.series_index)
    return Tags(
        title=_unique_title(book, chapter),
        album=book.title,
        artist=book.author,
        album_artist=book.author,
        track=chapter.index,
        track_total=len(book.chapters),
        narrator="narrator",
        cover=book.cover,
        series=series,
        series_index=series_index,
    )


def _unique_title(book: Book, chapter: Chapter) -> str:
    title = chapter.title or book.title
    same = [c for c in book.chapters if (c.title or book.title) == title]
    return title if len(same) <= 1 else f"{title} ({chapter.index})"


def _check_voices(members: Sequence[CastMember], override: Engine | None) -> None:
    """Every voice exists before anything is synthesized (a typo fails now, not at line 900)."""
    for m in members:
        engine = override or get_engine_cached(m.voice.engine)
        if not engine.has_voice(m.voice.voice):
            raise CastError(
                f"Unknown {engine.name} voice {m.voice.voice!r} for {m.name!r}; "
                "run `narrator voices` to list the voices you can use."
            )


def _cast_characters(config: VoiceConfig) -> tuple[Character, ...]:
    """Characters a cast file describes (names, aliases, genders) for the attributor."""
    return tuple(
        Character(e.name, e.aliases, e.gender or "unknown", e.lines)
        for e in config.characters.values()
    )


def _fingerprint(plan: ChapterPlan, book: Book, engine: Engine | None) -> str:
    h = hashlib.sha256()
    identity = engine.identity() if engine is not None else "profiles"
    h.update(json.dumps([identity, book.title, book.author, len(book.chapters), plan.chapter.title,
                         plan.chapter.index, list(plan.pauses), book.cover is not None,
                         hashlib.sha256(book.cover or b"").hexdigest()]).encode())
    # Output settings: loudness target, subtitles, markers (boundary kinds), series tags, titles.
    h.update(json.dumps([plan.loudness, plan.subtitles, list(plan.kinds), book.series,
                         str(book.series_index), _unique_title(book, plan.chapter)]).encode())
    for u in plan.utterances:
        # engine_text: the lexicon's respelling is what is synthesized; text: what subtitles show
        h.update(json.dumps([spoken_text(u.engine_text), spoken_text(u.text), u.line.speaker,
                             asdict(u.voice)]).encode())
    return h.hexdigest()


def _read_manifest(directory: Path) -> dict[str, dict]:
    return read_manifest(directory)


def _write_manifest(directory: Path, manifest: dict[str, dict]) -> None:
    with manifest_lock(directory):
        write_manifest(directory, manifest)


__all__ = ["MANIFEST", "NarratorError", "RenderError", "RenderPlan", "RenderResult", "chapter_tasks", "load_book",
           "make_script", "prepare", "render"]
