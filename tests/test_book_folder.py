"""A book folder belongs to one book: narrator knows which book and which files it wrote there.
Two books with one title and author never overwrite each other, and a re-render leaves no stale
files of its own behind, while files narrator did not write stay (issue 10, finding 2)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrator import cli as cli_module
from narrator.cli import cli
from narrator.errors import OutputError
from narrator.library import render_library
from narrator.m4b import ffmpeg_exe
from narrator.pipeline import render
from narrator.resume import MANIFEST, Manifest, read_manifest
from tests.conftest import BOOK_TEXT, preset_fake_engine
from tests.test_output import COVER

THREE = """Chapter 1: Dawn

"Up already?" asked Anna. The harbour was grey.

Chapter 2: Noon

"Not yet," said Tom. The boats came in.

Chapter 3: Dusk

The lamps were lit along the quay, one by one.
"""


def mp3s(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.mp3"))


def playlist(folder: Path) -> list[str]:
    (m3u,) = folder.glob("*.m3u")
    return [row for row in m3u.read_text(encoding="utf-8").splitlines() if not row.startswith("#")]


def test_a_second_book_with_the_same_title_and_author_is_refused(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Two `text.txt` both became `Unknown Author/Text`: the second replaced the first's chapter 1
    and orphaned the rest. Now `render` refuses, naming both books and the fix."""
    first, second = tmp_path / "a" / "text.txt", tmp_path / "b" / "text.txt"
    for path, text in ((first, BOOK_TEXT), (second, THREE)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    done = render(first, output=out, engine=preset_fake_engine())
    folder = out / "Unknown Author" / "Text"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    with pytest.raises(OutputError) as refused:
        render(second, output=out, engine=preset_fake_engine())
    message = str(refused.value)
    assert str(first.resolve()) in message and str(second.resolve()) in message
    assert "--title" in message and "--author" in message and "--output" in message and "\n" not in message
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    assert [p.name for p in done.files] == mp3s(folder)
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    dry = CliRunner().invoke(cli, ["render", str(second), "-o", str(out), "--engine", "fake", "--dry-run"])
    assert dry.exit_code == 0 and f"Warning: {folder} holds the audiobook of {first.resolve()}" in dry.output
    # the fix the message gives works
    named = render(second, output=out, engine=preset_fake_engine(), title="Three Times")
    assert named.chapters_written == 3 and mp3s(out / "Unknown Author" / "Three Times") == [
        "01 - Chapter 1 - Dawn.mp3", "02 - Chapter 2 - Noon.mp3", "03 - Chapter 3 - Dusk.mp3"]


def test_a_moved_or_edited_book_is_still_the_same_book(tmp_path: Path) -> None:
    book = tmp_path / "three.txt"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    render(book, output=out, engine=preset_fake_engine())
    moved = tmp_path / "elsewhere" / "three.txt"
    moved.parent.mkdir()
    shutil.move(book, moved)
    again = render(moved, output=out, engine=preset_fake_engine())
    assert (again.chapters_written, again.chapters_unchanged) == (0, 3)
    moved.write_text(THREE.replace("one by one", "two by two"), encoding="utf-8")
    edited = render(moved, output=out, engine=preset_fake_engine())
    assert (edited.chapters_written, edited.chapters_unchanged) == (1, 2)
    assert Manifest.read(out / "Unknown Author" / "Three").source.path == str(moved.resolve())  # type: ignore[union-attr]


def test_render_library_gives_a_second_book_of_one_title_its_own_folder(tmp_path: Path) -> None:
    library = tmp_path / "books"
    library.mkdir()
    (library / "harbour.md").write_text(THREE, encoding="utf-8")
    (library / "harbour.txt").write_text(BOOK_TEXT, encoding="utf-8")
    out = tmp_path / "out"
    first = render_library(library, output=out, engine=preset_fake_engine())
    md, txt = first.books
    assert (md.rendered, txt.rendered, first.failed) == (3, 2, 0)
    assert md.book_dir == out / "Unknown Author" / "Harbour" and not md.notes
    assert txt.book_dir == out / "Unknown Author" / "Harbour (2)"
    (note,) = txt.notes
    assert "harbour.md" in note and "harbour.txt" in note and "'Harbour (2)'" in note and "--title" in note
    assert len(playlist(md.book_dir)) == 3 and len(playlist(txt.book_dir)) == 2  # nothing overwritten
    again = render_library(library, output=out, engine=preset_fake_engine())
    assert (again.rendered, again.skipped) == (0, 5)
    assert [b.book_dir for b in again.books] == [md.book_dir, txt.book_dir]


def test_the_cli_says_where_the_second_book_went(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = tmp_path / "books"
    library.mkdir()
    (library / "harbour.md").write_text(THREE, encoding="utf-8")
    (library / "harbour.txt").write_text(BOOK_TEXT, encoding="utf-8")
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    result = CliRunner().invoke(cli, ["render-library", str(library), "-o", str(tmp_path / "out"), "--engine",
                                      "fake", "-q", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "harbour.txt: 2 rendered" in result.output and "note: " in result.output
    assert "'Harbour (2)'" in result.output


def test_guessed_title_and_author_are_said(book_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    guessed = CliRunner().invoke(cli, ["render", str(book_path), "--engine", "fake", "--dry-run"])
    assert "Warning: the title 'Harbour' comes from the file name and the author is unknown; pass --title " \
        "and --author" in guessed.output
    named = CliRunner().invoke(cli, ["render", str(book_path), "--engine", "fake", "--dry-run", "--title", "Harbour",
                                     "--author", "Ann Writer"])
    assert named.exit_code == 0 and "Warning" not in named.output


def test_a_rerender_removes_only_narrators_own_stale_files(tmp_path: Path) -> None:
    """Fewer or renamed chapters left the old files, which players list as duplicates."""
    book = tmp_path / "three.txt"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    first = render(book, output=out, engine=preset_fake_engine(), title="Three", author="Ann")
    folder = out / "Ann" / "Three"
    (folder / "notes.txt").write_text("my notes", encoding="utf-8")  # the user's own files
    (folder / "cover.png").write_bytes(b"\x89PNG my own cover")
    (folder / "04 - Bonus.mp3").write_bytes(b"not narrator's")
    book.write_text(THREE.replace("Chapter 2: Noon", "Chapter 2: Midday").split("Chapter 3")[0], encoding="utf-8")
    second = render(book, output=out, engine=preset_fake_engine(), title="Three", author="Ann")
    assert second.chapters_written == 2  # track numbers say "of 2" now
    assert sorted(p.name for p in second.removed) == ["02 - Chapter 2 - Noon.mp3", "02 - Chapter 2 - Noon.srt",
                                                      "03 - Chapter 3 - Dusk.mp3", "03 - Chapter 3 - Dusk.srt"]
    assert mp3s(folder) == ["01 - Chapter 1 - Dawn.mp3", "02 - Chapter 2 - Midday.mp3", "04 - Bonus.mp3"]
    assert playlist(folder) == ["01 - Chapter 1 - Dawn.mp3", "02 - Chapter 2 - Midday.mp3"]
    assert sorted(p.name for p in folder.glob("*.srt")) == ["01 - Chapter 1 - Dawn.srt", "02 - Chapter 2 - Midday.srt"]
    assert (folder / "notes.txt").read_text() == "my notes" and (folder / "cover.png").exists()
    assert set(read_manifest(folder)) == {"01 - Chapter 1 - Dawn.mp3", "02 - Chapter 2 - Midday.mp3"}
    assert first.files[0].exists()


def test_a_cover_narrator_did_not_write_is_kept(tmp_path: Path) -> None:
    from narrator.pipeline import load_book, prepare

    book = tmp_path / "three.txt"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    folder = out / "Ann" / "Three"
    folder.mkdir(parents=True)
    (folder / "cover.jpg").write_bytes(b"\xff\xd8 the user's own")
    with_cover = load_book(book, title="Three", author="Ann")
    from dataclasses import replace

    plan = prepare(book, output=out, engine=preset_fake_engine(), book=replace(with_cover, cover=COVER))
    result = render(book, plan=plan, engine=preset_fake_engine())
    assert result.cover is None and (folder / "cover.jpg").read_bytes() == b"\xff\xd8 the user's own"


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="needs ffmpeg")
def test_switching_between_mp3_and_m4b_leaves_one_form(tmp_path: Path) -> None:
    ffmpeg_exe()
    book = tmp_path / "three.txt"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    folder = out / "Ann" / "Three"
    options = {"output": out, "title": "Three", "author": "Ann", "subtitles": "none"}
    render(book, engine=preset_fake_engine(), **options)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    m4b = render(book, engine=preset_fake_engine(), format="m4b", **options)
    assert m4b.m4b == folder / "Three.m4b" and not list(folder.glob("*.mp3")) and not list(folder.glob("*.m3u"))
    assert len(m4b.removed) == 4  # three chapters and the playlist
    mp3 = render(book, engine=preset_fake_engine(), **options)
    assert len(mp3s(folder)) == 3 and not (folder / "Three.m4b").exists() and not (folder / ".chapters").exists()
    assert (folder / "notes.txt").exists() and len(playlist(folder)) == 3 and mp3.playlist is not None


def test_a_folder_from_an_older_narrator_is_adopted(tmp_path: Path) -> None:
    """Version-1 manifests (file name → entry, no owner) are read: nothing is rendered twice."""
    book = tmp_path / "three.txt"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    render(book, output=out, engine=preset_fake_engine())
    folder = out / "Unknown Author" / "Three"
    (folder / MANIFEST).write_text(json.dumps(read_manifest(folder)), encoding="utf-8")
    again = render(book, output=out, engine=preset_fake_engine())
    assert (again.chapters_written, again.chapters_unchanged) == (0, 3)
    assert Manifest.read(folder).source is not None


def test_subtitles_rewritten_alone_are_on_record_and_pruned_with_their_chapter(tmp_path: Path) -> None:
    book = tmp_path / "three.txt"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    folder = out / "Ann" / "Three"
    options = {"output": out, "title": "Three", "author": "Ann"}
    render(book, engine=preset_fake_engine(), **options)
    vtt = render(book, engine=preset_fake_engine(), subtitles="vtt", **options)
    assert vtt.chapters_written == 0 and len(list(folder.glob("*.vtt"))) == 3 and not list(folder.glob("*.srt"))
    assert "03 - Chapter 3 - Dusk.vtt" in Manifest.read(folder).files
    book.write_text(THREE.split("Chapter 3")[0], encoding="utf-8")
    render(book, engine=preset_fake_engine(), subtitles="vtt", **options)
    assert sorted(p.name for p in folder.glob("*.vtt")) == ["01 - Chapter 1 - Dawn.vtt", "02 - Chapter 2 - Noon.vtt"]
