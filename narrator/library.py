"""Rendering a whole folder of books: one task per chapter, on local worker processes or a
Dask cluster.

Every book is read and planned here (in the calling process); then the chapters of all books
run as one pool of tasks, longest first, so a big book does not hold up the small ones. No
work is done twice: lines go through the content-addressed line cache (shared by all workers;
on a cluster it must sit on a shared file system), a chapter whose file and manifest entry
match its fingerprint is skipped (checked here, and again by the worker just before it
starts), and on a cluster the same chapter with the same inputs always has the same task key,
so the scheduler runs it once even if two clients ask for it.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .engines.base import Engine
from .errors import ChapterFailure, NarratorError
from .parallel import ChapterTask, ProgressFn, run_tasks
from .resume import Manifest
from .synthesize import SynthesisStats, default_cache_dir

log = logging.getLogger(__name__)

BOOK_SUFFIXES = (".txt", ".md", ".markdown", ".epub", ".html", ".htm", ".xhtml")
NOT_BOOKS = (".script.txt",)
"""Files beside books that are not books (edited scripts)."""


@dataclass(slots=True)
class BookSummary:
    path: Path
    title: str = ""
    book_dir: Path | None = None
    chapters: int = 0
    rendered: int = 0
    skipped: int = 0
    failures: list[ChapterFailure] = field(default_factory=list)
    error: str | None = None
    """The book could not be read or planned (then none of its chapters ran)."""
    playlist: Path | None = None
    """The book's playlist (or .m4b) once all its chapters are done."""

    @property
    def failed(self) -> int:
        return len(self.failures) + (1 if self.error else 0)


@dataclass(slots=True)
class LibraryResult:
    books: list[BookSummary] = field(default_factory=list)
    stats: SynthesisStats = field(default_factory=SynthesisStats)

    @property
    def rendered(self) -> int:
        return sum(b.rendered for b in self.books)

    @property
    def skipped(self) -> int:
        return sum(b.skipped for b in self.books)

    @property
    def failed(self) -> int:
        """Failed chapters, plus books that could not be read at all."""
        return sum(b.failed for b in self.books)


def find_books(directory: Path) -> list[Path]:
    """Book files directly in `directory`, sorted by name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise NarratorError(f"{directory} is not a folder; give the folder that holds your books")
    return sorted(
        p for p in directory.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in BOOK_SUFFIXES
        and not p.name.lower().endswith(NOT_BOOKS)
    )


def render_library(
    directory: Path,
    *,
    output: Path = Path("output"),
    voices: Sequence[Path] = (),
    engine: Engine | None = None,
    cache_dir: Path | None = None,
    jobs: int = 1,
    scheduler: str | object | None = None,
    progress: ProgressFn | None = None,
) -> LibraryResult:
    """Render every book in `directory` (see the module doc). Never raises for a bad book or a
    failed chapter: they are in the result's summary."""
    from . import pipeline

    result = LibraryResult()
    output = Path(output).resolve()  # workers on other machines / in other folders see the same paths
    cache_dir = Path(cache_dir or default_cache_dir()).resolve()  # the same cache for every worker
    books = find_books(directory)
    if not books:
        raise NarratorError(f"no books in {directory} (looked for {', '.join(BOOK_SUFFIXES)})")
    tasks: list[ChapterTask] = []
    owner: list[BookSummary] = []
    plans = {}
    for path in books:
        summary = BookSummary(path)
        result.books.append(summary)
        try:
            plan = pipeline.prepare(path, output=output, voices=voices, engine=engine)
        except NarratorError as exc:
            summary.error = str(exc)
            continue
        plans[id(summary)] = plan
        summary.title, summary.book_dir, summary.chapters = plan.script.book.title, plan.book_dir, len(plan.chapters)
        for task in pipeline.chapter_tasks(plan, engine=engine, cache_dir=cache_dir,
                                           label_prefix=f"{path.name}: "):
            tasks.append(task)
            owner.append(summary)

    manifests = {b.book_dir: Manifest.read(b.book_dir) for b in result.books if b.book_dir is not None}
    todo = [i for i, t in enumerate(tasks) if manifests[t.book_dir].done(t.path, t.fingerprint) is None]
    pending = set(todo)
    for i in range(len(tasks)):
        if i not in pending:
            owner[i].skipped += 1
    done_lines = sum(t.lines for i, t in enumerate(tasks) if i not in pending)
    total_lines = sum(t.lines for t in tasks)
    for j, outcome in run_tasks([tasks[i] for i in todo], engine=engine, jobs=jobs, scheduler=scheduler,
                                progress=progress,
                                already=(done_lines, total_lines, len(tasks) - len(todo), len(tasks))):
        task, summary = tasks[todo[j]], owner[todo[j]]
        if not outcome.ok:
            summary.failures.append(ChapterFailure(task.label, task.path, outcome.error or "", outcome.bug,
                                                   outcome.detail))
            if outcome.bug:
                log.error("%s failed with an unexpected error:\n%s", task.label, outcome.detail)
        elif outcome.skipped:
            summary.skipped += 1
        else:
            summary.rendered += 1
            for name in ("synthesized", "cached", "skipped", "retried"):
                setattr(result.stats, name, getattr(result.stats, name) + getattr(outcome.stats, name))

    for summary in result.books:
        book_plan = plans.get(id(summary))
        if book_plan is None or summary.failures:
            continue
        manifest = Manifest.read(book_plan.book_dir)
        book = pipeline.RenderResult(files=[c.path for c in book_plan.chapters],
                                     audio_seconds=sum(manifest.seconds(c.path) for c in book_plan.chapters))
        try:
            finished = pipeline.finish_book(book_plan, book, manifest)
        except NarratorError as exc:
            summary.error = f"chapters written, but: {exc}"
            continue
        summary.playlist = finished.playlist or finished.m4b
    return result
