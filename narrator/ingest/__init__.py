"""Ingest: a book file in, a `Book` out. One module per format; `read_book` picks by suffix."""
from __future__ import annotations

from pathlib import Path

from ..types import Book
from .text import MARKDOWN_SUFFIXES, decode, read_bytes, read_text_book

__all__ = ["MARKDOWN_SUFFIXES", "decode", "read_book", "read_bytes"]


def read_book(path: Path, *, title: str | None = None, author: str | None = None) -> Book:
    """Read a book; plain text and Markdown (by suffix; anything else is read as text)."""
    return read_text_book(Path(path), title=title, author=author)
