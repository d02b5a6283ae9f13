"""Read a book file into a `Book`: honest decoding, metadata and chapters.

Plain text and Markdown are read here. Offsets everywhere in narrator point into `Book.text`,
which is the file decoded as Python's text mode would give it (BOM removed, newlines
normalised to ``\\n``), so ``open(path, encoding="utf-8-sig").read()`` agrees with them.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import IngestError
from ..types import Book, Chapter

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last"
)
_NUMBER = rf"(?:\d+|[IVXLCDM]+\b|(?:{_NUMBER_WORDS})(?:[- ](?:{_NUMBER_WORDS}))?)"
_REST = r"(?:[ \t]*(?:[-—–:.][ \t]*)?\S.*)?"
"""A title after the keyword. Not `[ \t]*[-—–:.]?[ \t]*`: two runs of spaces with nothing
required between them split a long run every possible way (quadratic: 80,000 spaces took 58 s)."""
_HEADING = re.compile(
    rf"""^[ \t]*(?:
        (?:chapter|chap\.|book|part|volume|letter)[ \t]+{_NUMBER}\b[.:]?{_REST}
      | (?:prologue|epilogue|preface|introduction|afterword|interlude)\b[.:]?{_REST}
      | [IVXLC]{{1,7}}\.?
    )[ \t]*$""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
"""A heading line: "Chapter 3", "CHAPTER III. Title", "Prologue", or a lone roman numeral."""
_MD_HEADING = re.compile(r"^(#{1,3})[ \t]+([^\n]*?[^ \t#\n]|[^\n])[ \t#]*$", re.MULTILINE)
"""`# Title ##`: the title ends at its last character that is not a space or #. (Not `(.+?)[ \t#]*$`,
which retries the whole trailing run after every character: quadratic in the line's length.)"""
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_MIN_CHAPTER_BODY = 20
"""Non-space characters a heading's body needs to count as a chapter: a table of contents is
headings with (almost) nothing between them."""
_MAX_PREAMBLE_ALONE = 600
"""A preamble shorter than this is read as the first chapter's opening, not a chapter of its own."""


@dataclass(frozen=True, slots=True)
class _Heading:
    start: int
    heading_end: int
    title: str


def read_text_book(path: Path, *, title: str | None = None, author: str | None = None) -> Book:
    """Read a plain-text or Markdown book (other formats: see `narrator.ingest_formats`)."""
    path = Path(path)
    text, warnings = decode(read_bytes(path), path)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    meta_title, meta_author = (_markdown_metadata if markdown else _text_metadata)(text)
    headings = _markdown_headings(text) if markdown else _text_headings(text)
    chapters, unspoken = _chapters(text, headings)
    book_title = title or meta_title or _title_from_filename(path)
    if len(chapters) == 1 and not chapters[0].title:
        chapters = (replace(chapters[0], title=book_title),)
    front = _FRONT_MATTER.match(text) if markdown else None
    if front:
        unspoken = [(0, front.end()), *unspoken]
    if markdown:
        unspoken += [(m.start(), m.end()) for m in _MD_HEADING.finditer(text)
                     if meta_title and _clean_title(m.group(2)) == meta_title]
    unspoken.sort()
    return Book(
        title=book_title,
        author=author or meta_author or "Unknown Author",
        text=text,
        chapters=chapters,
        source=path,
        warnings=tuple(warnings),
        unspoken=tuple(unspoken),
    )


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise IngestError(f"Book file {str(path)!r} does not exist.")
    if path.is_dir():
        raise IngestError(f"Book file {str(path)!r} is a directory; give a text, Markdown, EPUB or HTML file.")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"Book file {str(path)!r} is not readable: {e.strerror}.") from e
    return data


def decode(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Decode book bytes: UTF-8 (BOM or not), UTF-16 with BOM, else a warned cp1252 fallback."""
    warnings: list[str] = []
    name = str(path)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise IngestError(
                f"Book file {name!r} has a UTF-16 mark but is not valid UTF-16; re-save it as UTF-8."
            ) from e
    else:
        if b"\x00" in data[:8192] or _looks_binary(data[:8192]):
            raise IngestError(
                f"Book file {name!r} looks like a binary file, not text; give a .txt, .md, .epub or .html book."
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            warnings.append(
                f"{name} is not valid UTF-8; read it as Windows-1252. Re-save it as UTF-8 if letters look wrong."
            )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(f"Book file {name!r} is empty; there is nothing to read.")
    return text, warnings


def _looks_binary(head: bytes) -> bool:
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and control / len(head) > 0.05


def _text_headings(text: str) -> list[_Heading]:
    headings = []
    for match in _HEADING.finditer(text):
        start, end = match.start(), match.end()
        if not _stands_alone(text, start, end):
            continue
        title = _clean_title(match.group(0))
        end, title = _with_subtitle(text, end, title)
        headings.append(_Heading(start, end, title))
    return headings


def _stands_alone(text: str, start: int, end: int) -> bool:
    """A heading is its own paragraph: a blank line (or the start) before it."""
    before = text[max(0, start - 2) : start]
    return start == 0 or before == "\n\n" or (start == 1 and before == "\n")


def _with_subtitle(text: str, end: int, title: str) -> tuple[int, str]:
    """'CHAPTER I.' followed by a short title line ('Down the Rabbit-Hole') → one heading."""
    match = re.match(r"\n(?:[ \t]*\n){0,2}([^\n]{1,70})\n[ \t]*\n", text[end : end + 160])
    if not match:
        return end, title
    line = match.group(1).strip()
    if not line or line[0] in "\"'“‘" or line[-1] in ",;" or _HEADING.fullmatch(line) or len(line.split()) > 10:
        return end, title
    if line[-1] in ".!?" and not line.isupper() and len(line.split()) > 6:
        return end, title  # an opening sentence, not a title
    return end + match.end(1), f"{title.rstrip('.')}: {_clean_title(line)}"


def _clean_title(raw: str) -> str:
    title = " ".join(raw.strip().strip("_*#").split())
    if title.isupper():
        title = " ".join(w.capitalize() if not re.fullmatch(r"[IVXLCDM]+\.?", w) else w for w in title.split())
    keyword = re.match(r"(CHAPTER|BOOK|PART|VOLUME|LETTER|PROLOGUE|EPILOGUE)\b", title)
    if keyword:  # "CHAPTER III. The Storm"
        title = keyword.group(1).capitalize() + title[keyword.end():]
    return title


def _markdown_headings(text: str) -> list[_Heading]:
    found = [(m, len(m.group(1))) for m in _MD_HEADING.finditer(text)]
    if not found:
        return _text_headings(text)
    levels = sorted({level for _, level in found})
    level = levels[0]
    if sum(1 for _, lv in found if lv == level) == 1 and len(levels) > 1:
        level = levels[1]  # a single "# Book Title" above "## Chapter" headings
    return [_Heading(m.start(), m.end(), _clean_title(m.group(2))) for m, lv in found if lv == level]


def _chapters(text: str, headings: list[_Heading]) -> tuple[tuple[Chapter, ...], list[tuple[int, int]]]:
    """Chapters tiling the text, and the heading ranges (announced by title, not read)."""
    headings = [h for i, h in enumerate(headings) if _body_size(text, headings, i) >= _MIN_CHAPTER_BODY]
    if not headings:
        return (Chapter(1, "", 0, len(text), 0, 0),), []
    unspoken = [(h.start, h.heading_end) for h in headings]
    bounds = [(h.start, h.start, h.heading_end, h.title) for h in headings]
    preamble = text[: bounds[0][0]]
    if len("".join(preamble.split())) > _MAX_PREAMBLE_ALONE:
        bounds.insert(0, (0, 0, 0, "Opening"))
    else:
        bounds[0] = (0, *bounds[0][1:])
    chapters = []
    for i, (start, heading_start, heading_end, title) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(text)
        chapters.append(Chapter(i + 1, title or f"Chapter {i + 1}", start, end, heading_end, heading_start))
    return tuple(chapters), unspoken


def _body_size(text: str, headings: list[_Heading], i: int) -> int:
    end = headings[i + 1].start if i + 1 < len(headings) else len(text)
    body = _HEADING.sub("", text[headings[i].heading_end : end])  # a TOC lists more headings
    return len("".join(body.split()))


def _text_metadata(text: str) -> tuple[str | None, str | None]:
    head = text[:3000]
    title = re.search(r"^Title:[ \t]*(.+)$", head, re.MULTILINE)
    author = re.search(r"^(?:Author|By):[ \t]*(.+)$", head, re.MULTILINE | re.IGNORECASE)
    if not author:
        author = re.search(r"^[ \t]*by[ \t]+([A-Z][^\n]{2,60})$", head[:600], re.MULTILINE | re.IGNORECASE)
    if not author:  # "by" on its own line, the name on the next
        author = re.search(r"^[ \t]*by[ \t]*\n(?:[ \t]*\n)*[ \t]*([A-Z][^\n]{2,60})$", head[:600], re.MULTILINE)
    return (_clean_title(title.group(1)) if title else None,
            author.group(1).strip() if author else None)


def _markdown_metadata(text: str) -> tuple[str | None, str | None]:
    title = author = None
    front = _FRONT_MATTER.match(text)
    if front:
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            value = value.strip().strip("\"'")
            if key.strip().lower() == "title" and value:
                title = value
            elif key.strip().lower() == "author" and value:
                author = value
    headings = [(len(m.group(1)), m.group(2)) for m in _MD_HEADING.finditer(text)]
    h1 = [t for level, t in headings if level == 1]
    if title is None and len(h1) == 1 and any(level > 1 for level, _ in headings):
        title = _clean_title(h1[0])
    if author is None:
        _, author = _text_metadata(text)
    return title, author


def _title_from_filename(path: Path) -> str:
    stem = re.sub(r"[_]+", " ", path.stem).strip()
    return stem[:1].upper() + stem[1:] if stem else "Untitled"
