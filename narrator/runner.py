"""The render loop, one for a book and for a whole library.

    plans ──▶ a ChapterTask per chapter ──▶ narrator.resume: done? ──yes──▶ counted, skipped
                                                  │ no
                                                  ▼
              narrator.parallel.run_tasks (this process, worker processes or Dask)
                                                  │
                                                  ▼
                          a RenderResult per book ──▶ finish_book: cover, playlist or .m4b

`narrator render` gives it one plan, `narrator render-library` every book of a folder, so the
chapters of all books run as one pool of tasks, longest first, and a big book does not hold up
the small ones. No work is done twice: a chapter whose file and manifest entry match its
fingerprint is skipped (here, and again by the worker just before it starts), lines come from the
content-addressed line cache (one folder for every worker; on a cluster it must be on a shared
file system), and on a cluster the same chapter made from the same inputs has the same task key,
so the scheduler runs it once even when two clients ask for it.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cast import CastMember
from .chapter import ChapterJob, ChapterPlan, chapter_tags
from .engines import Engine
from .errors import ChapterFailure
from .export import remove_stale_parts, sanitize_name, write_cover, write_playlist
from .options import RenderOptions
from .parallel import ChapterTask, ProgressFn, TaskResult, run_tasks
from .resume import Manifest, audio_part, fingerprint, rewrite_subtitles
from .synthesize import SynthesisStats, default_cache_dir
from .types import Script

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RenderPlan:
    """One book ready to render: its script, cast and what each chapter will say."""

    script: Script
    members: tuple[CastMember, ...]
    chapters: tuple[ChapterPlan, ...]
    book_dir: Path
    options: RenderOptions
    """What the plan was made with (its format, and the run settings `render` starts from)."""
    source: Path = Path()
    """The book file."""
    warnings: tuple[str, ...] = ()

    @property
    def lines(self) -> int:
        return sum(len(c.utterances) for c in self.chapters)


@dataclass(slots=True)
class RenderResult:
    """What rendering one book did."""

    files: list[Path] = field(default_factory=list)
    """Chapter files written now or before, in book order (failed chapters left out)."""
    playlist: Path | None = None
    stats: SynthesisStats = field(default_factory=SynthesisStats)
    chapters_written: int = 0
    chapters_unchanged: int = 0
    audio_seconds: float = 0.0
    cover: Path | None = None
    m4b: Path | None = None
    failures: list[ChapterFailure] = field(default_factory=list)
    """Chapters that failed, by file name (the others were written)."""

    def count(self, task: ChapterTask, outcome: TaskResult) -> None:
        """Take in what running one of the book's chapters did."""
        if not outcome.ok:
            self.failures.append(ChapterFailure(task.label, task.path, outcome.error or "", outcome.bug,
                                                outcome.detail))
            if outcome.bug:
                log.error("%s failed with an unexpected error:\n%s", task.label, outcome.detail)
        elif outcome.skipped:  # another process finished it meanwhile
            self.chapters_unchanged += 1
        else:
            self.chapters_written += 1
            self.stats.add(outcome.stats)


def chapter_tasks(plan: RenderPlan, *, engine: Engine | None = None, cache_dir: Path | None = None,
                  label_prefix: str = "") -> list[ChapterTask]:
    """One self-contained task per chapter (see narrator.parallel), in book order."""
    book = plan.script.book
    tasks = []
    for chapter_plan in plan.chapters:
        chapter = chapter_plan.chapter
        label = f"{label_prefix}chapter {chapter.index}" + (f" \"{chapter.title}\"" if chapter.title else "")
        job = ChapterJob(chapter_plan, chapter_tags(book, chapter), cache_dir)
        digest = fingerprint(chapter_plan, book, engine, job.tags.title)
        tasks.append(ChapterTask(job, digest, plan.book_dir, label, len(chapter_plan.utterances),
                                 chapter_plan.estimated_seconds))
    return tasks


def run_plans(plans: list[RenderPlan], options: RenderOptions, *, progress: ProgressFn | None = None,
              name_books: bool = False) -> list[RenderResult]:
    """Render every chapter of `plans` that is not already done, as one pool of tasks run as
    `options` say (engine, cache, jobs, scheduler); a result per plan, in order.

    Never raises for a failed chapter: it is in its book's `failures`, the others are written.
    `name_books`: failures name the book file too (`tide.md: chapter 2 "The Causeway"`)."""
    cache_dir = Path(options.cache_dir or default_cache_dir()).resolve()  # one cache for every worker
    tasks: list[ChapterTask] = []
    owner: list[int] = []
    for n, plan in enumerate(plans):
        remove_stale_parts(plan.book_dir)
        prefix = f"{plan.source.name}: " if name_books else ""
        for task in chapter_tasks(plan, engine=options.engine, cache_dir=cache_dir, label_prefix=prefix):
            tasks.append(task)
            owner.append(n)
    results = [RenderResult() for _ in plans]
    # (two plans with one book_dir, e.g. two books with the same title and author, meet here first)
    manifests = {plan.book_dir: Manifest.read(plan.book_dir) for plan in plans}
    todo = []
    for i, task in enumerate(tasks):
        manifest = manifests[task.book_dir]
        if manifest.done(task.path, task.fingerprint) is not None or \
                rewrite_subtitles(task.job.plan, task.book_dir, task.fingerprint, manifest):
            results[owner[i]].chapters_unchanged += 1  # the audio is (only subtitles were written)
        else:
            todo.append(i)
    skipped_lines = sum(t.lines for t in tasks) - sum(tasks[i].lines for i in todo)
    already = (skipped_lines, sum(t.lines for t in tasks), len(tasks) - len(todo), len(tasks))
    for j, outcome in run_tasks([tasks[i] for i in todo], engine=options.engine, jobs=options.workers(),
                                scheduler=options.scheduler, progress=progress, already=already):
        results[owner[todo[j]]].count(tasks[todo[j]], outcome)
    for plan, result in zip(plans, results):
        _written(plan, result)
    return results


def _written(plan: RenderPlan, result: RenderResult) -> None:
    """The book's chapter files that exist now, and their length, in book order."""
    manifest = Manifest.read(plan.book_dir)
    failed = {f.path for f in result.failures}
    for c in plan.chapters:
        if c.path not in failed:
            result.files.append(c.path)
            result.audio_seconds += manifest.seconds(c.path)
    result.failures.sort(key=lambda f: f.path.name)


def finish_book(plan: RenderPlan, result: RenderResult) -> RenderResult:
    """After every chapter is written: the cover file, then the playlist (or the .m4b)."""
    manifest = Manifest.read(plan.book_dir)
    result.cover = write_cover(plan.book_dir, plan.script.book.cover)
    if plan.options.format == "m4b":
        from .m4b import write_m4b

        book = plan.script.book
        result.m4b = write_m4b(
            result.files, [chapter_tags(book, c.chapter).title for c in plan.chapters],
            plan.book_dir / f"{sanitize_name(book.title, 'Untitled')}.m4b",
            replace(chapter_tags(book, book.chapters[0]), track=None),
            key=json.dumps([audio_part(manifest.fingerprint(c.path)) for c in plan.chapters]))
        return result
    titles = [c.chapter.title for c in plan.chapters]
    durations = [manifest.seconds(c.path) for c in plan.chapters]
    result.playlist = write_playlist(result.files, plan.book_dir / f"{plan.book_dir.name}.m3u",
                                     titles, durations)
    return result


__all__ = ["RenderPlan", "RenderResult", "chapter_tasks", "finish_book", "run_plans"]
