"""Reading EPUBs: spine order, TOC titles, metadata, cover, front matter, and lossless text."""
from __future__ import annotations

import html
import json
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from ebooklib import epub

from narrator.errors import IngestError
from narrator.ingest import read_book
from narrator.pipeline import make_script
from narrator.script_file import to_jsonl
from narrator.segment import segment_book
from narrator.types import Book


def tiny_png() -> bytes:
    """A valid 1×1 red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


COPYRIGHT = """<h1>Copyright</h1>
<p>Copyright &#169; 2024 Mara Quill. All rights reserved.</p>
<p>ISBN 978-0-00-000000-0. Published by Lantern Press.</p>"""

TITLE_PAGE = """<p class="title">The Hollow Crossing</p><p class="author">Mara Quill</p>"""

ALSO_BY = """<h2>Also by Mara Quill</h2><p>The Hollow Road</p><p>The Hollow Sea</p>"""

DEDICATION = """<section epub:type="dedication"><p>For Ada, who asked for a story.</p></section>"""

CHAPTERS = {
    "text/ch1.xhtml": """<h1>Chapter One</h1>
<p>The road ran out at the river. &#8220;We wait here,&#8221; said Tobias, dropping his pack.</p>
<p>Elena frowned. &#8220;Wait for <em>what</em>? The ferry hasn&#8217;t run in years.&#8221;</p>
<script>var tracking = "never read this";</script>
<p>He shrugged&#160;and   sat down
   on a stone.</p>
<hr/>
<p>By nightfall the fog had come, thick &amp; cold.</p>""",
    "text/ch2.xhtml": """<h2 class="chapter">Chapter Two</h2>
<p><span class="dropcap">M</span>orning brought the ferryman. &#8220;Two of you?&#8221; he asked.</p>
<p>&#8220;Two,&#8221; Elena said.<br/>&#8220;And a debt,&#8221; Tobias added.</p>
<div class="poem"><p>Row, row, the river is slow,<br/>nobody knows where the drowned ones go.</p></div>
<p class="centered">* * *</p>
<p>They crossed without another word.</p>""",
    "text/ch3.xhtml": """<h1>Chapter Three</h1>
<h2>The Far Bank</h2>
<p>The far bank was all reeds. &#8220;Listen,&#8221; Tobias whispered.</p>
<p>Something moved in the water.</p>""",
    "text/ch3b.xhtml": """<p>&#8220;It&#8217;s only a heron,&#8221; said Elena, but she did not believe it.</p>
<p>They walked on until the reeds gave way to stone.</p>""",
}
TOC_TITLES = {"text/ch1.xhtml": "The Road", "text/ch2.xhtml": "The Ferryman", "text/ch3.xhtml": "The Far Bank"}


def make_epub(tmp_path: Path, *, series: str | None = "The Hollow Saga", cover: bool = True,
              nav: bool = True, name: str = "book.epub") -> Path:
    book = epub.EpubBook()
    book.set_identifier("narrator-test-1")
    book.set_title("The Hollow Crossing")
    book.set_language("en")
    book.add_author("Mara Quill")
    if series:
        book.add_metadata(None, "meta", "", {"name": "calibre:series", "content": series})
        book.add_metadata(None, "meta", "", {"name": "calibre:series_index", "content": "2"})
    if cover:
        book.set_cover("images/cover.png", tiny_png())
    pages = [epub.EpubHtml(title="Copyright", file_name="copyright.xhtml", content=COPYRIGHT),
             epub.EpubHtml(title="Dedication", file_name="dedication.xhtml", content=DEDICATION),
             epub.EpubHtml(title="The Hollow Crossing", file_name="front1.xhtml", content=TITLE_PAGE),
             epub.EpubHtml(title="More", file_name="extra.xhtml", content=ALSO_BY)]
    chapters = [epub.EpubHtml(title=TOC_TITLES.get(f, f), file_name=f, content=body) for f, body in CHAPTERS.items()]
    for item in [*pages, *chapters]:
        book.add_item(item)
    book.toc = [epub.Link("copyright.xhtml", "Copyright", "copyright"),
                *(epub.Link(c.file_name, TOC_TITLES[c.file_name], c.file_name) for c in chapters
                  if c.file_name in TOC_TITLES)]
    book.add_item(epub.EpubNcx())
    if nav:
        book.add_item(epub.EpubNav())
    book.spine = [*(["cover"] if cover else []), pages[2], pages[0], *(["nav"] if nav else []), pages[1],
                  *chapters, pages[3]]
    path = tmp_path / name
    epub.write_epub(str(path), book)
    return path


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+(?:['’]\w+)*", text))


def source_words(path: Path, names: list[str]) -> Counter[str]:
    """Words of XHTML documents as stored in the EPUB, by a tag-stripping oracle independent of
    the reader: block tags become spaces, inline tags vanish, scripts go."""
    total: Counter[str] = Counter()
    with zipfile.ZipFile(path) as archive:
        for name in names:
            markup = archive.read(f"EPUB/{name}").decode("utf-8")
            body = markup.split("<body", 1)[1]
            body = re.sub(r"<script.*?</script>", " ", body, flags=re.DOTALL)
            body = re.sub(r"</?(?:p|div|h\d|br|hr|section|li)\b[^>]*>", " ", body)
            total += words(html.unescape(re.sub(r"<[^>]+>", "", body)))
    return total


def chapter_segment_words(book: Book) -> Counter[str]:
    return words("".join(s.text for segments in segment_book(book).values() for s in segments))


@pytest.fixture()
def book_path(tmp_path: Path) -> Path:
    return make_epub(tmp_path)


def test_chapters_in_spine_order_with_toc_titles(book_path: Path) -> None:
    book = read_book(book_path)
    assert [c.title for c in book.chapters] == ["The Road", "The Ferryman", "The Far Bank"]
    assert "It’s only a heron" in book.chapter_text(book.chapters[2])  # the split file continues ch. 3


def test_epub2_toc_from_the_ncx(tmp_path: Path) -> None:
    book = read_book(make_epub(tmp_path, nav=False))
    assert [c.title for c in book.chapters] == ["The Road", "The Ferryman", "The Far Bank"]
    assert "All rights reserved" not in book.text


def test_metadata_series_and_cover(book_path: Path) -> None:
    book = read_book(book_path)
    assert (book.title, book.author, book.series) == ("The Hollow Crossing", "Mara Quill", "The Hollow Saga")
    assert book.series_index == "2"
    assert book.cover == tiny_png()
    assert read_book(book_path, title="T", author="A").title == "T"


def test_epub3_collection_is_the_series(tmp_path: Path) -> None:
    path = make_epub(tmp_path, series=None, cover=False)
    rewrite_opf(path, lambda opf: opf.replace(
        "</metadata>",
        '<meta property="belongs-to-collection" id="c1">Crossings</meta>'
        '<meta refines="#c1" property="collection-type">series</meta>'
        '<meta refines="#c1" property="group-position">4</meta></metadata>'))
    book = read_book(path)
    assert (book.series, book.series_index) == ("Crossings", "4")
    assert book.cover is None


def test_cover_from_meta_name_cover(tmp_path: Path) -> None:
    path = make_epub(tmp_path, cover=False)
    png = tiny_png()
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("EPUB/images/front.png", png)
    rewrite_opf(path, lambda opf: opf.replace(
        "</manifest>", '<item href="images/front.png" id="front-img" media-type="image/png"/></manifest>'
    ).replace("</metadata>", '<meta name="cover" content="front-img"/></metadata>'))
    assert read_book(path).cover == png


def rewrite_opf(path: Path, change: Callable[[str], str]) -> None:
    with zipfile.ZipFile(path) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    files["EPUB/content.opf"] = change(files["EPUB/content.opf"].decode()).encode()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", files.pop("mimetype"), compress_type=zipfile.ZIP_STORED)
        for name, data in files.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)


def test_front_matter_is_skipped_and_listed(book_path: Path) -> None:
    book = read_book(book_path)
    assert "All rights reserved" not in book.text and "For Ada" not in book.text
    assert "The Hollow Road" not in book.text and "Mara Quill" not in book.text
    assert book.warnings[0] == (
        "skipped front and back matter: front1.xhtml (Title page), copyright.xhtml (Copyright), "
        "nav.xhtml (Contents), dedication.xhtml (Dedication), extra.xhtml (Also by); "
        "include one with --include front1.xhtml")


def test_front_matter_included_on_request(book_path: Path) -> None:
    book = read_book(book_path, include=["copyright.xhtml", "dedication"])
    assert [c.title for c in book.chapters] == ["Copyright", "Dedication", "The Road", "The Ferryman",
                                                "The Far Bank"]
    assert "All rights reserved" in book.chapter_text(book.chapters[0])
    dedication = book.chapters[1]
    start = book.text.index("For Ada")
    assert dedication.start <= start < dedication.end and book.is_spoken(start, start + 7)
    assert not any("copyright.xhtml" in w for w in book.warnings)
    assert read_book(book_path, include=["nope.xhtml"]).warnings[-1] == (
        "--include nope.xhtml: no skipped page has that name")


def test_every_story_word_reaches_the_segments(book_path: Path) -> None:
    book = read_book(book_path)
    assert chapter_segment_words(book) == source_words(book_path, list(CHAPTERS))
    assert "tracking" not in book.text


def test_html_to_text_rules(book_path: Path) -> None:
    text = read_book(book_path).text
    assert "He shrugged and sat down on a stone." in text  # nbsp and runs of spaces collapse
    assert "thick & cold" in text  # entities decoded
    assert "“Two,” Elena said.\n“And a debt,” Tobias added." in text  # <br> is a newline
    assert "Morning brought" in text  # an inline drop cap does not split the word
    assert "\n\n* * *\n\nBy nightfall" in text  # <hr> is a scene break
    assert "\n\n* * *\n\nThey crossed" in text  # so is a "* * *" paragraph
    assert "\n\n\n" not in text


def test_chapters_tile_and_headings_are_unspoken(book_path: Path) -> None:
    book = read_book(book_path)
    assert book.chapters[0].start == 0 and book.chapters[-1].end == len(book.text)
    assert all(a.end == b.start for a, b in zip(book.chapters, book.chapters[1:]))
    headings = [book.text[c.heading_start : c.heading_end] for c in book.chapters]
    assert headings == ["Chapter One", "Chapter Two", "Chapter Three\n\nThe Far Bank"]
    for chapter in book.chapters:
        assert not book.is_spoken(chapter.heading_start, chapter.heading_end)
    first = book.text.index("The road ran out")
    assert book.is_spoken(first, first + 8)


def test_jsonl_offsets_point_into_the_text(book_path: Path) -> None:
    book = read_book(book_path)
    records = [json.loads(line) for line in to_jsonl(make_script(book)).splitlines()]
    assert records and all(book.text[r["start"] : r["end"]] == r["text"] for r in records)
    quote = next(r for r in records if r["text"] == "“We wait here,”")
    assert quote["kind"] == "quote" and quote["chapter"] == 1


def test_documents_filed_as_text_html_are_read(book_path: Path) -> None:
    rewrite_opf(book_path, lambda opf: re.sub(
        r'(<item href="text/ch2.xhtml"[^>]*media-type=")application/xhtml\+xml', r"\1text/html", opf))
    book = read_book(book_path)
    assert [c.title for c in book.chapters] == ["The Road", "The Ferryman", "The Far Bank"]
    assert chapter_segment_words(book) == source_words(book_path, list(CHAPTERS))


def test_toc_anchors_split_one_document(tmp_path: Path) -> None:
    book = epub.EpubBook()
    book.set_identifier("x")
    book.set_title("Two in One")
    body = ('<h2 id="c1">I. Dawn</h2><p>It was early when the first bell rang out over the bay.</p>'
            '<h2 id="c2">II. Dusk</h2><p>It was late when the last bell rang out over the bay.</p>')
    item = epub.EpubHtml(title="Both", file_name="all.xhtml", content=body)
    book.add_item(item)
    book.toc = [epub.Link("all.xhtml#c1", "Dawn", "c1"), epub.Link("all.xhtml#c2", "Dusk", "c2")]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = [item]
    path = tmp_path / "two.epub"
    epub.write_epub(str(path), book)
    result = read_book(path)
    assert [c.title for c in result.chapters] == ["Dawn", "Dusk"]
    assert result.chapter_text(result.chapters[1]).startswith("II. Dusk\n\nIt was late")
    assert result.author == "Unknown Author"


def test_without_toc_titles_come_from_headings(tmp_path: Path) -> None:
    book = epub.EpubBook()
    book.set_identifier("y")
    book.set_title("Untitled Tales")
    items = [epub.EpubHtml(file_name="a.xhtml", content="<h1>The Start</h1><p>Once upon a time there was a frog.</p>"),
             epub.EpubHtml(file_name="b.xhtml", content="<p>No heading here, just a sentence about a frog.</p>")]
    for item in items:
        book.add_item(item)
    book.add_item(epub.EpubNcx())
    book.spine = items
    path = tmp_path / "plain.epub"
    epub.write_epub(str(path), book)
    assert [c.title for c in read_book(path).chapters] == ["The Start", "Chapter 2"]


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "fake.epub"
    path.write_text("just text")
    with pytest.raises(IngestError, match="not a valid EPUB \\(not a zip archive\\)"):
        read_book(path)


def test_zip_without_epub_structure(tmp_path: Path) -> None:
    path = tmp_path / "empty.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(IngestError, match="not a valid EPUB"):
        read_book(path)


def test_broken_opf_is_one_line_error(book_path: Path) -> None:
    rewrite_opf(book_path, lambda opf: opf[: len(opf) // 2])
    with pytest.raises(IngestError, match="not a valid EPUB") as info:
        read_book(book_path)
    assert "\n" not in str(info.value)


def test_drm_protected(book_path: Path) -> None:
    encryption = ('<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                  'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                  '<enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
                  '<enc:CipherData><enc:CipherReference URI="EPUB/text/ch1.xhtml"/></enc:CipherData>'
                  '</enc:EncryptedData></encryption>')
    with zipfile.ZipFile(book_path, "a") as archive:
        archive.writestr("META-INF/encryption.xml", encryption)
    with pytest.raises(IngestError, match="DRM-protected.*cannot read"):
        read_book(book_path)


def test_font_obfuscation_is_not_drm(book_path: Path) -> None:
    encryption = ('<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
                  'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
                  '<enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>'
                  '<enc:CipherData><enc:CipherReference URI="EPUB/fonts/a.otf"/></enc:CipherData>'
                  '</enc:EncryptedData></encryption>')
    with zipfile.ZipFile(book_path, "a") as archive:
        archive.writestr("META-INF/encryption.xml", encryption)
    assert len(read_book(book_path).chapters) == 3


def test_only_front_matter_is_an_empty_book(tmp_path: Path) -> None:
    book = epub.EpubBook()
    book.set_identifier("z")
    book.set_title("Nothing")
    item = epub.EpubHtml(title="Copyright", file_name="copyright.xhtml", content=COPYRIGHT)
    book.add_item(item)
    book.add_item(epub.EpubNcx())
    book.spine = [item]
    path = tmp_path / "nothing.epub"
    epub.write_epub(str(path), book)
    with pytest.raises(IngestError, match="no readable story text.*--include"):
        read_book(path)
