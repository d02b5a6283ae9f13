"""Parallel chapter rendering: same files as one process, exact progress, failures per chapter."""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.bookgen import make_book
from narrator.errors import NarratorError, RenderError
from narrator.parallel import ChapterTask, engine_spec, longest_first
from narrator.pipeline import prepare, render
from narrator.resume import read_manifest
from narrator.runner import chapter_tasks
from narrator.synthesize import spoken_text
from tests.conftest import preset_fake_engine

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def long_book(tmp_path: Path) -> Path:
    path = tmp_path / "tide.md"
    path.write_text(make_book(1500, chapters=5, seed=3), encoding="utf-8")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def test_two_jobs_write_the_same_bytes_as_one(long_book: Path, tmp_path: Path) -> None:
    one = render(long_book, output=tmp_path / "one", engine=preset_fake_engine(), cache_dir=tmp_path / "c1", jobs=1)
    two = render(long_book, output=tmp_path / "two", engine=preset_fake_engine(), cache_dir=tmp_path / "c2", jobs=2)
    assert (one.chapters_written, two.chapters_written) == (5, 5)
    assert one.stats.synthesized == two.stats.synthesized > 0
    a, b = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert sorted(a) == sorted(b) and len([n for n in a if n.endswith(".mp3")]) == 5
    assert a == b


def test_progress_is_exact_at_the_end_and_never_goes_back(long_book: Path, tmp_path: Path) -> None:
    seen: dict[str, list[tuple[int, int]]] = {"line": [], "chapter": []}
    plan = prepare(long_book, output=tmp_path / "out", engine=preset_fake_engine())
    render(long_book, plan=plan, engine=preset_fake_engine(), jobs=2,
           progress=lambda what, done, total: seen[what].append((done, total)))
    lines = [d for d, _ in seen["line"]]
    assert lines == sorted(lines) and seen["line"][-1] == (plan.lines, plan.lines)
    assert seen["chapter"][-1] == (5, 5)
    assert len(set(lines)) > 5  # per-line reports came back from the workers, not only per chapter
    # an unchanged re-render reports everything done at once, without starting workers
    seen = {"line": [], "chapter": []}
    again = render(long_book, plan=plan, engine=preset_fake_engine(), jobs=2,
                   progress=lambda what, done, total: seen[what].append((done, total)))
    assert again.chapters_unchanged == 5 and seen["line"][-1] == (plan.lines, plan.lines)


def test_longest_chapter_is_scheduled_first(long_book: Path, tmp_path: Path) -> None:
    plan = prepare(long_book, output=tmp_path / "out", engine=preset_fake_engine())
    tasks = chapter_tasks(plan)
    order = longest_first(tasks)
    weights = [tasks[i].weight for i in order]
    assert weights == sorted(weights, reverse=True) and order[0] != 0


def test_a_failing_chapter_in_a_worker_fails_alone(long_book: Path, tmp_path: Path) -> None:
    plan = prepare(long_book, output=tmp_path / "out", engine=preset_fake_engine())
    victim = next(u.text for u in plan.chapters[1].utterances if not u.is_title)
    only_in_two = all(victim not in u.text for c in plan.chapters if c is not plan.chapters[1] for u in c.utterances)
    assert only_in_two
    engine = preset_fake_engine(fail=[spoken_text(victim)])
    with pytest.raises(RenderError, match=r"1 of 5 chapters failed.*chapter 2") as caught:
        render(long_book, plan=plan, engine=engine, jobs=2)
    assert [f.path.name for f in caught.value.failures] == [plan.chapters[1].path.name]
    written = sorted(p.name for p in plan.book_dir.glob("*.mp3"))
    assert written == sorted(c.path.name for i, c in enumerate(plan.chapters) if i != 1)
    assert set(read_manifest(plan.book_dir)) == set(written)
    again = render(long_book, plan=plan, engine=preset_fake_engine(), jobs=2)
    assert (again.chapters_written, again.chapters_unchanged) == (1, 4)


def test_process_bound_engines_go_to_workers_by_name() -> None:
    class Espeakish:
        name = "espeak"

    assert engine_spec(Espeakish()) == "espeak"  # type: ignore[arg-type]
    fake = preset_fake_engine()
    assert engine_spec(fake) is fake and engine_spec(None) is None


def test_cluster_key_depends_on_path_and_inputs(long_book: Path, tmp_path: Path) -> None:
    plan = prepare(long_book, output=tmp_path / "out", engine=preset_fake_engine())
    a, b = chapter_tasks(plan)[:2]
    assert a.cluster_key() == chapter_tasks(plan)[0].cluster_key() != b.cluster_key()
    moved = ChapterTask(a.job, "other-fingerprint", a.book_dir, a.label, a.lines, a.weight)
    assert moved.cluster_key() != a.cluster_key()


@pytest.mark.engine
def test_real_engine_two_jobs_match_one_job(sample_book: Path, tmp_path: Path) -> None:
    """espeak-ng is not bit-reproducible across process histories (engines/espeak.py), so the
    same bytes need the same line clips: render with 2 workers, then with 1 from that cache."""
    cache = tmp_path / "cache"
    two = render(sample_book, output=tmp_path / "two", cache_dir=cache, jobs=2)
    one = render(sample_book, output=tmp_path / "one", cache_dir=cache, jobs=1)
    assert two.stats.synthesized > 40 and one.stats.synthesized == 0 and one.chapters_written == 3
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    # from a cold cache, one worker gives the same chapters up to espeak's flutter (< 0.5 % length)
    cold = render(sample_book, output=tmp_path / "cold", cache_dir=tmp_path / "cold-cache", jobs=1)
    for x, y in zip(cold.files, two.files):
        assert abs(x.stat().st_size - y.stat().st_size) <= 0.005 * y.stat().st_size + 2000


def test_jobs_must_not_change_what_a_failure_means(book_path: Path, tmp_path: Path) -> None:
    engine = preset_fake_engine(truncate=["always brings fish"])
    with pytest.raises(NarratorError, match="always brings fish"):
        render(book_path, output=tmp_path / "out", engine=engine, jobs=2)
    assert not list((tmp_path / "out").rglob("*.part"))
    shutil.rmtree(tmp_path / "out")


WORKER_HELPER = """
import os, pathlib, time

def mark_and_wait(folder):
    pathlib.Path(folder, str(os.getpid())).touch()
    time.sleep(300)
"""
MAIN = """
import sys, time
from pathlib import Path
from narrator.parallel import start_pool
import helper

folder = Path(sys.argv[1])
channel, pool = start_pool(2, None)
for _ in range(2):
    pool.submit(helper.mark_and_wait, str(folder))
while len(list(folder.iterdir())) < 2:
    time.sleep(0.05)
print("ready", flush=True)
time.sleep(300)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent's reaping is missing


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_workers_exit_when_the_main_process_is_killed(tmp_path: Path) -> None:
    """Issue 10: `kill -9` of the main process left its workers rendering on (PPID 1)."""
    (tmp_path / "helper.py").write_text(WORKER_HELPER, encoding="utf-8")
    marks = tmp_path / "marks"
    marks.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])}
    main = subprocess.Popen([sys.executable, "-c", MAIN, str(marks)], env=env, stdout=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        assert main.stdout is not None and main.stdout.readline().strip() == "ready"
        workers = [int(p.name) for p in marks.iterdir()]
        assert len(workers) == 2 and all(_running(pid) for pid in workers)
        main.kill()
        main.wait(timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_running(pid) for pid in workers):
            time.sleep(0.05)
        assert not [pid for pid in workers if _running(pid)]
    finally:
        main.kill()
        main.wait(timeout=30)
        if main.stdout is not None:
            main.stdout.close()
        for pid in workers:  # only if the test failed: do not leave them behind
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def test_without_shared_memory_the_render_runs_in_this_process(
        long_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 10: where /dev/shm is missing, creating multiprocessing's locks fails and `render`
    died with a SemLock traceback. It now renders in one process, after a one-line notice."""
    import multiprocessing.synchronize

    def no_shm(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(multiprocessing.synchronize._multiprocessing, "SemLock", no_shm)  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="narrator.parallel"):
        result = render(long_book, output=tmp_path / "out", engine=preset_fake_engine(), jobs=2)
    assert result.chapters_written == 5 and not result.failures
    (notice,) = [r.getMessage() for r in caplog.records]
    assert "\n" not in notice and "No such file or directory" in notice and "in this process" in notice
