"""Rendering many chapters at once: in this process, in a pool of worker processes, or on a
Dask cluster — the same task function everywhere, so the three give the same files.

A `ChapterTask` is one chapter of one book: its `ChapterJob` (plain picklable data), the
fingerprint of what it is made from and where its book's manifest lives. `run_task` renders
it unless narrator.resume finds it done, records it in the manifest and returns a `TaskResult`
— a chapter that fails becomes that chapter's failure, never the whole run's.

Why processes and which kind: libespeak-ng keeps global state (one engine per process, see
engines/espeak.py), so synthesis scales with processes, not threads, and a worker must never
inherit an initialised library through `fork`. Workers come from the `forkserver` context
where the platform has it (a clean server process forks them, cheaply) and `spawn`
elsewhere.

Scheduling: longest chapter first (an estimate from words and rates), so a long chapter does
not start last and leave the other workers idle at the end.
"""
from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import multiprocessing
import os
import queue as queue_module
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, cast

from .chapter import ChapterJob, render_chapter
from .engines import Engine, cached_engine
from .errors import NarratorError
from .resume import Manifest, record_chapter
from .synthesize import SynthesisStats

log = logging.getLogger(__name__)

PROCESS_BOUND_ENGINES = frozenset({"espeak", "pyttsx3"})
"""Engines that wrap process-global library state: workers build their own by name instead of
receiving a pickled copy of the parent's."""

ProgressFn = Callable[[str, int, int], None]
"""progress(what, done, total): what is "line" (lines over the whole run) or "chapter"."""


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True, slots=True)
class ChapterTask:
    """One chapter of one book, ready to run anywhere."""

    job: ChapterJob
    fingerprint: str
    book_dir: Path
    label: str
    """How errors name it: `chapter 2 "The Causeway"` (plus the book in a library)."""
    lines: int
    weight: float
    """Estimated seconds of audio: the scheduler starts the heaviest chapters first."""

    @property
    def path(self) -> Path:
        return self.job.plan.path

    def cluster_key(self) -> str:
        """Identical for the same chapter made from the same inputs: a Dask scheduler given the
        same key twice runs it once."""
        material = f"{self.path.resolve()}\0{self.fingerprint}".encode()
        return "narrator-chapter-" + hashlib.sha256(material).hexdigest()[:32]


@dataclass(slots=True)
class TaskResult:
    skipped: bool = False
    """The chapter was already done (found in the manifest by the worker)."""
    seconds: float = 0.0
    stats: SynthesisStats = field(default_factory=SynthesisStats)
    error: str | None = None
    """One line saying why the chapter failed; None on success."""
    bug: bool = False
    """The failure was not a NarratorError (an unexpected exception); `detail` has the traceback."""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def run_task(task: ChapterTask, engine: Engine | None = None,
             progress: Callable[[int], None] | None = None) -> TaskResult:
    """Render one chapter unless already done; record it in the manifest; never raise for a
    failure of the chapter (KeyboardInterrupt and SystemExit still propagate)."""
    try:
        seconds = Manifest.read(task.book_dir).done(task.path, task.fingerprint)
        if seconds is not None:
            return TaskResult(skipped=True, seconds=seconds)
        outcome = render_chapter(task.job, engine, progress)
        record_chapter(task.book_dir, task.path, task.fingerprint, outcome.seconds, outcome.timeline,
                       outcome.sample_rate, also=[outcome.subtitles] if outcome.subtitles else [])
        return TaskResult(seconds=outcome.seconds, stats=outcome.stats)
    except NarratorError as exc:
        return TaskResult(error=str(exc))
    except Exception as exc:  # a bug: report it with its traceback, keep the other chapters
        log.debug("chapter %s failed", task.label, exc_info=True)
        return TaskResult(error=f"{type(exc).__name__}: {exc}", bug=True, detail=traceback.format_exc())


def engine_spec(engine: Engine | None) -> Engine | str | None:
    """What to send a worker for `engine`: the engine itself when it is plain data (the fake
    one), its name when it wraps process-global state (each worker then builds its own)."""
    if engine is None or getattr(engine, "name", None) in PROCESS_BOUND_ENGINES:
        return None if engine is None else str(engine.name)
    return engine


def resolve_engine(spec: Engine | str | None) -> Engine | None:
    if isinstance(spec, str):
        return cached_engine(spec)
    return spec


# --------------------------------------------------------------------------- progress


class _Tally:
    """Lines and chapters done over a whole run, from any mix of per-line reports (which may
    arrive late or twice) and completed chapters. Lines only ever go up."""

    def __init__(self, progress: ProgressFn | None, lines: int, chapters: int) -> None:
        self.progress = progress
        self.total_lines, self.total_chapters = lines, chapters
        self.lines_by_task: dict[int, int] = {}
        self.base_lines = 0
        self.chapters = 0

    def start(self, already_lines: int, already_chapters: int) -> None:
        self.base_lines, self.chapters = already_lines, already_chapters
        self._emit()

    def line(self, task_id: int, done: int) -> None:
        if done > self.lines_by_task.get(task_id, 0):
            self.lines_by_task[task_id] = done
            if self.progress:
                self.progress("line", self.lines, self.total_lines)

    def chapter(self, task_id: int, lines: int, ok: bool) -> None:
        if ok:
            self.lines_by_task[task_id] = lines
        self.chapters += 1
        self._emit()

    @property
    def lines(self) -> int:
        return self.base_lines + sum(self.lines_by_task.values())

    def _emit(self) -> None:
        if self.progress:
            self.progress("line", self.lines, self.total_lines)
            self.progress("chapter", self.chapters, self.total_chapters)


# --------------------------------------------------------------------------- running


_WORKER: dict[str, Any] = {}
"""Per worker process: the progress queue and the engine (set by `_init_worker`)."""
REPORT_EVERY = 0.2
"""Seconds between a worker's per-line progress messages for one chapter."""


def _init_worker(progress_queue: Any, spec: Engine | str | None, cwd: str, environ: dict[str, str]) -> None:
    _exit_with_parent()
    # A forkserver child starts with the server's cwd and environment, which may be older than
    # the caller's (e.g. XDG_CACHE_HOME set since): take the caller's, as a spawned child would.
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environ)
    # Ctrl-C is the caller's to handle: it stops the workers (their output is atomic anyway).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["queue"] = progress_queue
    _WORKER["engine"] = spec


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends a process when its parent dies (Linux)."""


def _exit_with_parent() -> None:
    """A worker must not outlive the render that started it: killed with `kill -9`, the main
    process used to leave its workers rendering on, with PPID 1.

    A worker's parent is the fork server (which exits when the main process does: its pipe from
    the main process reaches EOF), or the main process itself under spawn. On Linux the kernel
    kills the worker when that parent dies (PR_SET_PDEATHSIG); everywhere, a thread waits on the
    parent's sentinel and ends the worker when it closes."""
    parent = multiprocessing.parent_process()
    if parent is None:  # not a multiprocessing child: nothing to follow
        return
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_exit_when_gone, args=(parent,), name="narrator-parent-watch", daemon=True).start()


def _exit_when_gone(parent: Any) -> None:
    parent.join()  # returns once the parent process has ended
    os._exit(1)


def _pool_task(task_id: int, task: ChapterTask) -> TaskResult:
    channel = _WORKER.get("queue")
    last = [0.0]

    def report(done: int) -> None:
        now = time.monotonic()
        if channel is not None and (now - last[0] >= REPORT_EVERY or done == task.lines):
            last[0] = now
            channel.put((task_id, done))

    return run_task(task, resolve_engine(_WORKER.get("engine")), report)


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where available (clean, cheap children; never a forked libespeak), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["narrator.parallel"])
        return ctx
    return multiprocessing.get_context("spawn")


def longest_first(tasks: Sequence[ChapterTask]) -> list[int]:
    """Indices of `tasks`, heaviest first (ties: book order), the order workers take them."""
    return sorted(range(len(tasks)), key=lambda i: (-tasks[i].weight, i))


def run_tasks(
    tasks: Sequence[ChapterTask],
    *,
    engine: Engine | None,
    jobs: int,
    scheduler: str | Any | None = None,
    progress: ProgressFn | None = None,
    already: tuple[int, int, int, int] = (0, 0, 0, 0),
) -> Iterator[tuple[int, TaskResult]]:
    """Run `tasks`, yielding (index into `tasks`, result) as each chapter finishes.

    jobs == 1 (and no scheduler): in this process, in book order, with `engine` itself.
    jobs > 1: a process pool of that many workers, longest chapter first, per-line progress
    reported back through a queue. `scheduler`: a Dask scheduler address (or a
    `distributed.Client`); chapter-level progress only.
    `already` = (lines done, lines total, chapters done, chapters total) for the progress bars,
    covering chapters the caller skipped without submitting them.
    """
    lines_done, lines_total, chapters_done, chapters_total = already
    tally = _Tally(progress, lines_total or sum(t.lines for t in tasks),
                   chapters_total or len(tasks))
    tally.start(lines_done, chapters_done)
    if not tasks:
        return
    if scheduler is not None:
        yield from _run_dask(tasks, engine, scheduler, tally)
    elif jobs <= 1 or len(tasks) == 1:
        yield from _run_here(tasks, engine, tally)
    else:
        yield from _run_pool(tasks, engine, min(jobs, len(tasks)), tally)


def _run_here(tasks: Sequence[ChapterTask], engine: Engine | None,
              tally: _Tally) -> Iterator[tuple[int, TaskResult]]:
    """In this process, in book order, with `engine` itself."""
    for i, task in enumerate(tasks):
        result = run_task(task, engine, partial(tally.line, i))
        tally.chapter(i, task.lines, result.ok)
        yield i, result


def start_pool(workers: int, engine: Engine | None) -> tuple[Any, ProcessPoolExecutor]:
    """(progress queue, pool of `workers` processes set up by `_init_worker`). OSError (or
    NotImplementedError) when the platform cannot give processes shared locks (a container
    without /dev/shm)."""
    ctx = _context()
    channel = ctx.Queue()
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(channel, engine_spec(engine), os.getcwd(), dict(os.environ)))
    except BaseException:
        channel.close()
        raise
    return channel, pool


def _run_pool(tasks: Sequence[ChapterTask], engine: Engine | None, workers: int,
              tally: _Tally) -> Iterator[tuple[int, TaskResult]]:
    try:
        channel, pool = start_pool(workers, engine)
    except (OSError, NotImplementedError) as exc:  # e.g. no /dev/shm: no locks between processes
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
        log.warning("cannot start worker processes here (no shared memory for their locks: %s); "
                    "rendering one chapter at a time in this process", reason)
        yield from _run_here(tasks, engine, tally)
        return
    futures: dict[Future, int] = {}
    finished = False
    try:
        for i in longest_first(tasks):
            futures[pool.submit(_pool_task, i, tasks[i])] = i
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            _drain(channel, tally)
            for future in sorted(done, key=lambda f: futures[f]):
                i = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    result = TaskResult(error=f"a worker process died ({exc or 'killed'}); "
                                              "run the command again to retry this chapter")
                except Exception as exc:  # e.g. the task could not be pickled: a bug
                    result = TaskResult(error=f"{type(exc).__name__}: {exc}", bug=True,
                                        detail="".join(traceback.format_exception(exc)))
                tally.chapter(i, tasks[i].lines, result.ok)
                yield i, result
        finished = True
    finally:
        if not finished:  # interrupted (Ctrl-C, or the caller stopped iterating): stop now
            for future in futures:
                future.cancel()
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
        pool.shutdown(wait=True, cancel_futures=not finished)
        _drain(channel, tally)
        channel.close()
        channel.join_thread()


def _drain(channel: Any, tally: _Tally) -> None:
    while True:
        try:
            task_id, done = channel.get_nowait()
        except (queue_module.Empty, OSError, ValueError, EOFError):
            return
        tally.line(task_id, done)


TLS_OPTIONS = ("--tls-ca-file, --tls-cert and --tls-key (or distributed.comm.tls.ca-file, .client.cert and "
               ".client.key in the Dask config)")


def connect(address: str) -> Any:
    """A `distributed.Client` for the scheduler at `address`, with the TLS certificates of the
    Dask config (`--tls-*` set them) for a tls:// address; one NarratorError line when it cannot.

    Jobs and results cross this connection as pickles, which run code where they are read: the
    scheduler and its workers must be trusted, and plain tcp:// belongs on a private network."""
    import dask.config
    from distributed import Client

    if address.startswith("tls://") and not dask.config.get("distributed.comm.tls.ca-file", None):
        raise NarratorError(f"the scheduler {address} speaks TLS: give its certificates with {TLS_OPTIONS}")
    try:
        return Client(address, timeout="30s")
    except ValueError as exc:
        raise NarratorError(f"--scheduler {address!r} is not a Dask scheduler address ({exc}); give one such as "
                            "tls://host:8786") from exc
    except RuntimeError as exc:  # e.g. "encryption required by Dask configuration": a tcp:// address
        raise NarratorError(f"cannot use the Dask scheduler at {address}: {exc}; with TLS certificates give a "
                            "tls:// address") from exc
    except (OSError, TimeoutError, TypeError) as exc:  # unreachable, TLS refused, a bad certificate
        raise NarratorError(f"cannot reach the Dask scheduler at {address}: {type(exc).__name__}: "
                            f"{' '.join(str(exc).split())}") from exc


def _dask_task(task: ChapterTask, spec: Engine | str | None) -> TaskResult:
    return run_task(task, resolve_engine(spec))


def _run_dask(tasks: Sequence[ChapterTask], engine: Engine | None, scheduler: str | Any,
              tally: _Tally) -> Iterator[tuple[int, TaskResult]]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise NarratorError("--scheduler needs dask.distributed: pip install 'narrator[cluster]'") from exc
    own = not isinstance(scheduler, Client)
    client: Client = connect(str(scheduler)) if own else cast(Client, scheduler)
    try:
        spec = engine_spec(engine)
        order = longest_first(tasks)
        # Same chapter + same inputs = same key: the scheduler runs a chapter two clients ask
        # for only once. Higher priority runs first: the longest chapters.
        futures = {
            client.submit(_dask_task, tasks[i], spec, key=tasks[i].cluster_key(),
                          priority=len(order) - rank, retries=0): i
            for rank, i in enumerate(order)
        }
        for future in as_completed(list(futures)):
            i = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a worker died or the task could not run
                result = TaskResult(error=f"the cluster could not run it: {type(exc).__name__}: {exc}")
            tally.chapter(i, tasks[i].lines, result.ok)
            yield i, result
    finally:
        if own:
            client.close()
