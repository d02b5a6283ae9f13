"""Nouns no list holds that a quote's tag makes speakers ("said the ferrywoman"), with a gender."""

from __future__ import annotations

from narrator.attribute._text import tokenize
from narrator.attribute.characters import CharacterIndex
from narrator.attribute.mentions import find_mentions, tag_nouns


def nouns(text: str) -> dict[str, str]:
    return dict(tag_nouns(text, tokenize(text)))


def test_the_subject_of_a_tag_after_a_quote_with_a_gender_is_a_speaking_noun() -> None:
    text = (
        '"Across?" said the ferrywoman.\n\n'
        '"Row on," the old ferryman replied.\n\n'
        '"Who is there?" asked the sentry at the gate, and he raised his lamp.\n'
    )
    assert nouns(text) == {"ferrywoman": "female", "ferryman": "male", "sentry": "male"}


def test_the_gender_comes_from_a_pronoun_of_the_tag_clause_or_the_noun_ending() -> None:
    text = (
        '"Rouge," said the croupier, raking in his chips.\n\n'
        '"Sit," said the ambassadress.\n\n'
        '"Come," said the tutor, turning to her.\n\n'  # "to her": the addressee, no gender
        '"Go," said the bargee. She pointed.\n'  # another sentence
    )
    assert nouns(text) == {"croupier": "male", "ambassadress": "female"}


def test_plurals_things_adjectives_titles_and_listed_nouns_are_not_speaking_nouns() -> None:
    text = (
        '"Hush," said the croupiers, and he smiled.\n\n'
        '"Come home," said the letter in her hand.\n\n'
        '"Away!" murmured the crowd, and she ran.\n\n'
        '"No," said the other, sadly, and he left.\n\n'
        '"Yes," said the duchess.\n\n'
        '"Well," said the waiter, and he bowed.\n\n'
        '"Now," said the voice, and he came in.\n\n'
        'He went to see the chairman at noon.\n'
    )
    assert nouns(text) == {}


def test_an_object_after_a_weak_verb_is_no_speaker() -> None:
    assert nouns('"Here," called the dogman to heel.\n\n"Look," read the noticeman.\n') == {}


def test_a_noun_the_tags_use_all_through_the_book_is_left_out() -> None:
    filler = "The rain fell on the roofs of the town all that long week. " * 400
    two = '"Rouge," said the croupier, and he smiled.\n\n' + filler + '"Noir," said the croupier.\n\n'
    assert "croupier" in nouns(two)
    assert "croupier" not in nouns(two + filler + '"Zero," said the croupier.\n')


def test_a_speaking_noun_is_a_generic_mention_wherever_the_book_uses_it() -> None:
    text = 'He gave a coin to the ferrywoman.\n\n"Across," said the ferrywoman.\n\n"Sit," said the croupier.\n'
    found = find_mentions(text, tokenize(text), CharacterIndex([]))
    assert [(m.label, m.gender, m.generic) for m in found if m.kind == "desc"] == [
        ("the ferrywoman", "female", True),
        ("the ferrywoman", "female", True),
    ]


def test_a_person_brought_in_with_a_is_described_and_commas_may_part_the_modifiers() -> None:
    text = (
        "The door opened, and a stoutish, red-faced woman came out, then an old man.\n\n"
        "Tom, the sexton, and the vicar, Mr. Pell, stood by.\n"
    )
    found = find_mentions(text, tokenize(text), CharacterIndex([]))
    assert [(m.label, m.gender, m.generic) for m in found if m.kind == "desc"] == [
        ("the stoutish red-faced woman", "female", False),
        ("the old man", "male", True),
    ]
