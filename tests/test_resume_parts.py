"""What a re-render rewrites: only the subtitle files when only they change; every file once when
narrator changes how it writes them (FORMAT_VERSION)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import pytest

from narrator import resume
from narrator.chapter import chapter_tags
from narrator.pipeline import prepare, render
from narrator.resume import MANIFEST, read_manifest
from narrator.subtitles import parse_stamp
from narrator.synthesize import spoken_text
from tests.conftest import preset_fake_engine


def files(folder: Path, pattern: str) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.glob(pattern))}


def stamps(path: Path) -> list[tuple[float, float]]:
    return [(parse_stamp(line.split(" --> ")[0]), parse_stamp(line.split(" --> ")[1]))
            for line in path.read_text(encoding="utf-8").splitlines() if " --> " in line]


def test_a_new_subtitle_format_rewrites_only_subtitle_files(book_path: Path, tmp_path: Path) -> None:
    """`--subtitles vtt` after an srt render re-encoded every MP3; now no line reaches the engine,
    no MP3 is touched, the .vtt files come with the same timings and the .srt files go."""
    out = tmp_path / "out"
    first = render(book_path, output=out, engine=preset_fake_engine(), subtitles="srt")
    folder = first.files[0].parent
    mp3s, srts = files(folder, "*.mp3"), {p.name: stamps(p) for p in folder.glob("*.srt")}
    assert len(mp3s) == len(srts) == 2

    engine = preset_fake_engine()
    second = render(book_path, output=out, engine=engine, subtitles="vtt")
    assert engine.calls == [] and second.chapters_written == 0 and second.chapters_unchanged == 2
    assert files(folder, "*.mp3") == mp3s
    assert not list(folder.glob("*.srt"))
    assert {p.with_suffix(".srt").name: stamps(p) for p in folder.glob("*.vtt")} == srts
    assert second.audio_seconds == first.audio_seconds

    render(book_path, output=out, engine=engine, subtitles="none")
    assert engine.calls == [] and files(folder, "*.mp3") == mp3s and not list(folder.glob("*.vtt"))
    render(book_path, output=out, engine=engine, subtitles="srt")  # back, with no file to convert from
    assert engine.calls == [] and files(folder, "*.mp3") == mp3s
    assert {p.name: stamps(p) for p in folder.glob("*.srt")} == srts
    assert len(read_manifest(folder)) == 2

    changed = render(book_path, output=out, engine=engine, subtitles="srt", loudness=-23.0)
    assert changed.chapters_written == 2 and files(folder, "*.mp3") != mp3s  # the audio changed: encoded again


def test_subtitles_are_rendered_with_the_audio_when_their_timings_are_not_recorded(book_path: Path,
                                                                                    tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = render(book_path, output=out, engine=preset_fake_engine())
    folder = first.files[0].parent
    manifest = read_manifest(folder)
    for entry in manifest.values():
        del entry["lines"]
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    again = render(book_path, output=out, engine=preset_fake_engine(), subtitles="vtt")
    assert again.chapters_written == 2 and len(list(folder.glob("*.vtt"))) == 2


def test_files_written_by_an_older_format_are_written_again_once(book_path: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """MP3s made before every file had a LAME Info header stayed untagged: nothing in the
    fingerprint said how the file was written."""
    out = tmp_path / "out"
    monkeypatch.setattr(resume, "FORMAT_VERSION", resume.FORMAT_VERSION - 1)
    render(book_path, output=out, engine=preset_fake_engine())
    monkeypatch.undo()
    again = render(book_path, output=out, engine=preset_fake_engine())
    assert again.chapters_written == 2
    assert render(book_path, output=out, engine=preset_fake_engine()).chapters_written == 0


def fingerprint_before(plan, book, engine, title) -> str:  # type: ignore[no-untyped-def]
    """resume.fingerprint as narrator computed it before FORMAT_VERSION (710d4eb)."""
    h = hashlib.sha256()
    identity = engine.identity() if engine is not None else "profiles"
    h.update(json.dumps([identity, book.title, book.author, len(book.chapters), plan.chapter.title,
                         plan.chapter.index, list(plan.pauses), book.cover is not None,
                         hashlib.sha256(book.cover or b"").hexdigest()]).encode())
    h.update(json.dumps([plan.loudness, plan.subtitles, list(plan.kinds), book.series,
                         str(book.series_index), title]).encode())
    for u in plan.utterances:
        h.update(json.dumps([spoken_text(u.engine_text), spoken_text(u.text), u.line.speaker,
                             asdict(u.voice)]).encode())
    return h.hexdigest()


def test_a_book_rendered_before_is_rendered_again_once(book_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    engine = preset_fake_engine()
    plan = prepare(book_path, output=out, engine=engine)
    render(book_path, plan=plan)
    book = plan.script.book
    old = {c.path.name: {"fingerprint": fingerprint_before(c, book, engine, chapter_tags(book, c.chapter).title),
                         "seconds": 1.0} for c in plan.chapters}
    (plan.book_dir / MANIFEST).write_text(json.dumps(old), encoding="utf-8")
    assert render(book_path, output=out, engine=preset_fake_engine()).chapters_written == 2
