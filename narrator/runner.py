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
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cast import CastMember
from .chapter import ChapterJob, ChapterPlan, chapter_tags, chapter_titles
from .engines import Engine
from .errors import ChapterFailure, OutputError
from .export import cover_path, remove_stale_parts, sanitize_name, write_cover, write_playlist
from .options import RenderOptions
from .parallel import ChapterTask, ProgressFn, TaskResult, run_tasks
from .resume import Manifest, Source, audio_part, claim, fingerprint, prune, record_files, rewrite_subtitles
from .subtitles import subtitle_path
from .synthesize import SynthesisStats, default_cache_dir
from .types import Script

MAX_SAME_NAME = 99
"""render-library: books of one title and author go to `Title`, `Title (2)` … up to this."""

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
    notes: tuple[str, ...] = ()
    """What the user should know that is not a problem (e.g. the edited script found and used)."""

    @property
    def lines(self) -> int:
        return sum(len(c.utterances) for c in self.chapters)

    def identity(self) -> Source:
        """The book this plan renders, as a book folder's manifest records its owner."""
        return Source.of(self.source, self.script.book.text)

    def moved_to(self, directory: Path) -> RenderPlan:
        """The same plan writing into book folder `directory` instead."""
        if Path(directory) == self.book_dir:
            return self
        chapters = tuple(replace(c, path=Path(directory) / c.path.relative_to(self.book_dir)) for c in self.chapters)
        return replace(self, chapters=chapters, book_dir=Path(directory))


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
    book_dir: Path | None = None
    """The book folder written: the plan's, unless render-library had to choose another."""
    notes: list[str] = field(default_factory=list)
    """What the user should know about where the book went (one line each)."""
    removed: list[Path] = field(default_factory=list)
    """Files an earlier render wrote that this one replaced (chapters renamed or gone, the
    other format, old subtitles), removed once the book was complete."""

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
    titles = chapter_titles(book)
    tasks = []
    for chapter_plan in plan.chapters:
        chapter = chapter_plan.chapter
        label = f"{label_prefix}chapter {chapter.index}" + (f" \"{chapter.title}\"" if chapter.title else "")
        job = ChapterJob(chapter_plan, chapter_tags(book, chapter, titles[chapter.index - 1]), cache_dir)
        digest = fingerprint(chapter_plan, book, engine, job.tags.title)
        tasks.append(ChapterTask(job, digest, plan.book_dir, label, len(chapter_plan.utterances),
                                 chapter_plan.estimated_seconds))
    return tasks


def run_plans(plans: list[RenderPlan], options: RenderOptions, *, progress: ProgressFn | None = None,
              name_books: bool = False) -> list[RenderResult]:
    """Render every chapter of `plans` that is not already done, as one pool of tasks run as
    `options` say (engine, cache, jobs, scheduler); a result per plan, in order.

    Never raises for a failed chapter: it is in its book's `failures`, the others are written.
    Raises OutputError before any work when the output cannot be written, or (one book, from
    `render`) when its folder holds another book's audiobook; with `name_books` (render-library)
    such a book goes to a folder of its own (`Title (2)`), said in its result's `notes`, and
    failures name the book file too (`tide.md: chapter 2 "The Causeway"`)."""
    check_writable(options.output)
    if any(plan.options.format == "m4b" for plan in plans):
        from .m4b import ffmpeg_exe

        ffmpeg_exe()  # no ffmpeg: say so now, not after every chapter was rendered
    cache_dir = Path(options.cache_dir or default_cache_dir()).resolve()  # one cache for every worker
    cache_problem = _unwritable(cache_dir)
    if cache_problem:  # lines still render; the next render synthesizes them all again
        log.warning("the line cache %s cannot be written (%s): no line is kept for the next render; give "
                    "--cache a folder you can write", cache_dir, cache_problem)
    results = [RenderResult() for _ in plans]
    plans = [_place(plan, result, name_books) for plan, result in zip(plans, results)]
    tasks: list[ChapterTask] = []
    owner: list[int] = []
    for n, plan in enumerate(plans):
        remove_stale_parts(plan.book_dir)
        prefix = f"{plan.source.name}: " if name_books else ""
        for task in chapter_tasks(plan, engine=options.engine, cache_dir=cache_dir, label_prefix=prefix):
            tasks.append(task)
            owner.append(n)
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


def check_writable(folder: Path) -> None:
    """Raise one OutputError line, before any work, when nothing can be written in `folder`
    (read-only, not a folder, no space left for even an empty file)."""
    reason = _unwritable(folder)
    if reason:
        raise OutputError(f"cannot write to {folder}: {reason}; choose another --output")


def _unwritable(folder: Path) -> str | None:
    """Why nothing can be written in `folder` (created if missing), or None when it can."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".narrator-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return reason[:1].lower() + reason[1:]
    return None


REFUSED_FIX = ("pass --title and --author to name this one, or --output to render it elsewhere (or delete that "
               "folder if its audiobook can go)")


def collision(plan: RenderPlan) -> str | None:
    """What `render` would refuse: the plan's book folder holds another book's audiobook (for
    `--dry-run`, which writes nothing); None when it is free or this book's."""
    owner = Manifest.read(plan.book_dir).source
    source = plan.identity()
    if owner is None or owner.same_book(source):
        return None
    return f"{_held(plan.book_dir, owner, source)}; rendering would stop: {REFUSED_FIX}"


def _held(folder: Path, owner: Source, source: Source) -> str:
    return f"{folder} holds the audiobook of {owner.path}, another book with the same title and author as {source.path}"


def _place(plan: RenderPlan, result: RenderResult, rename: bool) -> RenderPlan:
    """The plan, writing into a book folder that holds this book's audiobook or none: its own
    folder, else (`rename`) the first free `Title (N)`; OutputError when it cannot (render)."""
    source = plan.identity()
    other = claim(plan.book_dir, source)
    if other is None:
        result.book_dir = plan.book_dir
        return plan
    held = _held(plan.book_dir, other, source)
    if not rename:
        raise OutputError(f"{held}; {REFUSED_FIX}")
    for n in range(2, MAX_SAME_NAME + 1):
        folder = plan.book_dir.with_name(f"{plan.book_dir.name} ({n})")
        if claim(folder, source) is None:
            result.book_dir = folder
            result.notes.append(f"{held}, so this one went to {folder.name!r}; to name it, give it a title and "
                                "author of its own (render it with `narrator render BOOK --title … --author …`, "
                                "or put Title: and Author: lines at the top of a text file)")
            return plan.moved_to(folder)
    raise OutputError(f"{held}, and so do {MAX_SAME_NAME - 1} more folders; give this book a title of its own")


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
    """After every chapter is written: the cover file, then the playlist (or the .m4b); then the
    files of earlier renders that this one replaced are removed."""
    plan = plan.moved_to(result.book_dir or plan.book_dir)
    manifest = Manifest.read(plan.book_dir)
    book = plan.script.book
    keep = [*result.files, *(subtitle_path(c.path, c.subtitles) for c in plan.chapters if c.subtitles != "none")]
    result.cover = _cover(plan, manifest)
    if plan.options.format == "m4b":
        from .m4b import STAMP, write_m4b

        titles = chapter_titles(book)
        result.m4b = write_m4b(
            result.files, [titles[c.chapter.index - 1] for c in plan.chapters],
            plan.book_dir / f"{sanitize_name(book.title, 'Untitled')}.m4b",
            replace(chapter_tags(book, book.chapters[0]), track=None),
            key=json.dumps([audio_part(manifest.fingerprint(c.path)) for c in plan.chapters]))
        made = [result.m4b, result.files[0].parent / STAMP]
    else:
        titles = [c.chapter.title for c in plan.chapters]
        durations = [manifest.seconds(c.path) for c in plan.chapters]
        result.playlist = write_playlist(result.files, plan.book_dir / f"{plan.book_dir.name}.m3u",
                                         titles, durations)
        made = [result.playlist]
    made += [result.cover] if result.cover else []
    record_files(plan.book_dir, made)
    result.removed = prune(plan.book_dir, [*keep, *made])
    return result


def _cover(plan: RenderPlan, manifest: Manifest) -> Path | None:
    """The book's cover as a file in its folder, unless a cover narrator did not write is there
    (the user's own: it stays)."""
    cover = plan.script.book.cover
    if not cover:
        return None
    path = cover_path(plan.book_dir, cover)
    if path.exists() and not manifest.wrote(path) and path.read_bytes() != cover:
        return None
    return write_cover(plan.book_dir, cover)


__all__ = ["RenderPlan", "RenderResult", "chapter_tasks", "check_writable", "collision", "finish_book", "run_plans"]
