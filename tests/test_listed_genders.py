"""A described speaker of either sex ("the cook") takes the gender the book gives the noun, for
the voice the cast picks; the ranking is unchanged."""

from __future__ import annotations

from narrator.attribute import attribute
from narrator.attribute._text import tokenize
from narrator.attribute.mentions import listed_genders
from narrator.segment import segment_book
from narrator.types import Book, Chapter

COOK = (
    "The cook came up the ladder, and as soon as he saw the boy he grinned.\n\n"
    '"Aye, aye, sir," said the cook.\n\n'
    "The cook went below, and then he lit his pipe.\n\n"
    "Later the cook sat on a barrel while he peeled the potatoes.\n\n"
    '"Fine weather," said the cook.\n'
)


def genders(text: str) -> dict[str, str]:
    return dict(listed_genders(text, tokenize(text)))


def test_the_sentences_after_a_noun_of_either_sex_give_it_a_gender() -> None:
    assert genders(COOK) == {"cook": "male"}


def test_too_few_or_mixed_pronouns_give_no_gender() -> None:
    two = COOK.replace("while he peeled", "peeling")
    assert genders(two) == {}
    mixed = COOK + "The cook smiled, and she waved.\n"
    assert genders(mixed) == {}  # 3 to 1: not four times as often


def test_a_name_or_another_person_between_takes_the_pronoun() -> None:
    text = "The cook saw Tom, and he ran. " * 3 + "The cook met the sailor and he ran. " * 3
    assert genders(text) == {}


def test_the_cast_gives_a_described_speaker_that_gender() -> None:
    book = Book("Test", "Tester", COOK, (Chapter(1, "", 0, len(COOK), 0),))
    script = attribute(book, segment_book(book))
    speakers = {line.speaker for line in script.lines if line.speaker}
    assert speakers == {"the cook"}
    assert {c.name: c.gender for c in script.characters}["the cook"] == "male"
