"""Who the book's people are, once its text is indexed.

Discovery (characters.py) and the merging of name forms (identity.py) read how names are
written. This step adds what needs the whole indexed book: the user's cast file, laid over what
discovery found (renames, merges, additions), so that writing the cast changes no decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..types import Book, Character, Segment
from .context import BookContext, read_context, with_characters
from .identity import apply_cast


def read_people(
    book: Book,
    segments: Mapping[int, Sequence[Segment]],
    characters: Sequence[Character] | None = None,
    cast: Sequence[Character] | None = None,
) -> BookContext:
    """The book's context with its final characters: `characters` (an authoritative list) or
    discovery's, with the `cast` file's entries laid over them."""
    b = read_context(book, segments, characters)
    if not cast:
        return b
    overlay = apply_cast(b.characters, cast)
    if overlay.characters == tuple(b.characters):
        return replace(b, renames=overlay.renames)
    return with_characters(b, overlay.characters, renames=overlay.renames)
