"""Epithets the dialogue ties to a name: "said the painter" is the man the replies address."""

from __future__ import annotations

from narrator.attribute.people import epithets, read_people
from narrator.segment import segment_book
from narrator.types import Book, Chapter


def ties(text: str) -> dict[str, str]:
    book = Book("Test", "Tester", text, (Chapter(1, "", 0, len(text), 0),))
    return epithets(read_people(book, segment_book(book)))


def exchange(noun: str, names: tuple[str, ...]) -> str:
    """Quotes tagged "said the NOUN", each answered by Lord Ferris addressing one of `names`."""
    lines = [
        "Lord Ferris lay on the divan, Mr. Oswin stood at his easel, and Mr. Hugh sat by the door.\n",
        '"Cold," said Oswin. "Colder," said Hugh.\n',
    ]
    for k, name in enumerate(names):
        lines.append(f'"Line {k} for you," said the {noun}.\n')
        lines.append(f'"{name}, I hear you," said Lord Ferris.\n')
    return "\n".join(lines)


def test_a_noun_the_replies_address_by_one_name_is_that_person() -> None:
    assert ties(exchange("painter", ("Oswin",) * 3)).get("painter") == "Oswin"


def test_too_few_or_split_addresses_tie_no_one() -> None:
    assert "painter" not in ties(exchange("painter", ("Oswin", "Indeed")))  # 2 addresses, not 3
    assert "painter" not in ties(exchange("painter", ("Oswin", "Hugh", "Oswin", "Hugh")))


def test_a_noun_for_anyone_or_the_other_is_tied_to_no_one() -> None:
    assert "man" not in ties(exchange("man", ("Oswin",) * 4))
    assert "other" not in ties(exchange("other", ("Oswin",) * 4))
