"""Split chapter text into narration and quoted dialogue.

Invariant: the segments of a chapter tile its text exactly (no gap, no overlap, nothing
dropped), whatever the input — unbalanced quotes included. Quotes never cross a paragraph
break: a quote continued over several paragraphs (the opening mark repeated, no closing mark)
gives one quote segment per paragraph, which is also how the listener hears it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .types import Book, Chapter, Segment

QuoteStyle = Literal["double", "single"]

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_NEWLINE = re.compile(r"\n\s*")
_LINE_START = re.compile(r"\n([ \t]*)(?=\S)")
_NEXT_NON_SPACE = re.compile(r"[^ ]")
_OPEN_CONTEXT = " \t\n([{—–-:;,/*_\u00a0"
"""Characters after which a straight quote mark opens a quote."""
_WORD = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class _Pair:
    """Opening and closing marks of one quote convention."""

    opens: str
    closes: str
    straight: str  # the ambiguous mark that may do both ("" when none)


_DOUBLE = _Pair(opens="“«„", closes="”»", straight='"')
_SINGLE = _Pair(opens="‘‹", closes="’›", straight="'")


def segment_book(book: Book) -> dict[int, tuple[Segment, ...]]:
    """Segments of every chapter, keyed by chapter index; paragraphs numbered book-wide."""
    style = detect_quote_style(book.text)
    layout = paragraph_layout(book.text)
    result: dict[int, tuple[Segment, ...]] = {}
    paragraph = 0
    for chapter in book.chapters:
        segments = tuple(
            _segment_range(book.text, chapter, style, layout, paragraph, book.unspoken)
        )
        result[chapter.index] = segments
        if segments:
            paragraph = segments[-1].paragraph + 1
    return result


def segment_text(text: str, style: QuoteStyle | None = None) -> tuple[Segment, ...]:
    """Segments of a standalone text (one chapter covering all of it)."""
    chapter = Chapter(index=1, title="", start=0, end=len(text), heading_end=0)
    style = style or detect_quote_style(text)
    return tuple(_segment_range(text, chapter, style, paragraph_layout(text), 0))


def detect_quote_style(text: str) -> QuoteStyle:
    """Double quotes unless the text clearly writes dialogue in single quotes (British style)."""
    double = sum(text.count(c) for c in '"“”«»„')
    single_opens = len(re.findall(r"(?:^|[\s(—])[‘'](?=\w)", text))
    return "single" if single_opens > 2 * double + 4 else "double"


@dataclass(frozen=True, slots=True)
class Layout:
    """How a text marks its paragraphs."""

    kind: Literal["blank", "line", "indent"] = "blank"
    """blank: a blank line between paragraphs (hard-wrapped books); line: one paragraph per line
    (web exports); indent: hard-wrapped lines, a paragraph's first line indented (no blank lines)."""
    indent: int = 0
    """For "indent": the indentation of ordinary lines; a deeper one opens a paragraph."""


def paragraph_layout(text: str) -> Layout:
    """How `text` separates paragraphs, judged on the whole text so every chapter agrees.

    Hard-wrapped books (Project Gutenberg) have short lines and blank-line paragraphs; many
    web exports have long lines and single newlines; some scans and old typescripts wrap their
    lines and indent each paragraph's first line, with no blank lines at all.
    """
    widths: Counter[int] = Counter()
    lengths = count = 0
    for line in text.split("\n"):
        body = line.lstrip(" \t")
        if body:
            widths[len(line) - len(body)] += 1
            lengths += len(line)
            count += 1
    if count < 4:
        return Layout()
    blank_separated = len(_BLANK_LINE.findall(text))
    if blank_separated < count / 10 and lengths / count > 100:
        return Layout("line")
    base = widths.most_common(1)[0][0]
    indented = sum(n for width, n in widths.items() if width > base)
    if indented >= 3 and indented > 2 * blank_separated:
        return Layout("indent", base)
    return Layout()


def _paragraph_spans(
    text: str, start: int, end: int, layout: Layout, cuts: tuple[tuple[int, int], ...] = ()
) -> Iterator[tuple[int, int]]:
    """Tile [start, end) with paragraphs; each includes the blank lines that follow it.

    `cuts` are ranges (headings, front matter) that must start and end on paragraph bounds.
    """
    separator = _NEWLINE if layout.kind == "line" else _BLANK_LINE
    bounds = {m.end() for m in separator.finditer(text, start, end) if m.start() > start}
    if layout.kind == "indent":  # a paragraph starts at the first letter of an indented line
        bounds.update(m.end() for m in _LINE_START.finditer(text, start, end)
                      if m.start() > start and len(m.group(1)) > layout.indent)
    bounds.update(b for cut in cuts for b in cut if start < b < end)
    position = start
    for bound in sorted(bounds):
        if start < bound < end:
            yield position, bound
            position = bound
    if position < end:
        yield position, end


def _segment_range(
    text: str,
    chapter: Chapter,
    style: QuoteStyle,
    layout: Layout,
    first_paragraph: int,
    cuts: tuple[tuple[int, int], ...] = (),
) -> Iterator[Segment]:
    pair = _DOUBLE if style == "double" else _SINGLE
    paragraph = first_paragraph
    for p_start, p_end in _paragraph_spans(text, chapter.start, chapter.end, layout, cuts):
        position = p_start
        for q_start, q_end in _quotes_in(text, p_start, p_end, pair):
            if q_start > position:
                yield Segment(position, q_start, "narration", paragraph, text[position:q_start])
            yield Segment(q_start, q_end, "quote", paragraph, text[q_start:q_end])
            position = q_end
        if position < p_end:
            yield Segment(position, p_end, "narration", paragraph, text[position:p_end])
        paragraph += 1


def _quotes_in(text: str, start: int, end: int, pair: _Pair) -> Iterator[tuple[int, int]]:
    """(start, end) of each quote in one paragraph, marks included.

    An unclosed quote runs to the end of the paragraph's text (trailing whitespace excluded).
    """
    body_end = end
    while body_end > start and text[body_end - 1].isspace():
        body_end -= 1
    opened = -1
    i = start
    while i < body_end:
        c = text[i]
        if opened < 0:
            if c in pair.opens or (c == pair.straight and _opens_here(text, i, start, pair)):
                opened = i
        elif (c in pair.closes or c == pair.straight) and _closes_here(text, i, body_end, pair):
            yield opened, i + 1
            opened = -1
        elif c in pair.opens and pair is _DOUBLE:
            # a second opening mark before any closing one: the first quote lost its end
            yield opened, _trim_end(text, opened, i)
            opened = i
        i += 1
    if opened >= 0:
        yield opened, body_end


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return end


def _opens_here(text: str, i: int, paragraph_start: int, pair: _Pair) -> bool:
    before = text[i - 1] if i > paragraph_start else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if pair is _SINGLE:
        # an apostrophe inside or at the end of a word ("don't", "dogs'") never opens
        return before in _OPEN_CONTEXT and not after.isspace()
    return before in _OPEN_CONTEXT or before in "\"'“‘" or not _WORD.match(before)


def _closes_here(text: str, i: int, body_end: int, pair: _Pair) -> bool:
    if pair is _DOUBLE:
        return True
    after = text[i + 1] if i + 1 < body_end else " "
    if _WORD.match(after):
        return False  # "can't", "o'clock"
    if not text[i - 1].isalnum():
        return True  # "'Stop,' she said": punctuation before the mark
    # "the dogs' dinner": a plural possessive runs on into a lower-case word
    after_spaces = _NEXT_NON_SPACE.search(text, i + 1, body_end)  # no slice: linear in the paragraph
    return not (after_spaces and after_spaces.group().islower())
