"""Ingest: a book file in, a `Book` out. One module per format; `read_book` picks by suffix."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..types import Book
from .epub import read_epub
from .html import read_html
from .text import MARKDOWN_SUFFIXES, decode, read_bytes, read_text_book

__all__ = ["EPUB_SUFFIXES", "HTML_SUFFIXES", "MARKDOWN_SUFFIXES", "decode", "read_book", "read_bytes",
           "read_epub", "read_html"]

EPUB_SUFFIXES = {".epub"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


def read_book(path: Path, *, title: str | None = None, author: str | None = None,
              include: Sequence[str] = (), notes: bool = False) -> Book:
    """Read a book by its suffix: EPUB, HTML (AO3 downloads included), else plain text/Markdown.

    `include` names EPUB front-matter pages to read anyway; `notes` reads AO3 author's notes.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in EPUB_SUFFIXES:
        book = read_epub(path, title=title, author=author, include=include)
    elif suffix in HTML_SUFFIXES:
        book = read_html(path, title=title, author=author, notes=notes)
    else:
        book = read_text_book(path, title=title, author=author)
    ignored = [option for option, given, applies in (("--include", bool(include), suffix in EPUB_SUFFIXES),
                                                     ("--notes", notes, suffix in HTML_SUFFIXES))
               if given and not applies]
    if ignored:
        kinds = {"--include": "EPUB books", "--notes": "HTML books (AO3 downloads)"}
        notice = tuple(f"{option} only applies to {kinds[option]}; ignored for {path.name}" for option in ignored)
        book = replace(book, warnings=book.warnings + notice)
    return book
