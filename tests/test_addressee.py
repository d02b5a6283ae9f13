"""Whom a turn's narration has its speaker address (narrator/attribute/addressee.py)."""

from __future__ import annotations

import pytest

from narrator.attribute.addressee import narration_addressees
from narrator.attribute.core import start_pass
from narrator.segment import segment_book
from narrator.types import Book, Chapter, Character

CAST = (
    Character("Emma", ("Emma",), "female", 0),
    Character("Harriet", ("Harriet",), "female", 0),
    Character("Mr. Knightley", ("Mr. Knightley",), "male", 0),
)


def hearers(paragraph: str) -> list[str]:
    """The names read as the hearer in the paragraph."""
    text = f"{paragraph}\n"
    book = Book("Test", "Tester", text, (Chapter(1, "", 0, len(text), 0),))
    state, _ = start_pass(book, segment_book(book), CAST, None, None, None)
    b = state.book
    return [b.text[m.start : m.end] for m in narration_addressees(b, 0)]


@pytest.mark.parametrize(
    "paragraph,expected",
    [
        ('"You are wrong," he said, turning to Harriet.', ["Harriet"]),
        ('"You are wrong," said Mr. Knightley to Emma.', ["Emma"]),
        ('Emma looked at Harriet. "Are you cold?"', ["Harriet"]),
        ('"Are you cold?" she asked Harriet.', ["Harriet"]),
        ('"Are you cold?" she said, turning her eyes slowly towards Harriet.', ["Harriet"]),
        # inverted tag after the quote: Harriet asks, nobody is addressed
        ('"Are you cold?" asked Harriet.', []),
        # "to" with no verb of speaking, looking or turning before it in its clause
        ('"Are you cold?" said Emma, and she walked to Harriet.', []),
        ('"Are you cold?" said Emma. Harriet went to Mr. Knightley.', []),
        # a clause break between the verb and "to"
        ('"Are you cold?" Emma said; the letter went to Harriet.', []),
    ],
)
def test_narration_addressees(paragraph: str, expected: list[str]) -> None:
    assert hearers(paragraph) == expected


def test_lead_in_hearer_belongs_to_the_next_quote() -> None:
    """ "he whispers to Jim and says:" after the paragraph's quote leads in the next speaker's
    quote: that hearer is not the hearer of this paragraph's speaker."""
    assert hearers('"Good night," said Emma. And then she whispers to Harriet and says:') == []
    assert hearers('"Good night," said Emma, turning to Harriet.') == ["Harriet"]


def test_participle_takes_the_hearer() -> None:
    assert hearers('"You must admit," he went on, addressing Harriet with a smile.') == ["Harriet"]
