"""Read an EPUB: spine order, TOC titles, metadata, cover, and front matter kept out of the story.

Chapters start where the TOC points (a whole document or an anchor inside one) and at spine
documents that open with a heading; a document with neither continues the chapter before it
(long chapters split over several files). Pages that are not story — copyright, contents,
title page, dedication, "Also by", acknowledgements, non-linear items — are left out of
`Book.text` entirely and listed in `Book.warnings`; `include` names the ones to read anyway
(by file name, path, stem or label), which then become chapters of their own.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ebooklib import epub
from lxml import etree

from ..errors import IngestError
from ..language import normalize
from ..types import Book
from .cover import embeddable_cover
from .html import (
    Block,
    Blocks,
    Draft,
    Para,
    assemble,
    decode_markup,
    epub_types,
    filename_title,
    heading_title,
    html_blocks,
    leading_headings,
    local_name,
    paras,
    parse_markup,
)
from .markup import MarkupError
from .text import read_bytes

MAX_MEMBER_BYTES = 64 * 2**20
"""Largest document (XHTML, nav, NCX) narrator inflates; the longest novels in one file are ~5 MB."""
MAX_TOTAL_BYTES = 256 * 2**20
"""Largest total narrator inflates from one EPUB."""
MAX_COVER_BYTES = 64 * 2**20
"""Largest cover image file read (it is then scaled down for embedding)."""
MAX_SMALL_MEMBER_BYTES = 2**20
"""container.xml and encryption.xml."""

_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_SHORT = 300
"""Words below which a document may be judged front matter by its file name or keywords."""
_TITLE_PAGE_WORDS = 40

_SKIP_TYPES = {
    "cover": "Cover", "titlepage": "Title page", "title-page": "Title page", "halftitlepage": "Title page",
    "halftitle": "Title page", "toc": "Contents", "landmarks": "Contents", "loi": "List of illustrations",
    "lot": "List of tables", "copyright-page": "Copyright", "copyright": "Copyright",
    "dedication": "Dedication", "acknowledgments": "Acknowledgements",
    "acknowledgements": "Acknowledgements", "colophon": "Colophon", "imprint": "Imprint",
    "index": "Index", "bibliography": "Bibliography", "seriespage": "Also by", "adcard": "Also by",
    "other-credits": "Credits", "contributors": "Contributors", "errata": "Errata",
    "page-list": "Contents",
}
"""epub:type, EPUB3 landmark and EPUB2 guide types of pages that are not story."""
_STORY_TYPES = {"bodymatter", "chapter", "part", "prologue", "epilogue", "text", "volume", "division"}

_KEYWORD_HEADING = re.compile(
    r"^(?:(table of )?contents|copyright|dedication|acknowledge?ments?|about the authors?|also by\b.*|"
    r"(?:other )?(?:books|titles|works|novels) by\b.*|praise for\b.*|colophon)\W*$",
    re.IGNORECASE,
)
_COPYRIGHT_WORDS = re.compile(r"all rights reserved|\bisbn\b|©|\bcopyright\b", re.IGNORECASE)
_NAME_TOKENS = {
    "copyright": "Copyright", "toc": "Contents", "contents": "Contents", "nav": "Contents",
    "titlepage": "Title page", "title": "Title page", "halftitle": "Title page",
    "dedication": "Dedication", "acknowledgements": "Acknowledgements", "acknowledgments": "Acknowledgements",
    "alsoby": "Also by", "colophon": "Colophon", "cover": "Cover", "imprint": "Imprint",
}


@dataclass(slots=True)
class _Doc:
    name: str
    """Path inside the EPUB relative to the OPF (what TOC and guide hrefs point at)."""
    blocks: Blocks
    root: etree._Element
    label: str | None = None
    """Why it is not story ("Copyright"), or None for story."""
    toc_title: str | None = None
    own_chapter: bool = False
    """An included page: a chapter of its own, never merged into its neighbours."""


def read_epub(path: Path, *, title: str | None = None, author: str | None = None,
              include: Sequence[str] = ()) -> Book:
    """Read an EPUB into a `Book`; see the module docstring for what is skipped."""
    path = Path(path)
    read_bytes(path)  # existence and readability, with the usual messages
    _check_archive(path)
    book, toc_from_ncx, warnings = _open(path)
    toc = _toc_entries(book, toc_from_ncx)
    docs = _spine_docs(book, path, warnings)
    _classify(docs, book, toc, _dc(book, "title"))
    wanted = {name.lower() for name in include}
    used: set[str] = set()
    for doc in docs:
        if doc.label and wanted & _names(doc):
            used |= wanted & _names(doc)
            doc.toc_title = doc.toc_title or doc.label
            doc.label = None
            doc.own_chapter = True
    skipped = [doc for doc in docs if doc.label and doc.blocks.blocks]  # image-only pages: nothing to read
    if skipped:
        listed = ", ".join(f"{posixpath.basename(d.name)} ({d.toc_title or d.label})" for d in skipped)
        warnings.append(f"skipped {_matter(docs, skipped)}: {listed}; include one with --include "
                        f"{posixpath.basename(skipped[0].name)}")
    warnings += [f"--include {name}: no skipped page has that name" for name in include
                 if name.lower() not in used]
    drafts = _drafts([d for d in docs if not d.label], toc)
    text, chapters, unspoken = assemble(drafts)
    if not text.strip():
        hint = " (everything was front matter; use --include)" if skipped else ""
        raise IngestError(f"Book file {str(path)!r} has no readable story text{hint}.")
    cover, cover_warning = _cover(book)
    warnings += cover_warning
    return Book(
        title=title or _dc(book, "title") or filename_title(path),
        author=author or _authors(book) or "Unknown Author",
        text=text,
        chapters=chapters,
        source=path,
        cover=cover,
        series=_series(book),
        series_index=_series_index(book),
        warnings=tuple(warnings),
        unspoken=unspoken,
        language=normalize(_dc(book, "language")),
    )


# --- the archive ---------------------------------------------------------------------------------

def _check_archive(path: Path) -> None:
    """The zip, container.xml and package file are sound enough for ebooklib (whose own failures
    are KeyErrors and AttributeErrors that tell a user nothing), and there is no DRM."""
    name = str(path)
    if not zipfile.is_zipfile(path):
        raise IngestError(f"Book file {name!r} is not a valid EPUB (not a zip archive).")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "META-INF/container.xml" not in names:
                raise IngestError(f"Book file {name!r} is not a valid EPUB (no META-INF/container.xml).")
            problem = _package_problem(archive, names)
            encryption = _read_small(archive, "META-INF/encryption.xml") if "META-INF/encryption.xml" in names \
                else None
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise IngestError(f"Book file {name!r} is not a valid EPUB ({e}).") from e
    if encryption is not None and _drm(encryption):
        raise IngestError(f"Book file {name!r} is DRM-protected (META-INF/encryption.xml); narrator cannot "
                          "read it. Use a DRM-free copy.")
    if problem:
        raise IngestError(f"Book file {name!r} is not a valid EPUB: {problem}. Repair it (e.g. convert it with "
                          "Calibre) or use another copy.")


def _package_problem(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """What is wrong with container.xml or the package (OPF) file it names, if anything."""
    container = _small_xml(archive, "META-INF/container.xml")
    if container is None:
        return "META-INF/container.xml is not well-formed XML"
    paths = [e.get("full-path") for e in container.iter() if local_name(e) == "rootfile" and e.get("full-path")
             and e.get("media-type") == "application/oebps-package+xml"]
    if not paths:
        return "META-INF/container.xml names no package file (<rootfile full-path=… media-type=…>)"
    if paths[0] not in names:
        return f"its package file {paths[0]!r} is not in the archive"
    opf = _small_xml(archive, paths[0], MAX_MEMBER_BYTES)
    if opf is None or local_name(opf) != "package":
        return f"its package file {paths[0]!r} is not a well-formed OPF package"
    parts = {local_name(child): child for child in opf}
    missing = [part for part in ("metadata", "manifest", "spine") if part not in parts]
    if missing:
        return f"its package file {paths[0]!r} has no <{missing[0]}>"
    items = [e for e in parts["manifest"] if local_name(e) == "item"]
    if any(not item.get("id") or not item.get("href") for item in items):
        return f"its package file {paths[0]!r} lists a manifest item without id or href"
    return None


def _small_xml(archive: zipfile.ZipFile, name: str, limit: int = MAX_SMALL_MEMBER_BYTES) -> etree._Element | None:
    with archive.open(name) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        return None
    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except (etree.XMLSyntaxError, ValueError):
        return None


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    """A member that is a few KB in any real EPUB; a bigger one is treated as DRM/damage by the caller."""
    with archive.open(name) as member:
        return member.read(MAX_SMALL_MEMBER_BYTES)


def _open(path: Path) -> tuple[epub.EpubBook, bool, list[str]]:
    """The parsed EPUB, whether its TOC came from the NCX (the EPUB3 nav is preferred; a nav
    without a TOC list makes ebooklib fail, so then the NCX is tried), and warnings."""
    try:
        reader = _Reader(path, {"ignore_ncx": True})
        book = reader.read()
        return book, not any(isinstance(i, epub.EpubNav) for i in book.get_items()), reader.warnings
    except IngestError:
        raise
    except Exception as e:  # noqa: BLE001 - ebooklib raises anything from KeyError to XMLSyntaxError
        first = e
    try:
        reader = _Reader(path, {"ignore_ncx": False})
        return reader.read(), True, reader.warnings
    except IngestError:
        raise
    except Exception:  # noqa: BLE001 - as above; report the first failure
        raise IngestError(f"Book file {str(path)!r} is not a valid EPUB: its package file could not be read "
                          f"({_reason(first)}). Repair it (e.g. convert it with Calibre) or use another "
                          "copy.") from first


class _Reader(epub.EpubReader):
    """ebooklib's reader, inflating only what narrator reads (container, OPF, spine documents,
    nav, NCX and cover candidates), each member and the total bounded before and while inflating.
    ebooklib itself reads every manifest item: a 1 GB stylesheet nobody reads took 2.3 GB."""

    def __init__(self, path: Path, options: dict[str, bool]) -> None:
        super().__init__(str(path), options)
        self.path = path
        self.wanted: set[str] | None = None  # None until the OPF is known: then only these
        self.images: set[str] = set()
        self.total = 0
        self.warnings: list[str] = []

    def read(self) -> epub.EpubBook:
        book = self.load()
        self.process()
        return book

    def _load_manifest(self) -> None:
        self.wanted, self.images = _wanted_members(self.container, self.opf_dir)
        super()._load_manifest()

    def read_file(self, name: str) -> bytes:
        name = posixpath.normpath(name)
        if self.wanted is not None and name not in self.wanted:
            return b""  # never inflated: stylesheets, fonts, images that are not the cover
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            if self.wanted is None:
                raise  # ebooklib's own container/OPF lookups expect it
            if name in self.images:
                return b""  # a missing cover is no loss
            raise IngestError(f"Book file {str(self.path)!r} is not a valid EPUB: its manifest lists {name!r}, which "
                              "is not in the archive. Repair it (e.g. convert it with Calibre) or use another "
                              "copy.") from None
        image = name in self.images
        limit = MAX_COVER_BYTES if image else MAX_MEMBER_BYTES
        data = b""
        if info.file_size <= limit:
            with self.zf.open(info) as member:
                data = member.read(limit + 1)  # zipfile stops at the declared size; this is a second fence
        if image and (info.file_size > limit or len(data) > limit):
            self.warnings.append(f"the cover candidate {name} is over {limit // 2**20} MB; it is not embedded")
            return b""
        if info.file_size > limit or len(data) > limit:
            raise IngestError(f"Book file {str(self.path)!r}: {name} inflates to {_mb(info.file_size)} "
                              f"(narrator reads at most {_mb(limit)} per document); the EPUB is damaged or made to "
                              "exhaust memory. Convert it with Calibre or use another copy.")
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            raise IngestError(f"Book file {str(self.path)!r} inflates to more than {_mb(MAX_TOTAL_BYTES)} of text "
                              "and markup; the EPUB is damaged or made to exhaust memory. Convert it with Calibre "
                              "or use another copy.")
        return data


def _wanted_members(opf: etree._Element, opf_dir: str) -> tuple[set[str], set[str]]:
    """Zip names of what narrator reads: spine documents, nav, NCX, and images that may be the
    cover (the second set, bounded separately)."""
    manifest = opf.find(f"{{{epub.NAMESPACES['OPF']}}}manifest")
    spine = opf.find(f"{{{epub.NAMESPACES['OPF']}}}spine")
    if manifest is None or spine is None:
        return set(), set()
    in_spine = {ref.get("idref") for ref in spine if isinstance(ref.tag, str)} | {spine.get("toc")}
    cover_ids = {m.get("content") for m in opf.iter(f"{{{epub.NAMESPACES['OPF']}}}meta") if m.get("name") == "cover"}
    wanted: set[str] = set()
    images: set[str] = set()
    for item in manifest:
        href, media = item.get("href") or "", item.get("media-type") or ""
        properties = (item.get("properties") or "").split()
        names = {posixpath.normpath(posixpath.join(opf_dir, h)) for h in (href, unquote(href)) if h}
        if media.startswith("image/") and ("cover-image" in properties or item.get("id") in cover_ids
                                           or href in cover_ids or "cover" in posixpath.basename(href).lower()):
            images |= names
        elif item.get("id") in in_spine or "nav" in properties or media == "application/x-dtbncx+xml":
            wanted |= names
    return wanted | images, images


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def _drm(encryption: bytes) -> bool:
    """Encrypted content other than font obfuscation (which every reader undoes) means DRM."""
    try:
        root = etree.fromstring(encryption)
    except etree.XMLSyntaxError:
        return True
    methods = [e.get("Algorithm", "") for e in root.iter() if local_name(e) == "encryptionmethod"]
    return not methods or any(m not in _FONT_OBFUSCATION for m in methods)


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- documents -----------------------------------------------------------------------------------

def _spine_docs(book: epub.EpubBook, path: Path, warnings: list[str]) -> list[_Doc]:
    docs = []
    for idref, linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None:
            warnings.append(f"the spine of {path.name} names a missing document {idref!r}; it was left out")
            continue
        if not _is_document(item) or not item.content:
            continue
        try:
            root = parse_markup(decode_markup(item.content, Path(item.file_name))[0], xml_first=True)
        except MarkupError as e:  # text would be lost: refuse the book rather than skip a chapter
            raise MarkupError(f"Book file {str(path)!r}: {item.file_name}: {e}.") from e
        except IngestError as e:
            warnings.append(f"{item.file_name} in {path.name} could not be parsed and was left out: {e}")
            continue
        doc = _Doc(posixpath.normpath(item.file_name), html_blocks(root), root)  # <head> is never read
        if isinstance(item, epub.EpubNav):
            doc.label = "Contents"
        elif str(linear).lower() == "no":
            doc.label = "Not in reading order"
        docs.append(doc)
    return docs


def _matter(docs: list[_Doc], skipped: list[_Doc]) -> str:
    story = [i for i, doc in enumerate(docs) if not doc.label and doc.blocks.blocks]
    places = {"front" if docs.index(d) < story[0] else "back" if docs.index(d) > story[-1] else "inner"
              for d in skipped} if story else {"front"}
    return {frozenset({"front"}): "front matter", frozenset({"back"}): "back matter"}.get(
        frozenset(places), "front and back matter")


def _is_document(item: epub.EpubItem) -> bool:
    """XHTML, or HTML that ebooklib files as a plain item (media type text/html)."""
    return isinstance(item, epub.EpubHtml) or item.media_type in ("text/html", "application/xhtml+xml") \
        or posixpath.splitext(item.file_name)[1].lower() in (".html", ".htm", ".xhtml")


def _names(doc: _Doc) -> set[str]:
    base = posixpath.basename(doc.name)
    return {n.lower() for n in (doc.name, base, posixpath.splitext(base)[0], doc.label or "") if n}


# --- TOC -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Entry:
    file: str
    fragment: str
    title: str


def _toc_entries(book: epub.EpubBook, from_ncx: bool) -> list[_Entry]:
    """The TOC flattened in reading order; hrefs made relative to the OPF like item names
    (ebooklib already does that for the nav; NCX hrefs are relative to the NCX file)."""
    ncx = next((i for i in book.get_items() if isinstance(i, epub.EpubNcx)), None)
    base = posixpath.dirname(ncx.file_name) if from_ncx and ncx is not None else ""
    entries: list[_Entry] = []

    def walk(nodes: object) -> None:
        for node in nodes if isinstance(nodes, (list, tuple)) else [nodes]:
            if isinstance(node, tuple) and len(node) == 2 and isinstance(node[1], (list, tuple)):
                walk(node[0])
                walk(node[1])
            elif isinstance(node, (epub.Link, epub.Section)) and node.href:
                href, _, fragment = unquote(node.href).partition("#")
                title = " ".join((node.title or "").split())
                entries.append(_Entry(posixpath.normpath(posixpath.join(base, href)), fragment, title))
            elif isinstance(node, (list, tuple)):
                walk(node)

    walk(book.toc)
    return entries


def _landmarks(book: epub.EpubBook) -> dict[str, str]:
    """File → guide (EPUB2) or landmarks (EPUB3) type."""
    roles = {posixpath.normpath(unquote(g["href"] or "").partition("#")[0]): (g["type"] or "").lower()
             for g in getattr(book, "guide", []) if g.get("href")}
    nav = next((i for i in book.get_items() if isinstance(i, epub.EpubNav)), None)
    if nav is not None and nav.content:
        try:
            root = parse_markup(decode_markup(nav.content, Path(nav.file_name))[0], xml_first=True)
        except IngestError:
            return roles
        base = posixpath.dirname(nav.file_name)
        for section in root.iter():
            if local_name(section) == "nav" and "landmarks" in epub_types(section):
                for link in section.iter():
                    href = unquote(link.get("href") or "").partition("#")[0]
                    if local_name(link) == "a" and href:
                        file = posixpath.normpath(posixpath.join(base, href))
                        roles[file] = " ".join(epub_types(link))
    return roles


# --- front matter --------------------------------------------------------------------------------

def _classify(docs: list[_Doc], book: epub.EpubBook, toc: list[_Entry], book_title: str | None) -> None:
    """Set `label` on documents that are not story. Weak signals (file name, a short page with the
    book's title) only count before the first story document."""
    roles = _landmarks(book)
    titles: dict[str, str] = {}
    for entry in toc:
        titles.setdefault(entry.file, entry.title)
    seen_story = False
    for doc in docs:
        doc.toc_title = titles.get(doc.name)
        if doc.label is None:
            doc.label = _label(doc, roles.get(doc.name, ""), book_title, before_story=not seen_story)
        seen_story = seen_story or (doc.label is None and bool(doc.blocks.blocks))


def _label(doc: _Doc, role: str, book_title: str | None, *, before_story: bool) -> str | None:
    types = set(role.split())
    for element in _top_elements(doc.root):
        types |= epub_types(element)
    if types & _STORY_TYPES:
        return None
    for kind in sorted(types):
        if kind in _SKIP_TYPES:
            return _SKIP_TYPES[kind]
    blocks = doc.blocks.blocks
    text = " ".join(b.text for b in blocks)
    words = len(text.split())
    first = blocks[0].text if blocks else ""
    heading = bool(blocks) and blocks[0].kind == "heading"
    for candidate in (first, doc.toc_title or ""):
        match = _KEYWORD_HEADING.match(" ".join(candidate.split()))
        if match and (heading or words < 3 * _SHORT):  # a keyword heading; else a short page
            return _keyword_label(match.group(0))
    if words < _SHORT and len(_COPYRIGHT_WORDS.findall(text)) >= 2:
        return "Copyright"
    if doc.blocks.links >= 3 and doc.blocks.link_chars > 0.6 * len(text.replace(" ", "")):
        return "Contents"
    if not before_story or words >= _SHORT:
        return None
    stem = posixpath.splitext(posixpath.basename(doc.name))[0].lower()
    for token in re.split(r"[^a-z]+", stem):
        if token in _NAME_TOKENS:
            return _NAME_TOKENS[token]
    if book_title and words < _TITLE_PAGE_WORDS and first.casefold() == book_title.strip().casefold():
        return "Title page"
    return None


def _top_elements(root: etree._Element) -> list[etree._Element]:
    """body and the elements two levels under it: where epub:type marks a page's role."""
    body = next((e for e in root.iter() if local_name(e) == "body"), root)
    out = [body]
    for child in body:
        out.append(child)
        out.extend(grandchild for grandchild in child)
    return out


def _keyword_label(heading: str) -> str:
    lower = heading.lower()
    for key, label in (("content", "Contents"), ("copyright", "Copyright"), ("dedication", "Dedication"),
                       ("acknowledg", "Acknowledgements"), ("about the author", "About the author"),
                       ("praise", "Praise"), ("colophon", "Colophon")):
        if key in lower:
            return label
    return "Also by"


# --- chapters ------------------------------------------------------------------------------------

def _drafts(docs: list[_Doc], toc: list[_Entry]) -> list[Draft]:
    """Chapters from story documents: at TOC targets, at documents opening with a heading, and
    at included pages; other documents continue the chapter before them."""
    toc_files = {entry.file for entry in toc}
    toc_covers_story = any(doc.name in toc_files for doc in docs)
    drafts: list[Draft] = []
    for doc in docs:
        blocks = doc.blocks.blocks
        if not blocks:
            continue
        starts = _toc_starts(doc, toc)
        if 0 not in starts and (
            not drafts or not toc_covers_story or doc.own_chapter or blocks[0].kind == "heading"
        ):
            starts[0] = (doc.toc_title or "") if doc.own_chapter else ""
        if 0 not in starts:  # the start of this file continues the previous chapter
            end = min(starts, default=len(blocks))
            drafts[-1].paras += paras(blocks[:end])
        ordered = sorted(starts)
        for n, start in enumerate(ordered):
            end = ordered[n + 1] if n + 1 < len(ordered) else len(blocks)
            drafts.append(_draft(blocks[start:end], starts[start], len(drafts) + 1))
    return drafts


def _toc_starts(doc: _Doc, toc: list[_Entry]) -> dict[int, str]:
    """Block index → TOC title for every TOC entry pointing into this document."""
    starts: dict[int, str] = {}
    for entry in toc:
        if entry.file != doc.name:
            continue
        index = doc.blocks.anchors.get(entry.fragment, 0) if entry.fragment else 0
        if index >= len(doc.blocks.blocks):
            continue
        if starts.get(index) and entry.title and entry.title not in starts[index]:
            starts[index] = f"{starts[index]}: {entry.title}"  # "Part One" and "Chapter 1" together
        else:
            starts[index] = starts.get(index) or entry.title
    return starts


def _draft(blocks: list[Block], toc_title: str, number: int) -> Draft:
    head_end = leading_headings(blocks)
    title = toc_title or heading_title(blocks[:head_end])
    if not title:
        first = next((b for b in blocks if b.kind == "heading" and b.level <= 3), None)
        title = heading_title([first]) if first else f"Chapter {number}"
    return Draft(title, [*(Para(b.text, "heading") for b in blocks[:head_end]), *paras(blocks[head_end:])])


# --- metadata ------------------------------------------------------------------------------------

def _dc(book: epub.EpubBook, name: str) -> str | None:
    values = [" ".join((v or "").split()) for v, _ in book.get_metadata("DC", name)]
    return next((v for v in values if v), None)


def _authors(book: epub.EpubBook) -> str | None:
    """Creators whose role is author (EPUB2 `opf:role`, EPUB3 `refines` meta) or unstated."""
    refined = {attrs.get("refines", "").lstrip("#"): (value or "").strip() for value, attrs in _meta_entries(book)
               if attrs.get("property") == "role"}
    names = []
    for value, attrs in book.get_metadata("DC", "creator"):
        attrs = attrs or {}
        role = next((v for k, v in attrs.items() if k.rsplit("}", 1)[-1].endswith("role")),
                    refined.get(attrs.get("id", ""), "aut"))
        if value and value.strip() and role.lower() == "aut":
            names.append(" ".join(value.split()))
    return " & ".join(names) or _dc(book, "creator")


def _meta_entries(book: epub.EpubBook) -> list[tuple[str | None, dict[str, str]]]:
    return [(value, dict(attrs or {})) for names in book.metadata.values()
            for values in names.values() for value, attrs in values]


def _series(book: epub.EpubBook) -> str | None:
    """calibre:series, else an EPUB3 collection (one refined as a series preferred)."""
    entries = _meta_entries(book)
    for _, attrs in entries:
        if attrs.get("name") == "calibre:series" and (attrs.get("content") or "").strip():
            return " ".join(attrs["content"].split())
    collections = [(value, attrs.get("id")) for value, attrs in entries
                   if attrs.get("property") == "belongs-to-collection" and value and value.strip()]
    series_ids = {attrs.get("refines", "").lstrip("#") for value, attrs in entries
                  if attrs.get("property") == "collection-type" and (value or "").strip() == "series"}
    collections.sort(key=lambda c: c[1] not in series_ids)
    return " ".join(collections[0][0].split()) if collections else None


def _series_index(book: epub.EpubBook) -> str | None:
    """calibre:series_index, else the EPUB3 `group-position` of the series collection."""
    entries = _meta_entries(book)
    for _, attrs in entries:
        if attrs.get("name") == "calibre:series_index" and (attrs.get("content") or "").strip():
            return attrs["content"].strip()
    for value, attrs in entries:
        if attrs.get("property") == "group-position" and value and value.strip():
            return value.strip()
    return None


def _cover(book: epub.EpubBook) -> tuple[bytes | None, list[str]]:
    """Cover image bytes: the cover-image item, the OPF `meta name="cover"`, or an image named cover;
    scaled down for embedding in every chapter file (see `cover.embeddable_cover`)."""
    candidates = [i for i in book.get_items() if isinstance(i, epub.EpubCover)]
    for _, attrs in _meta_entries(book):
        if attrs.get("name") == "cover" and attrs.get("content"):
            ref = attrs["content"]
            candidates.append(book.get_item_with_id(ref) or book.get_item_with_href(ref))
    candidates += [i for i in book.get_items() if isinstance(i, (epub.EpubImage, epub.EpubCover))
                   and "cover" in posixpath.basename(i.file_name).lower()]
    for item in candidates:
        data = item.content if item is not None else None
        if data and data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8")):
            return embeddable_cover(data)
    if any(item is not None and item.content for item in candidates):
        return None, ["the cover image is not JPEG or PNG, so it is not embedded"]
    return None, []
