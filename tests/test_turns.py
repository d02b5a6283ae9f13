"""Turn-taking cues of conversation.py: who a quote addresses."""

from __future__ import annotations

from narrator.attribute.core import start_pass
from narrator.segment import segment_book
from narrator.types import Book, Chapter


def _addressees(text: str) -> list[tuple[str, ...]]:
    book = Book("Test", "Tester", text, (Chapter(1, "", 0, len(text), 0),))
    state, _ = start_pass(book, segment_book(book))
    b = state.book
    return [b.addressees(s) for _, s in b.ordered if s.kind == "quote"]


def test_a_relative_clause_after_a_name_speaks_of_them_unless_it_asks() -> None:
    text = (
        "Martha sat with Lucy while Jack Reed rode to the harbour. Jack Reed came back at noon.\n\n"
        '"Jack Reed, who never writes to anyone, has written to me!" said Martha.\n\n'
        '"Jack Reed, whose horse is that at the gate?" said Lucy.\n'
    )
    assert _addressees(text) == [(), ("Jack Reed",)]
