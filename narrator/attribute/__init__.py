"""Speaker attribution: who says each quote.

`attribute(book, segments)` returns a `Script` with a `Line` for every segment in text order;
`discover_characters(book, segments)` lists the characters found in the text alone. `Weights`
and `Trace` are for training the ranker (bench/train_attribution.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..types import Book, Character, Segment
from .core import attribute
from .people import read_people
from .weights import RankedChoice, Trace, Weights

__all__ = ["RankedChoice", "Trace", "Weights", "attribute", "discover_characters"]


def discover_characters(
    book: Book, segments: Mapping[int, Sequence[Segment]]
) -> tuple[Character, ...]:
    """Characters named in the book (most mentioned first), with aliases and gender: the ones
    the attribution starts from."""
    return tuple(read_people(book, segments).characters)
