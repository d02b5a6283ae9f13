"""Reading books: decoding, metadata and chapter detection."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from narrator.errors import IngestError
from narrator.ingest import read_book

BODY = "It was a long paragraph of story text that goes on for quite a while. " * 4


def write(tmp_path: Path, text: str | bytes, name: str = "book.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def titles(path: Path) -> list[str]:
    return [c.title for c in read_book(path).chapters]


@pytest.mark.parametrize(
    "heading, title",
    [
        ("Chapter 3", "Chapter 3"),
        ("CHAPTER III. The Storm", "Chapter III. The Storm"),
        ("CHAPTER IV. THE STORM", "Chapter IV. The Storm"),
        ("Prologue", "Prologue"),
        ("Chapter Twenty-One", "Chapter Twenty-One"),
        ("XII.", "XII."),
    ],
)
def test_chapter_headings(tmp_path: Path, heading: str, title: str) -> None:
    path = write(tmp_path, f"{heading}\n\n{BODY}\n\nChapter 99\n\n{BODY}\n")
    assert titles(path) == [title, "Chapter 99"]


def test_heading_with_title_on_next_line(tmp_path: Path) -> None:
    path = write(tmp_path, f"CHAPTER I.\nDown the Rabbit-Hole\n\n\n{BODY}\n\nCHAPTER II.\nThe Pool\n\n{BODY}")
    assert titles(path) == ["Chapter I: Down the Rabbit-Hole", "Chapter II: The Pool"]


def test_no_headings_gives_one_chapter_named_after_the_book(tmp_path: Path) -> None:
    path = write(tmp_path, BODY, "my_story.txt")
    book = read_book(path)
    assert [c.title for c in book.chapters] == ["My story"]
    assert (book.chapters[0].start, book.chapters[0].end) == (0, len(book.text))


def test_table_of_contents_is_not_a_chapter(tmp_path: Path) -> None:
    toc = "Contents\n\nChapter 1\n\nChapter 2\n\n"
    path = write(tmp_path, f"{toc}Chapter 1\n\n{BODY}\n\nChapter 2\n\n{BODY}")
    assert titles(path) == ["Chapter 1", "Chapter 2"]


def test_table_of_contents_on_consecutive_lines(tmp_path: Path) -> None:
    toc = "CONTENTS\n\nChapter 1. The Start\nChapter 2. The End\n\n"
    path = write(tmp_path, f"{toc}Chapter 1. The Start\n\n{BODY}\n\nChapter 2. The End\n\n{BODY}")
    book = read_book(path)
    assert [c.title for c in book.chapters] == ["Chapter 1. The Start", "Chapter 2. The End"]
    assert book.chapters[0].start == 0  # the short contents list opens the first chapter


def test_short_chapter_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, f"Chapter 1\n\n{BODY}\n\nChapter 2\n\n\"Yes,\" she said, and that was all.\n")
    assert titles(path) == ["Chapter 1", "Chapter 2"]


def test_chapters_tile_the_text_and_headings_are_unspoken(tmp_path: Path) -> None:
    path = write(tmp_path, f"Chapter 1\n\n{BODY}\n\nChapter 2\n\n{BODY}")
    book = read_book(path)
    assert book.chapters[0].start == 0 and book.chapters[-1].end == len(book.text)
    assert all(a.end == b.start for a, b in zip(book.chapters, book.chapters[1:]))
    second = book.chapters[1]
    assert book.text[second.heading_start : second.heading_end] == "Chapter 2"
    assert not book.is_spoken(second.heading_start, second.heading_end)


def test_markdown_front_matter_and_headings(tmp_path: Path) -> None:
    text = f"---\ntitle: The Book\nauthor: A. Writer\n---\n\n# The Book\n\n## One\n\n{BODY}\n\n## Two\n\n{BODY}"
    book = read_book(write(tmp_path, text, "b.md"))
    assert (book.title, book.author) == ("The Book", "A. Writer")
    assert [c.title for c in book.chapters] == ["One", "Two"]
    assert not book.is_spoken(0, text.index("---\n\n") + 4)
    assert not book.is_spoken(text.index("# The Book"), text.index("# The Book") + len("# The Book"))
    assert book.is_spoken(text.index("It was"), text.index("It was") + 6)


def test_markdown_first_heading_is_the_title(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, f"# Tales\n\n## One\n\n{BODY}\n\n## Two\n\n{BODY}", "t.md"))
    assert book.title == "Tales"


def test_title_and_author_options_win(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, f"Title: Old\nAuthor: Someone\n\n{BODY}"), title="New", author="Me")
    assert (book.title, book.author) == ("New", "Me")


def test_gutenberg_style_metadata(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, f"Title: Hard Times\n\nAuthor: Charles Dickens\n\n{BODY}"))
    assert (book.title, book.author) == ("Hard Times", "Charles Dickens")


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + "“Héllo,” she said.\r\nNext".encode(),
        "“Héllo,” she said.\r\nNext".encode("utf-16"),
        "“Héllo,” she said.\nNext".encode("utf-16-be").join([codecs.BOM_UTF16_BE, b""]),
    ],
)
def test_decoding(tmp_path: Path, data: bytes) -> None:
    book = read_book(write(tmp_path, data))
    assert book.text == "“Héllo,” she said.\nNext"
    assert not book.warnings


def test_offsets_agree_with_python_text_mode(tmp_path: Path) -> None:
    path = write(tmp_path, codecs.BOM_UTF8 + b"Line one\r\nLine two\rthree")
    with path.open(encoding="utf-8-sig") as f:
        assert read_book(path).text == f.read()


def test_latin1_falls_back_with_a_warning(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, "caf\u00e9 story".encode("latin-1")))
    assert book.text == "café story"
    assert "not valid UTF-8" in book.warnings[0]


@pytest.mark.parametrize(
    "data, message",
    [(b"", "is empty"), (b"  \n\n ", "is empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary")],
)
def test_bad_input(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        read_book(write(tmp_path, data))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        read_book(tmp_path / "nope.txt")
