"""Killed, broken or corrupted renders: nothing truncated under a final name, and the next run
does only the missing work."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.mp3 import MP3

from bench.bookgen import make_book
from narrator import chapter as chapter_module
from narrator import cli as cli_module
from narrator.cli import cli
from narrator.errors import ExportError
from narrator.pipeline import prepare, render
from narrator.resume import MANIFEST, read_manifest
from tests.conftest import preset_fake_engine

ROOT = Path(__file__).resolve().parent.parent


def _manifest(folder: Path) -> dict[str, dict]:
    return read_manifest(folder) if (folder / MANIFEST).exists() else {}


def _assert_whole(folder: Path, manifest: dict[str, dict]) -> list[str]:
    """Every *.mp3 parses and lasts what its manifest entry says it does."""
    names = []
    for path in sorted(folder.glob("*.mp3")):
        length = MP3(path).info.length  # raises on a truncated / non-MP3 file
        if path.name in manifest:
            assert abs(length - manifest[path.name]["seconds"]) < 0.2, path.name
        names.append(path.name)
    return names


@pytest.mark.engine
def test_sigkill_mid_render_then_rerun_finishes_only_the_missing_work(tmp_path: Path) -> None:
    book = tmp_path / "tide.md"
    book.write_text(make_book(4000, chapters=8, seed=11), encoding="utf-8")
    out, cache = tmp_path / "out", tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "narrator", "render", str(book), "-o", str(out), "--cache", str(cache),
               "--jobs", "2", "--subtitles", "none"]
    folder = out / "Bench Writer" / "The Long Tide"
    proc = subprocess.Popen(command + ["-q"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None and not _manifest(folder):
            time.sleep(0.01)
        assert proc.poll() is None, "the render finished before it could be killed; make the book longer"
        os.killpg(proc.pid, signal.SIGKILL)  # the whole tree: main process and its workers
    finally:
        proc.wait(timeout=30)
    time.sleep(0.2)
    at_kill = _manifest(folder)
    assert 1 <= len(at_kill) < 8
    present = _assert_whole(folder, at_kill)
    assert set(at_kill) <= set(present)
    entries = len(list(cache.rglob("*.pcm")))
    plan = prepare(book, output=out, subtitles="none")
    assert 0 < entries < plan.lines

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    summary = re.search(r"Wrote (\d+) chapters?, (\d+) unchanged.*lines synthesized (\d+), from cache (\d+)",
                        " ".join(rerun.stderr.split()))
    assert summary, rerun.stderr
    written, unchanged, synthesized, cached = map(int, summary.groups())
    assert unchanged >= len(at_kill) and written + unchanged == 8
    assert synthesized < plan.lines - len(at_kill) and cached > 0
    final = _manifest(folder)
    assert {k: final[k] for k in at_kill} == at_kill  # finished chapters were not touched again
    assert len(_assert_whole(folder, final)) == 8


def _three_chapters(tmp_path: Path) -> Path:
    path = tmp_path / "three.md"
    path.write_text(make_book(900, chapters=3, seed=5), encoding="utf-8")
    return path


def test_encoder_failure_fails_that_chapter_keeps_the_rest_and_rerun_finishes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = _three_chapters(tmp_path)
    out = tmp_path / "out"
    real_write = chapter_module.write_mp3

    def disk_full_on_chapter_two(pcm, rate, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).name.startswith("02 "):
            raise ExportError(f"could not write {path}: No space left on device")
        return real_write(pcm, rate, path, *args, **kwargs)

    monkeypatch.setattr(chapter_module, "write_mp3", disk_full_on_chapter_two)
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    result = CliRunner().invoke(cli, ["render", str(book), "-o", str(out), "--engine", "fake", "-q", "--jobs", "1"])
    assert result.exit_code != 0
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("Error: 1 of 3 chapters failed") and 'chapter 2 "Chapter 2"' in message
    assert "No space left on device" in message and "run the command again" in message
    folder = out / "Bench Writer" / "The Long Tide"
    assert sorted(p.name for p in folder.glob("*.mp3")) == ["01 - Chapter 1.mp3", "03 - Chapter 3.mp3"]
    assert not list(folder.glob("*.m3u")) and not list(folder.glob("*.part"))

    monkeypatch.setattr(chapter_module, "write_mp3", real_write)
    again = render(book, output=out, engine=preset_fake_engine())
    assert (again.chapters_written, again.chapters_unchanged) == (1, 2)
    assert again.playlist is not None and len(_assert_whole(folder, _manifest(folder))) == 3


def test_corrupt_cache_entry_is_detected_and_synthesized_again(tmp_path: Path) -> None:
    book = _three_chapters(tmp_path)
    cache = tmp_path / "cache"
    first = render(book, output=tmp_path / "a", engine=preset_fake_engine(), cache_dir=cache)
    entries = sorted(cache.rglob("*.pcm"))
    assert len(entries) == first.stats.synthesized
    damaged = bytearray(entries[len(entries) // 2].read_bytes())
    damaged[-10] ^= 0xFF  # one flipped byte in the PCM: the checksum no longer matches
    entries[len(entries) // 2].write_bytes(bytes(damaged))
    engine = preset_fake_engine()
    second = render(book, output=tmp_path / "b", engine=engine, cache_dir=cache)
    assert (second.stats.synthesized, second.stats.cached) == (1, first.stats.synthesized - 1 + first.stats.cached)
    assert len(engine.calls) == 1
    for x, y in zip(first.files, second.files):
        assert x.read_bytes() == y.read_bytes()  # the re-synthesized line is the same audio


def test_encoder_crash_mid_chapter_leaves_no_file_under_its_name(tmp_path: Path) -> None:
    """A crash inside the encoder (here: an exception after half the PCM) leaves no file under the
    final name; the temp file is removed."""
    book = _three_chapters(tmp_path)
    out = tmp_path / "out"
    plan = prepare(book, output=out, engine=preset_fake_engine())
    real_write = chapter_module.write_mp3

    def crash_halfway(pcm, rate, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        def half(chunks):  # type: ignore[no-untyped-def]
            for n, chunk in enumerate(chunks):
                if n == 3 and Path(path).name.startswith("03 "):
                    raise RuntimeError("encoder crashed")
                yield chunk
        return real_write(half(pcm), rate, path, *args, **kwargs)

    import narrator.chapter
    narrator.chapter.write_mp3 = crash_halfway
    try:
        with pytest.raises(Exception, match=r"chapter 3.*RuntimeError: encoder crashed"):
            render(book, plan=plan, engine=preset_fake_engine())
    finally:
        narrator.chapter.write_mp3 = real_write
    names = sorted(os.listdir(plan.book_dir))
    assert [n for n in names if n.endswith(".mp3")] == ["01 - Chapter 1.mp3", "02 - Chapter 2.mp3"]
    assert not [n for n in names if "03" in n or n.endswith(".part")]
    assert read_manifest(plan.book_dir).keys() == {"01 - Chapter 1.mp3", "02 - Chapter 2.mp3"}


def test_temp_files_a_killed_render_left_are_removed_once_stale(tmp_path: Path) -> None:
    """A `.part` file untouched for an hour is a leftover of a killed render: the next render
    removes it. A fresh one may belong to a render running right now, so it stays."""
    book = _three_chapters(tmp_path)
    out = tmp_path / "out"
    plan = prepare(book, output=out, engine=preset_fake_engine())
    plan.book_dir.mkdir(parents=True, exist_ok=True)
    stale = plan.book_dir / ".02 - Chapter 2.mp3.k3j2h1.part"
    fresh = plan.book_dir / ".03 - Chapter 3.mp3.a9b8c7.part"
    for f in (stale, fresh):
        f.write_bytes(b"\xff\xfb" * 100)
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    render(book, plan=plan, engine=preset_fake_engine())
    assert not stale.exists()
    assert fresh.exists()
    assert len([n for n in os.listdir(plan.book_dir) if n.endswith(".mp3")]) == 3
