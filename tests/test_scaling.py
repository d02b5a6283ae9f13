"""Work that must stay linear in the size of a book: per-chapter lookups that used to scan the
whole book for every chapter (issue 10: `--dry-run` was quadratic in the number of chapters).
Counted, not timed (the machine is shared); the timings are in bench/adversarial_bench.py."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from narrator.chapter import chapter_titles
from narrator.pipeline import make_script
from narrator.types import Book, Chapter, Script


class Counted(tuple):  # type: ignore[type-arg]
    """A tuple that counts how often it is iterated."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        self.scans = getattr(self, "scans", 0) + 1
        return super().__iter__()


def many_chapters(n: int) -> Book:
    text, chapters, unspoken = "", [], []
    for i in range(1, n + 1):
        start = len(text)
        heading = f"Chapter {i}"
        text += heading + '\n\n"Is it far?" asked Anna. The boats rocked.\n\n'
        chapters.append(Chapter(i, heading, start, len(text), start + len(heading), start))
        unspoken.append((start, start + len(heading)))
    return Book("Many", "A", text, tuple(chapters), unspoken=Counted(unspoken))


def test_every_chapters_lines_and_spoken_parts_in_one_pass_over_the_book() -> None:
    book = many_chapters(60)
    script = make_script(book)
    lines = Counted(script.lines)
    counted = Script(book, script.characters, lines)
    per_chapter = [counted.chapter_lines(c.index) for c in book.chapters]
    assert [line for group in per_chapter for line in group] == list(script.lines)
    assert counted.chapter_lines(999) == ()
    assert lines.scans <= 1
    scans = book.unspoken.scans  # type: ignore[attr-defined]
    spoken = [book.is_spoken(line.segment.start, line.segment.end) for line in script.lines]
    assert spoken.count(False) == 60  # the headings
    assert book.unspoken.scans == scans  # type: ignore[attr-defined]


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 30)), max_size=8),
       st.integers(0, 80), st.integers(0, 30))
def test_is_spoken_is_the_plain_definition(ranges: list[tuple[int, int]], start: int, length: int) -> None:
    unspoken = tuple((s, s + n) for s, n in ranges)
    book = Book("T", "A", "x" * 100, (Chapter(1, "T", 0, 100),), unspoken=unspoken)
    end = start + length
    assert book.is_spoken(start, end) == (not any(s <= start and end <= e for s, e in unspoken))


def test_chapter_titles_are_unique_and_numbered_only_when_repeated() -> None:
    book = Book("Book", "A", "x" * 40, (Chapter(1, "Dawn", 0, 10), Chapter(2, "", 10, 20),
                                        Chapter(3, "Dawn", 20, 30), Chapter(4, "Dusk", 30, 40)))
    assert chapter_titles(book) == ["Dawn (1)", "Book", "Dawn (3)", "Dusk"]
