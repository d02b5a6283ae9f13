"""One scanner for the subject of a speech verb in a tag right after a quote."""

from __future__ import annotations

from typing import Any

from narrator.attribute._text import tokenize
from narrator.attribute.mentions import tag_subjects


def nouns(text: str, determiners: tuple[str, ...] = ("the",), **kw: Any) -> dict[str, int]:
    toks = tokenize(text)
    return {noun: len(at) for noun, at in tag_subjects(text, toks, determiners, **kw).items()}


def test_the_subject_after_the_verb_and_before_it() -> None:
    text = '"Come in," said the doctor.\n\n"No," the beadle said.\n\n"Yes," said the doctor, rising.\n'
    assert nouns(text) == {"doctor": 2, "beadle": 1}


def test_no_subject_away_from_a_quote_or_with_a_capital_or_a_stopword() -> None:
    text = (
        "He said the doctor was out.\n\n"  # no quote before the verb
        '"Well," said the Doctor.\n\n'  # a capital: a title, no noun
        '"Well," said the first.\n'  # a stopword
    )
    assert nouns(text) == {}


def test_the_phrase_end_and_word_tests_are_the_callers() -> None:
    text = '"Go," said my aunt to me.\n\n"Go," said my old nurse.\n\n"Go," my uncle said.\n'
    toks = tokenize(text)

    def ends(j: int) -> bool:
        return j + 1 >= len(toks) or text[toks[j].end] in ",." or toks[j + 1].lower in ("to", "said")

    assert nouns(text, ("my",)) == {"aunt": 1, "old": 1, "uncle": 1}
    assert nouns(text, ("my",), ends=ends) == {"aunt": 1, "uncle": 1}
    assert nouns(text, ("my",), ends=ends, words=2) == {"aunt": 1, "nurse": 1, "uncle": 1}
    assert nouns(text, ("my",), word=lambda j: toks[j].lower != "uncle") == {"aunt": 1, "old": 1}


def test_adverbs_between_the_noun_and_a_following_verb() -> None:
    text = '"Rouge," the croupier quietly said.\n'
    assert nouns(text) == {}
    assert nouns(text, adverbs=1) == {"croupier": 1}
