"""EPUBs that inflate to far more than they weigh, and covers too big to embed (issue 10, finding 3).

The EPUBs are written by hand with zipfile, streaming their large members, so a test never
holds the inflated size in memory itself.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from narrator.errors import IngestError
from narrator.ingest import cover as cover_module
from narrator.ingest import epub as epub_module
from narrator.ingest import read_book
from narrator.ingest.cover import MAX_SIDE, embeddable_cover

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

CHAPTER = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>c</title><link rel="stylesheet" href="style.css"/></head>
<body><h1>Chapter {n}</h1><p>{body}</p></body></html>"""


def write_epub(path: Path, *, chapters: int = 2, big: dict[str, int] | None = None,
               cover: bytes | None = None) -> Path:
    """A small EPUB 2; `big` maps a member (``style.css`` or ``ch1.xhtml``) to a size it inflates to."""
    big = big or {}
    numbers = range(1, chapters + 1)
    items = [f'<item id="ch{n}" href="ch{n}.xhtml" media-type="application/xhtml+xml"/>' for n in numbers]
    items += ['<item id="css" href="style.css" media-type="text/css"/>',
              '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>']
    if cover is not None:
        items.append('<item id="cover-img" href="cover.jpg" media-type="image/jpeg"/>')
    opf = f"""<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Limits</dc:title>
<dc:identifier id="id">x</dc:identifier><dc:language>en</dc:language><meta name="cover" content="cover-img"/></metadata>
<manifest>{"".join(items)}</manifest>
<spine toc="ncx">{"".join(f'<itemref idref="ch{n}"/>' for n in range(1, chapters + 1))}</spine></package>"""
    ncx = """<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">
<head/><docTitle><text>Limits</text></docTitle><navMap/></ncx>"""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", CONTAINER)
        z.writestr("OEBPS/content.opf", opf)
        z.writestr("OEBPS/toc.ncx", ncx)
        for n in range(1, chapters + 1):
            name = f"ch{n}.xhtml"
            text = CHAPTER.format(n=n, body=f"The story of chapter {n} goes on.")
            if name in big:
                head, tail = text.split("The story")
                _stream(z, f"OEBPS/{name}", head.encode(), big[name], b"a", ("The story" + tail).encode())
            else:
                z.writestr(f"OEBPS/{name}", text)
        _stream(z, "OEBPS/style.css", b"p {}\n", big.get("style.css", 0), b" ", b"")
        if cover is not None:
            z.writestr("OEBPS/cover.jpg", cover)
    return path


def _stream(z: zipfile.ZipFile, name: str, head: bytes, size: int, fill: bytes, tail: bytes) -> None:
    block = fill * 2**20
    with z.open(name, "w", force_zip64=True) as member:
        member.write(head)
        left = size
        while left > 0:
            member.write(block[:left])
            left -= len(block)
        member.write(tail)


def opened_members(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of zip members anyone opens for reading from now on."""
    names: list[str] = []
    real = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: str | zipfile.ZipInfo, mode: str = "r", *args: object, **kw: object):  # type: ignore[no-untyped-def]
        if mode == "r":
            names.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real(self, name, mode, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return names


def test_a_huge_stylesheet_outside_the_spine_is_never_inflated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_epub(tmp_path / "css.epub", big={"style.css": 80 * 2**20})
    assert path.stat().st_size < 2 * 2**20
    opened = opened_members(monkeypatch)
    book = read_book(path)
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert "OEBPS/style.css" not in opened
    assert "OEBPS/ch1.xhtml" in opened


def test_a_chapter_inflating_past_the_limit_is_refused_before_inflating(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """At the real limit: one byte over MAX_MEMBER_BYTES (64 MB) in a file of a few hundred KB."""
    path = write_epub(tmp_path / "bomb.epub", big={"ch1.xhtml": epub_module.MAX_MEMBER_BYTES})
    assert path.stat().st_size < 2**20
    opened = opened_members(monkeypatch)
    with pytest.raises(IngestError, match=r"ch1\.xhtml inflates to 64 MB .*at most 64 MB per document") as error:
        read_book(path)
    assert "\n" not in str(error.value)
    assert "OEBPS/ch1.xhtml" not in opened


def test_a_chapter_just_under_the_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(epub_module, "MAX_MEMBER_BYTES", 2**20)
    path = write_epub(tmp_path / "ok.epub", big={"ch1.xhtml": 2**20 - 1000})
    assert read_book(path).text.count("a") > 2**20 - 1000


def test_the_total_inflated_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(epub_module, "MAX_MEMBER_BYTES", 2**20)
    monkeypatch.setattr(epub_module, "MAX_TOTAL_BYTES", 3 * 2**20)
    path = write_epub(tmp_path / "many.epub", chapters=5, big={f"ch{n}.xhtml": 2**20 - 1000 for n in range(1, 6)})
    with pytest.raises(IngestError, match="inflates to more than 3 MB"):
        read_book(path)


def jpeg(width: int, height: int, quality: int = 95) -> bytes:
    image = Image.effect_noise((width, height), 60).convert("RGB")  # noise: hard to compress, like a photo
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_a_large_cover_is_scaled_down_for_embedding(tmp_path: Path) -> None:
    big = jpeg(3000, 2000)
    assert len(big) > 1_000_000
    book = read_book(write_epub(tmp_path / "cover.epub", cover=big))
    assert book.cover is not None and len(book.cover) < 600_000
    with Image.open(io.BytesIO(book.cover)) as image:
        assert image.format == "JPEG" and image.size == (MAX_SIDE, MAX_SIDE * 2 // 3)


def test_a_small_cover_is_embedded_unchanged() -> None:
    small = jpeg(600, 900, quality=80)
    assert embeddable_cover(small) == (small, [])


def test_a_transparent_png_cover_becomes_a_jpeg_on_white() -> None:
    image = Image.new("RGBA", (2000, 2000), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    data, warnings = embeddable_cover(out.getvalue())
    assert data is not None and not warnings
    with Image.open(io.BytesIO(data)) as scaled:
        assert scaled.format == "JPEG" and scaled.size == (MAX_SIDE, MAX_SIDE)
        assert scaled.getpixel((10, 10)) == (255, 255, 255)


def test_a_cover_with_too_many_pixels_is_not_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cover_module, "MAX_PIXELS", 1_000_000)
    data, warnings = embeddable_cover(jpeg(1200, 1000))
    assert data is None and "1200×1000 pixels" in warnings[0]


def test_a_corrupt_cover_is_a_warning(tmp_path: Path) -> None:
    book = read_book(write_epub(tmp_path / "bad.epub", cover=b"\xff\xd8\xff\xe0" + b"\x00" * 600_000))
    assert book.cover is None
    assert any("cover image could not be read" in w for w in book.warnings)


def test_a_cover_file_over_its_limit_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(epub_module, "MAX_COVER_BYTES", 100_000)
    book = read_book(write_epub(tmp_path / "huge.epub", cover=jpeg(800, 800)))
    assert book.cover is None
    assert any("cover.jpg is over" in w for w in book.warnings)
