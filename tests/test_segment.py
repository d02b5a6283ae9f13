"""Segmentation: quotes found, and the segments always tile the text."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from narrator.ingest import read_book
from narrator.segment import detect_quote_style, segment_book, segment_text
from narrator.types import Segment


def quotes(segments: tuple[Segment, ...]) -> list[str]:
    return [s.text for s in segments if s.kind == "quote"]


def assert_tiles(text: str, segments: tuple[Segment, ...]) -> None:
    position = 0
    for s in segments:
        assert s.start == position and s.end > s.start
        assert text[s.start : s.end] == s.text
        position = s.end
    assert position == len(text)


def test_straight_quotes_with_tag_between() -> None:
    text = '"Yes," he said, "no."\n\nShe left.'
    segments = segment_text(text)
    assert quotes(segments) == ['"Yes,"', '"no."']
    assert [s.kind for s in segments] == ["quote", "narration", "quote", "narration", "narration"]
    assert [s.paragraph for s in segments] == [0, 0, 0, 0, 1]
    assert_tiles(text, segments)


def test_curly_quotes_with_nested_single_quotes() -> None:
    text = "“He told me ‘never’ and left,” said Ann. Then ‘quiet’ came."
    assert quotes(segment_text(text)) == ["“He told me ‘never’ and left,”"]


def test_quote_continued_across_paragraphs() -> None:
    text = '"First part of a long speech,\n\n"and the second part," she said.'
    segments = segment_text(text)
    assert quotes(segments) == ['"First part of a long speech,', '"and the second part,"']
    assert segments[0].paragraph != segments[-1].paragraph


def test_unbalanced_quote_ends_at_paragraph_end() -> None:
    text = 'He said "come here and never\nstop.\n\nNext paragraph.'
    segments = segment_text(text)
    assert quotes(segments) == ['"come here and never\nstop.']
    assert_tiles(text, segments)


def test_missing_closing_curly_quote_before_next_opening() -> None:
    text = "“One. “Two,” said Bo."
    assert quotes(segment_text(text)) == ["“One.", "“Two,”"]


def test_british_single_quote_dialogue() -> None:
    text = (
        "‘I can’t,’ said Ann. ‘The dogs’ dinner is late.’\n\n"
        "‘Nonsense,’ said Bo.\n\n‘Well,’ she said. ‘Fine.’\n\n‘Go!’"
    )
    assert detect_quote_style(text) == "single"
    assert quotes(segment_text(text))[:2] == ["‘I can’t,’", "‘The dogs’ dinner is late.’"]


def test_guillemets() -> None:
    assert quotes(segment_text("«Bonjour», dit-il.")) == ["«Bonjour»"]


def test_one_line_paragraphs_without_blank_lines() -> None:
    line = "She walked to the door and looked out at the rain for a long while, thinking. "
    text = "\n".join([line * 2 + '"Hello," she said.'] * 5)
    paragraphs = {s.paragraph for s in segment_text(text)}
    assert len(paragraphs) == 5


def test_book_paragraphs_are_numbered_across_chapters(tmp_path) -> None:
    body = "Some words that make up a paragraph of a chapter, long enough to count. " * 4
    path = tmp_path / "b.txt"
    path.write_text(f"Chapter 1\n\n{body}\n\n\"Hi,\" said Al.\n\nChapter 2\n\n{body}\n", encoding="utf-8")
    book = read_book(path)
    segments = segment_book(book)
    assert len(segments) == 2
    last_first = segments[1][-1].paragraph
    first_second = segments[2][0].paragraph
    assert first_second == last_first + 1
    assert_tiles(book.text, segments[1] + segments[2])


TEXT_ALPHABET = st.sampled_from(list('ab ."\'“”‘’«»,\n!?—') + ["\n\n", "Chapter 1\n\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(TEXT_ALPHABET, max_size=200).map("".join))
def test_segments_tile_any_text(text: str) -> None:
    segments = segment_text(text)
    assert_tiles(text, segments)
    for style in ("double", "single"):
        assert_tiles(text, segment_text(text, style))  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_segments_tile_arbitrary_unicode(text: str) -> None:
    assert_tiles(text, segment_text(text))


def indented_book(paragraphs: int, indent: str = "    ") -> tuple[str, list[str]]:
    """Hard-wrapped lines, each paragraph's first line indented, no blank lines (typescripts, scans)."""
    sentences = ['"Are you there?" she asked, and waited at the door for a long time.',
                 "Nobody answered her, so she went back down the narrow stairs again.",
                 "The lamp was cold."]
    texts, lines = [], []
    for n in range(paragraphs):
        words = " ".join(sentences[: 1 + n % 3] * (1 + n % 4)).split()
        texts.append(" ".join(words))
        wrapped, line = [], ""
        for word in words:
            if line and len(line) + len(word) >= 60:
                wrapped.append(line)
                line = ""
            line = f"{line} {word}" if line else word
        lines += [indent + wrapped[0] if wrapped else indent + line, *wrapped[1:], *([line] if wrapped else [])]
    return "\n".join(lines) + "\n", texts


def test_indented_paragraphs_without_blank_lines_are_paragraphs() -> None:
    text, expected = indented_book(12)
    segments = segment_text(text)
    assert_tiles(text, segments)
    paragraphs: dict[int, list[str]] = {}
    for s in segments:
        paragraphs.setdefault(s.paragraph, []).append(s.text)
    assert [" ".join("".join(p).split()) for p in paragraphs.values()] == expected
    assert quotes(segments)[:2] == ['"Are you there?"', '"Are you there?"']


def test_indented_paragraphs_with_tabs_and_a_scene_break() -> None:
    text, expected = indented_book(8, "\t")
    lines = text.split("\n")
    text = "\n".join([*lines[:10], "", *lines[10:]])  # one blank line (a scene break) does not change the rule
    assert len({s.paragraph for s in segment_text(text)}) == 8 + (lines[10][:1] != "\t")


def test_blank_line_books_keep_indented_verse_inside_their_paragraphs() -> None:
    """A book that separates paragraphs with blank lines is not read by indentation."""
    para = "A line of prose that runs on\nand wraps to the next line here.\n\n"
    verse = "  Twinkle, twinkle, little bat!\n  How I wonder what you're at!\n\n"
    text = para * 6 + verse + para * 6
    assert len({s.paragraph for s in segment_text(text)}) == 13
