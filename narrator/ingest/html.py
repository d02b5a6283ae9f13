"""Read HTML books (AO3 downloads and generic HTML) and turn markup into `Book.text`.

The HTML → text rules here are shared with the EPUB reader: every block element becomes its
own paragraph, paragraphs are joined by a blank line, ``<br>`` becomes a newline inside a
paragraph, whitespace is collapsed, scripts and styles are dropped, and ``<hr>`` or a
symbol-only line ("***", "~ ~ ~", "⁂") becomes a ``* * *`` paragraph so the pipeline pauses
for a scene break.

AO3 author's notes and summaries are left out of the text unless ``notes=True``; then they are
spoken, each introduced by a paragraph such as "Author's note:".
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lxml import etree

from ..errors import IngestError
from ..language import normalize
from ..types import Book, Chapter
from .markup import BLOCK_NAMES, PARAGRAPH_MARK, parse_markup
from .text import decode, read_bytes

BlockKind = Literal["text", "heading", "break"]
Role = Literal["text", "heading", "unspoken"]

SCENE_BREAK = "* * *"
_DROP = {"script", "style", "head", "title", "noscript", "template", "rt", "rp", "object", "iframe"}
_BLOCK = {*BLOCK_NAMES, "body", "html"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_QUOTE_MARKS = "\"'“”‘’«»„‹›"
_BREAK_CLASS = re.compile(r"break|scene|separator|divider|ornament", re.IGNORECASE)
_MAX_PREAMBLE_ALONE = 600
"""Like the text reader: a preamble shorter than this opens chapter 1 instead of being its own."""


# --- decoding and parsing ------------------------------------------------------------------------

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")


def decode_markup(data: bytes, path: Path) -> tuple[str, list[str]]:
    """Decode HTML/XHTML bytes: a BOM wins, then the XML declaration or meta charset, else UTF-8."""
    head = data[:4096]
    declared = _XML_ENCODING.match(head) or _CHARSET.search(head)
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = declared.group(1).decode("ascii").lower()
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            codec = "utf-8"
        if codec not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
            try:
                return data.decode(codec), []
            except UnicodeDecodeError:
                pass  # a wrong declaration: fall back to the usual guesses below
    return decode(data, path)


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""  # comment or processing instruction
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def epub_types(element: etree._Element) -> set[str]:
    """Values of ``epub:type`` (XML-parsed: namespaced; HTML-parsed: a literal "epub:type")."""
    values = ""
    for key, value in element.attrib.items():
        key = str(key)
        if key.rsplit("}", 1)[-1] in ("epub:type", "type") and ("}" in key or ":" in key):
            values += " " + str(value)
    return set(values.lower().split())


def classes(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").lower().split())


# --- markup → paragraphs -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of extracted text."""

    text: str
    kind: BlockKind = "text"
    level: int = 0
    """Heading level (1–6) for headings."""


@dataclass(slots=True)
class Blocks:
    blocks: list[Block] = field(default_factory=list)
    anchors: dict[str, int] = field(default_factory=dict)
    """Element id → index of the first block at or after the element."""
    links: int = 0
    link_chars: int = 0


def html_blocks(element: etree._Element) -> Blocks:
    """The paragraphs of an element's text, in document order."""
    walker = _Walker()
    walker.walk(element)
    walker.flush()
    return walker.out


@dataclass(slots=True)
class _Open:
    """An element the walker has entered and not yet left."""

    name: str
    block: bool
    outer_heading: int
    """Heading level in force outside the element, restored when it closes."""
    blocks_before: int
    link: bool = False


class _Walker:
    def __init__(self) -> None:
        self.out = Blocks()
        self.buffer: list[str] = []
        self.heading = 0
        self.pre = 0
        self.link = 0

    def walk(self, root: etree._Element) -> None:
        """Visit `root` and its descendants in document order. Iterative: how deep a document
        may nest is `MAX_DEPTH`'s business, not Python's recursion limit."""
        stack: list[tuple[etree._Element, _Open | None]] = [(root, None)]
        while stack:
            element, opened = stack.pop()
            if opened is None:
                opened = self._open(element)
                if opened is not None:
                    stack.append((element, opened))
                    stack.extend((child, None) for child in reversed(list(element)))
                    continue
            else:
                self._close(element, opened)
            if element is not root and element.tail:
                self._text(element.tail)

    def _open(self, element: etree._Element) -> _Open | None:
        """Start an element; None when it is finished already (dropped, a line or scene break)."""
        name = local_name(element)
        if not name or name in _DROP or "noteref" in epub_types(element):
            return None
        for anchor in (element.get("id"), element.get("name") if name == "a" else None):
            if anchor:
                self.out.anchors.setdefault(anchor, len(self.out.blocks))
        if name == "br":
            self.buffer.append("\n")
            return None
        if name == "hr":
            self.flush()
            self._add(Block(SCENE_BREAK, "break"))
            return None
        block = name in _BLOCK
        if block:
            self.flush()
        opened = _Open(name, block, self.heading, len(self.out.blocks))
        self.heading = _HEADINGS.get(name, 0) or self.heading
        self.pre += name == "pre"
        if name == "a" and element.get("href"):
            self.out.links += 1
            if not self.link:  # a link inside a link is counted once, with the outer one
                self.out.link_chars += len(_text_of(element))
            self.link += 1
            opened.link = True
        if element.text:
            self._text(element.text)
        return opened

    def _close(self, element: etree._Element, opened: _Open) -> None:
        if opened.block:
            empty = not "".join(self.buffer).strip() and len(self.out.blocks) == opened.blocks_before
            self.flush()
            if empty and _BREAK_CLASS.search(element.get("class") or ""):
                self._add(Block(SCENE_BREAK, "break"))
        self.pre -= opened.name == "pre"
        self.link -= opened.link
        self.heading = opened.outer_heading

    def _text(self, text: str) -> None:
        first, *rest = text.split(PARAGRAPH_MARK)
        self._append(first)
        for part in rest:
            self.flush()
            self._append(part)

    def _append(self, text: str) -> None:
        if self.pre:
            self.buffer.append(re.sub(r"[^\S\n]+", " ", text))
        else:
            self.buffer.append(re.sub(r"\s+", " ", text))

    def flush(self) -> None:
        if not self.buffer:
            return
        lines = [" ".join(line.split()) for line in "".join(self.buffer).split("\n")]
        self.buffer = []
        paragraph: list[str] = []
        for line in [*lines, ""]:
            if line:
                paragraph.append(line)
            elif paragraph:  # an empty line (<br><br>) ends a paragraph
                self._add(_block("\n".join(paragraph), self.heading))
                paragraph = []

    def _add(self, block: Block) -> None:
        if block.kind == "break" and self.out.blocks and self.out.blocks[-1].kind == "break":
            return
        self.out.blocks.append(block)


def _block(text: str, heading_level: int) -> Block:
    if not any(c.isalnum() for c in text) and not any(c in _QUOTE_MARKS for c in text) and len(text) <= 20:
        return Block(SCENE_BREAK, "break")  # "***", "~ ~ ~", "⁂", "#"
    if heading_level:
        return Block(text, "heading", heading_level)
    return Block(text)


def heading_title(blocks: Sequence[Block]) -> str:
    """"Chapter 1" + "The Storm" (or one heading with a line break) → "Chapter 1: The Storm"."""
    parts = [line.strip() for block in blocks for line in block.text.split("\n") if line.strip()]
    return ": ".join(p.rstrip(":.") if i < len(parts) - 1 else p for i, p in enumerate(parts))


def leading_headings(blocks: Sequence[Block], start: int = 0, limit: int = 3) -> int:
    """End index of the run of heading blocks at `start` (at most `limit` of them)."""
    end = start
    while end < len(blocks) and end - start < limit and blocks[end].kind == "heading":
        end += 1
    return end


# --- chapters → Book.text ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Para:
    text: str
    role: Role = "text"


@dataclass(slots=True)
class Draft:
    """A chapter before offsets exist: its title and paragraphs; the first run of "heading"
    paragraphs is its heading, announced by the title rather than read."""

    title: str
    paras: list[Para] = field(default_factory=list)


def paras(blocks: Iterable[Block], role: Role = "text") -> list[Para]:
    return [Para(b.text, role) for b in blocks]


def assemble(drafts: Sequence[Draft]) -> tuple[str, tuple[Chapter, ...], tuple[tuple[int, int], ...]]:
    """Join drafts into text (paragraphs separated by a blank line), tiling chapters, unspoken ranges."""
    drafts = [d for d in drafts if d.paras]
    parts: list[str] = []
    offset = 0
    starts: list[int] = []
    headings: list[tuple[int, int]] = []
    unspoken: list[tuple[int, int]] = []
    for draft in drafts:
        if parts:  # the blank line between chapters ends the chapter before
            parts.append("\n\n")
            offset += 2
        starts.append(offset)
        heading: tuple[int, int] | None = None
        in_heading = False
        hidden: list[tuple[int, int]] = []
        for n, para in enumerate(draft.paras):
            if n:
                parts.append("\n\n")
                offset += 2
            span = (offset, offset + len(para.text))
            parts.append(para.text)
            offset = span[1]
            if para.role == "heading" and (heading is None or in_heading):
                heading = (heading[0] if heading else span[0], span[1])
                in_heading = True
                continue
            in_heading = False
            if para.role != "text":
                _extend(hidden, span)
        headings.append(heading or (starts[-1], starts[-1]))
        unspoken += [heading, *hidden] if heading else hidden
    text = "".join(parts)
    chapters = tuple(
        Chapter(i + 1, draft.title or f"Chapter {i + 1}", start,
                starts[i + 1] if i + 1 < len(starts) else len(text), heading[1], heading[0])
        for i, (draft, start, heading) in enumerate(zip(drafts, starts, headings))
    )
    return text, chapters, tuple(sorted(unspoken))


def _extend(ranges: list[tuple[int, int]], span: tuple[int, int]) -> None:
    """Append a range, merging it with the previous one when only a paragraph break separates them."""
    if ranges and span[0] - ranges[-1][1] <= 2:
        ranges[-1] = (ranges[-1][0], span[1])
    else:
        ranges.append(span)


# --- reading an HTML file ------------------------------------------------------------------------

def read_html(path: Path, *, title: str | None = None, author: str | None = None, notes: bool = False) -> Book:
    """Read a single HTML file: an AO3 download (chapters, author's notes kept apart) or any
    HTML page, whose chapters come from its h1/h2 headings."""
    path = Path(path)
    text, warnings = decode_markup(read_bytes(path), path)
    try:
        root = parse_markup(text, xml_first=path.suffix.lower() == ".xhtml")
    except IngestError as e:
        raise type(e)(f"Book file {str(path)!r} is not readable HTML: {e}") from e
    ao3 = _Ao3.detect(root)
    drafts, meta, extra = ao3.read(notes) if ao3 is not None else _generic(root)
    warnings += extra
    book_title = title or meta.get("title") or filename_title(path)
    drafts = [d for d in drafts if d.paras]
    if len(drafts) == 1 and not drafts[0].title:
        drafts[0].title = book_title
    book_text, chapters, unspoken = assemble(drafts)
    if not book_text.strip():
        raise IngestError(f"Book file {str(path)!r} has no readable text.")
    return Book(
        title=book_title,
        author=author or meta.get("author") or "Unknown Author",
        text=book_text,
        chapters=chapters,
        source=path,
        series=meta.get("series"),
        warnings=tuple(warnings),
        unspoken=unspoken,
        language=page_language(root),
    )


def page_language(root: etree._Element) -> str | None:
    """The page's language: `<html lang>` (or `xml:lang`), else a `Content-Language` or
    `language` meta element; None when it names none."""
    for attribute in ("lang", "{http://www.w3.org/XML/1998/namespace}lang"):
        if normalize(root.get(attribute)):
            return normalize(root.get(attribute))
    for element in root.iter("meta", "{http://www.w3.org/1999/xhtml}meta"):
        kind = (element.get("http-equiv") or element.get("name") or "").lower()
        if kind in ("content-language", "language", "dc.language") and normalize(element.get("content")):
            return normalize(element.get("content"))
    return None


def filename_title(path: Path) -> str:
    stem = re.sub(r"[_]+", " ", path.stem).strip()
    return stem[:1].upper() + stem[1:] if stem else "Untitled"


def _text_of(element: etree._Element | None) -> str:
    return " ".join("".join(str(t) for t in element.itertext()).split()) if element is not None else ""


def _generic(root: etree._Element) -> tuple[list[Draft], dict[str, str], list[str]]:
    """Chapters at the top heading level among h1/h2; a lone h1 above h2s is the book's title."""
    blocks = html_blocks(root).blocks  # the whole tree: text a parser left outside <body> is read too
    meta = {"title": _text_of(_first(root, "title"))}
    for element in root.iter():
        if local_name(element) == "meta" and (element.get("name") or "").lower() in ("author", "dc.creator"):
            meta["author"] = " ".join((element.get("content") or "").split())
    h1 = [i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1]
    h2 = [i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 2]
    book_heading = None
    if len(h1) == 1 and h2 and h1[0] < h2[0]:
        book_heading, starts, level = h1[0], h2, 2
        meta["title"] = meta["title"] or blocks[h1[0]].text
    else:
        starts, level = (h1, 1) if h1 else (h2, 2)
    drafts = _split(blocks, starts, level, book_heading)
    return drafts, {k: v for k, v in meta.items() if v}, []


def _split(blocks: list[Block], starts: list[int], level: int, book_heading: int | None) -> list[Draft]:
    if not starts:
        return [Draft("", [_para(b, i == book_heading) for i, b in enumerate(blocks)])]
    drafts: list[Draft] = []
    preamble = [_para(b, i == book_heading) for i, b in enumerate(blocks[: starts[0]])]
    if len("".join("".join(p.text.split()) for p in preamble if p.role == "text")) > _MAX_PREAMBLE_ALONE:
        drafts.append(Draft("Opening", preamble))
        preamble = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(blocks)
        head_end = start + 1
        while head_end < end and blocks[head_end].kind == "heading" and blocks[head_end].level > level \
                and head_end - start < 2:
            head_end += 1  # a subtitle right under the chapter heading
        drafts.append(Draft(
            heading_title(blocks[start:head_end]),
            [*preamble, *paras(blocks[start:head_end], "heading"), *(_para(b) for b in blocks[head_end:end])],
        ))
        preamble = []
    return drafts


def _para(block: Block, unspoken: bool = False) -> Para:
    return Para(block.text, "unspoken" if unspoken else "text")


def _first(root: etree._Element, name: str) -> etree._Element | None:
    return next((e for e in root.iter() if local_name(e) == name), None)


# --- AO3 -----------------------------------------------------------------------------------------

class _Ao3:
    """An Archive of Our Own HTML download: #preface, #chapters, #afterword."""

    def __init__(self, root: etree._Element, chapters: etree._Element) -> None:
        self.root = root
        self.chapters = chapters
        self.preface = _by_id(root, "preface")
        self.afterword = _by_id(root, "afterword")
        self.notes_seen = 0
        self.summaries_seen = 0

    @classmethod
    def detect(cls, root: etree._Element) -> _Ao3 | None:
        chapters = _by_id(root, "chapters")
        if chapters is None or _by_id(root, "preface") is None:
            return None
        return cls(root, chapters)

    def read(self, notes: bool) -> tuple[list[Draft], dict[str, str], list[str]]:
        meta = self._metadata()
        drafts: list[Draft] = []
        pending = self._notes_in(self.preface, notes) if self.preface is not None else []
        current: Draft | None = None
        for node in _chapter_nodes(self.chapters):
            heading = next((e for e in node.iter() if local_name(e) == "h2" and "heading" in classes(e)), None)
            if heading is not None:  # <div class="meta group">: a new chapter and its opening notes
                current = Draft(_text_of(heading), [*pending, Para(_text_of(heading), "heading")])
                current.paras += self._notes_in(node, notes)
                drafts.append(current)
                pending = []
            elif _is_notes(node):  # chapter end notes
                found = self._notes_in(node, notes)
                if current is None:
                    pending += found
                else:
                    current.paras += found
            else:  # the chapter text (<div class="userstuff">)
                if current is None:
                    current = Draft("", pending)
                    drafts.append(current)
                    pending = []
                current.paras += paras(_story_blocks(node))
        if current is None:
            raise IngestError("The AO3 download has no chapter text in its #chapters section.")
        if self.afterword is not None:
            current.paras += self._notes_in(self.afterword, notes)
        warnings = []
        if not notes and (self.notes_seen or self.summaries_seen):
            warnings.append(
                f"skipped author's notes ({self.notes_seen}) and summaries ({self.summaries_seen}); "
                "read them with --notes"
            )
        return drafts, meta, warnings

    def _metadata(self) -> dict[str, str]:
        meta: dict[str, str] = {}
        scope = self.preface if self.preface is not None else self.root
        h1 = next((e for e in scope.iter() if local_name(e) == "h1"), None)
        if h1 is not None:
            meta["title"] = _text_of(h1)
        byline = next((e for e in scope.iter() if "byline" in classes(e)), None)
        if byline is not None:
            names = [_text_of(a) for a in byline.iter() if local_name(a) == "a"]
            meta["author"] = ", ".join(n for n in names if n) or re.sub(r"^by\s+", "", _text_of(byline))
        for dt in scope.iter():
            if local_name(dt) == "dt" and _text_of(dt).rstrip(":").lower() == "series":
                dd = dt.getnext()
                link = next((a for a in dd.iter() if local_name(a) == "a"), None) if dd is not None else None
                if link is not None:
                    meta["series"] = _text_of(link)
        return {k: v for k, v in meta.items() if v}

    def _notes_in(self, container: etree._Element, read: bool) -> list[Para]:
        """The summary/notes blockquotes of a preface, chapter meta or end-notes block."""
        out: list[Para] = []
        for quote in container.iter():
            if local_name(quote) != "blockquote" or "userstuff" not in classes(quote):
                continue
            is_summary = "summary" in _label_before(quote).lower()
            if is_summary:
                self.summaries_seen += 1
            else:
                self.notes_seen += 1
            if read:
                out.append(Para("Summary:" if is_summary else "Author's note:"))
                out += paras(html_blocks(quote).blocks)
        return out


def _story_blocks(element: etree._Element) -> list[Block]:
    """Chapter text; an inner heading ("Chapter Text", AO3's hidden landmark) is not story."""
    blocks = html_blocks(element).blocks
    if blocks and blocks[0].kind == "heading" and blocks[0].text.lower() == "chapter text":
        blocks = blocks[1:]
    return blocks


def _chapter_nodes(container: etree._Element) -> Iterator[etree._Element]:
    """Chapter metas, texts and end notes in order, looking through any wrapper element."""
    wrappers: set[etree._Element] = set()  # elements with a notes or userstuff element inside
    for element in container.iterdescendants():
        if _is_part(element):
            for ancestor in element.iterancestors():
                if ancestor is container or ancestor in wrappers:
                    break
                wrappers.add(ancestor)
    stack = [child for child in reversed(list(container))]
    while stack:
        child = stack.pop()
        if not local_name(child):
            continue
        if _is_part(child) or child not in wrappers:
            yield child
        else:
            stack.extend(reversed(list(child)))


def _is_part(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and (_is_notes(element) or "userstuff" in classes(element))


def _is_notes(element: etree._Element) -> bool:
    return bool(classes(element) & {"notes", "endnotes", "summary", "meta"}) or \
        (element.get("id") or "").startswith(("notes", "endnotes", "summary"))


def _label_before(element: etree._Element) -> str:
    """The label paragraph AO3 puts before a notes blockquote ("Summary", "Chapter Notes")."""
    sibling = element.getprevious()
    while sibling is not None:
        if local_name(sibling) == "p":
            return _text_of(sibling)
        sibling = sibling.getprevious()
    parent = element.getparent()
    return " ".join([parent.get("id") or "", parent.get("class") or ""]) if parent is not None else ""


def _by_id(root: etree._Element, ident: str) -> etree._Element | None:
    return next((e for e in root.iter() if isinstance(e.tag, str) and e.get("id") == ident), None)
