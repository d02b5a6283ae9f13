"""Rendering a whole folder of books: every book is read and planned here (in the calling
process), then the chapters of all books go through the one render loop (narrator.runner) as
one pool of tasks, on local worker processes or a Dask cluster.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ChapterFailure, NarratorError
from .options import RenderOptions
from .parallel import ProgressFn
from .pipeline import options_from, prepare
from .runner import RenderPlan, finish_book, run_plans
from .synthesize import SynthesisStats

BOOK_SUFFIXES = (".txt", ".md", ".markdown", ".epub", ".html", ".htm", ".xhtml")
NOT_BOOKS = (".script.txt",)
"""Files beside books that are not books (edited scripts)."""
PER_BOOK = ("title", "author", "cast_file", "script_file")
"""Options that describe one book; a library takes these from each book (and its cast file)."""


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
    notes: list[str] = field(default_factory=list)
    """What the user should know: e.g. the book went to another folder than its title's, because
    a different book with the same title and author is in that one."""
    removed: int = 0
    """Files of an earlier render of the book that this one replaced, removed."""

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


def render_library(directory: Path, options: RenderOptions | None = None, *, progress: ProgressFn | None = None,
                   **overrides: Any) -> LibraryResult:
    """Render every book in `directory` with `options` (or its fields as keywords), as
    `narrator render` would render each. Never raises for a bad book or a failed chapter: they
    are in the result's summary."""
    options = options_from(options, overrides)
    if any(getattr(options, name) is not None for name in PER_BOOK):
        raise TypeError(f"render_library() takes {', '.join(PER_BOOK)} from each book, not from options")
    books = find_books(directory)
    if not books:
        raise NarratorError(f"no books in {directory} (looked for {', '.join(BOOK_SUFFIXES)})")
    # absolute: workers on other machines, or in other folders, see the same paths
    options = replace(options, output=options.output.resolve())
    result = LibraryResult([BookSummary(path) for path in books])
    plans: list[RenderPlan] = []
    planned: list[BookSummary] = []
    for summary in result.books:
        try:
            plan = prepare(summary.path, options)
        except NarratorError as exc:
            summary.error = str(exc)
            continue
        summary.title, summary.book_dir, summary.chapters = plan.script.book.title, plan.book_dir, len(plan.chapters)
        plans.append(plan)
        planned.append(summary)
    rendered = run_plans(plans, options, progress=progress, name_books=True)
    for plan, summary, book in zip(plans, planned, rendered):
        summary.rendered, summary.skipped = book.chapters_written, book.chapters_unchanged
        summary.failures, summary.notes = book.failures, book.notes
        summary.book_dir = book.book_dir or summary.book_dir
        result.stats.add(book.stats)
        if book.failures:
            continue
        try:
            finished = finish_book(plan, book)
        except NarratorError as exc:
            summary.error = f"chapters written, but: {exc}"
            continue
        summary.playlist = finished.playlist or finished.m4b
        summary.removed = len(finished.removed)
    return result
