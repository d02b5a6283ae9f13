"""Nouns a quote's tag makes speakers ("said the croupier"), whatever the noun lists hold."""

from __future__ import annotations

from narrator.attribute._text import tokenize
from narrator.attribute.characters import CharacterIndex
from narrator.attribute.mentions import find_mentions, tag_nouns


def nouns(text: str) -> dict[str, str]:
    return tag_nouns(text, tokenize(text))


def test_the_subject_of_a_tag_after_a_quote_is_a_speaking_noun() -> None:
    text = (
        '"Rouge," said the croupier.\n\n'
        '"Row on," the old ferryman replied.\n\n'
        '"Who is there?" asked the sentry at the gate.\n'
    )
    assert set(nouns(text)) == {"croupier", "ferryman", "sentry"}


def test_the_gender_comes_from_a_pronoun_of_the_tag_or_the_noun_ending() -> None:
    text = (
        '"Rouge," said the croupier, raking in his chips.\n\n'
        '"Sit," said the ambassadress.\n\n'
        '"Come," said the tutor, turning to her.\n'
    )
    assert nouns(text) == {"croupier": "male", "ambassadress": "female", "tutor": "unknown"}


def test_plurals_things_adjectives_titles_and_listed_nouns_are_not_speaking_nouns() -> None:
    text = (
        '"Hush," said the croupiers.\n\n'
        '"Come home," said the letter.\n\n'
        '"Away!" murmured the crowd.\n\n'
        '"No," said the other, sadly.\n\n'
        '"Yes," said the duchess.\n\n'
        '"Well," said the waiter.\n\n'
        '"Now," said the voice.\n\n'
        'He went to see the croupier at noon.\n'
    )
    assert nouns(text) == {}


def test_an_object_after_a_weak_verb_is_no_speaker() -> None:
    assert nouns('"Here," called the dog to heel.\n\n"Look," read the notice.\n') == {}


def test_a_noun_the_tags_use_all_through_the_book_is_left_out() -> None:
    filler = "The rain fell on the roofs of the town all that long week. " * 400
    two = '"Rouge," said the croupier.\n\n' + filler + '"Noir," said the croupier.\n\n'
    assert "croupier" in nouns(two)
    assert "croupier" not in nouns(two + filler + '"Zero," said the croupier.\n')


def test_a_speaking_noun_is_a_mention_wherever_the_book_uses_it() -> None:
    text = 'He gave a coin to the croupier.\n\n"Rouge," said the croupier.\n'
    found = find_mentions(text, tokenize(text), CharacterIndex([]))
    assert [(m.label, m.gender, m.generic) for m in found if m.kind == "desc"] == [
        ("the croupier", "unknown", True),
        ("the croupier", "unknown", True),
    ]
