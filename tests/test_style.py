"""The per-book style model (narrator/attribute/style.py), on small texts of our own."""

from __future__ import annotations

from collections import Counter

import pytest

from narrator.attribute import Trace, attribute
from narrator.attribute.style import (
    MIN_EXAMPLES,
    StyleModel,
    paragraph_tokens,
    style_features,
    style_tokens,
)
from narrator.segment import segment_book
from narrator.types import Book, Chapter, Segment


def _para(number: int, *quotes: str) -> tuple[int, list[Segment]]:
    segs = [Segment(0, len(q), "quote", number, q) for q in quotes]
    segs.append(Segment(0, 5, "narration", number, " said"))
    return number, segs


# Two voices: a sailor who drops letters and says "sir", a lady who asks and says "my dear".
SAILOR = [
    "\u201cAye, sir, we'll haul 'em in afore dark, sir.\u201d",
    "\u201cAin't no use, sir. The tide won't wait.\u201d",
    "\u201cI reckon we'll manage, sir, if the wind holds.\u201d",
    "\u201cDon't you fret, sir; she's a stout boat.\u201d",
]
LADY = [
    "\u201cMy dear, do you really think so? How very strange!\u201d",
    "\u201cAnd what, my dear, shall we tell the vicar?\u201d",
    "\u201cIs it not charming? My dear, you must come.\u201d",
    "\u201cWhy should I be cross, my dear? Surely not!\u201d",
]


def _book(untagged: list[str]) -> tuple[StyleModel, list[int]]:
    paragraphs, named = [], {}
    for k, q in enumerate(SAILOR):
        paragraphs.append(_para(k, q))
        named[k] = "Tom"
    for k, q in enumerate(LADY, start=10):
        paragraphs.append(_para(k, q))
        named[k] = "Mrs. Hale"
    paragraphs.append(_para(20, "\u201cHello there.\u201d"))
    named[20] = "Ned"  # one example only: too few for a model
    numbers = []
    for k, q in enumerate(untagged, start=30):
        paragraphs.append(_para(k, q))
        numbers.append(k)
    return StyleModel.learn(paragraphs, named), numbers


def test_tokens_keep_contractions_clipped_words_and_voice_marks() -> None:
    toks = style_tokens("\u201cAin\u2019t it grand? We'll haul 'em in\u2014now!\u201d")
    assert "ain't" in toks and "we'll" in toks and "'em" in toks
    assert {"<?>", "<!>", "<\u2014>"} <= set(toks)
    assert "Ain" not in toks and "t" not in toks


def test_only_quotes_are_read_and_a_paragraph_is_bounded() -> None:
    number, segs = _para(1, "\u201c" + "word " * 1000 + "\u201d")
    assert paragraph_tokens(segs) == ["word"] * 400
    assert "said" not in paragraph_tokens(_para(2, "\u201cYes.\u201d")[1])


def test_each_voice_explains_its_own_untagged_quotes_better() -> None:
    model, (sailorish, ladyish) = _book(
        ["\u201cWe'll not fret, sir, the boat won't sink.\u201d", "\u201cMy dear, is it not strange?\u201d"]
    )
    assert model.score(sailorish, "Tom") > 0 > model.score(sailorish, "Mrs. Hale")
    assert model.score(ladyish, "Mrs. Hale") > 0 > model.score(ladyish, "Tom")


def test_a_character_with_too_few_tagged_quotes_has_no_model() -> None:
    model, (number,) = _book(["\u201cHello there, sir.\u201d"])
    assert MIN_EXAMPLES > 1
    assert not model.knows("Ned") and model.score(number, "Ned") == 0.0
    assert model.knows("Tom") and model.knows("Mrs. Hale")
    assert style_features(model, number, ["Ned", "Tom"])[0] == {}


def test_a_tagged_paragraph_does_not_vouch_for_itself() -> None:
    """Scoring one of Tom's own examples, its words are taken out of his counts: the score is
    the one a model without that example gives (the background is the same book)."""
    q = "\u201cZounds, sir! Zounds!\u201d"
    paragraphs = [_para(k, s) for k, s in enumerate(SAILOR)] + [_para(9, q)]
    with_it = StyleModel.learn(paragraphs, {k: "Tom" for k in (0, 1, 2, 3, 9)})
    without = StyleModel.learn(paragraphs, {k: "Tom" for k in (0, 1, 2, 3)})
    assert with_it.score(9, "Tom") == pytest.approx(without.score(9, "Tom"))
    # another of Tom's paragraphs does gain from it
    assert with_it.score(0, "Tom") != without.score(0, "Tom")


def test_features_give_the_margin_over_the_best_other_voice() -> None:
    model, (number,) = _book(["\u201cAye, sir, we'll haul 'em in, sir.\u201d"])
    tom, hale, nobody = style_features(model, number, ["Tom", "Mrs. Hale", "Ned"])
    assert tom["style"] == model.score(number, "Tom")
    assert tom["style_margin"] == pytest.approx(min(1.0, tom["style"] - hale["style"]))
    assert tom["style_margin"] > 0 > hale["style_margin"] >= -1.0
    assert nobody == {}
    alone = style_features(model, number, ["Tom", "Ned"])[0]
    assert "style_margin" not in alone and alone["style"] > 0


def test_the_model_is_deterministic_and_counts_words_once() -> None:
    model, (number,) = _book(["\u201cSir, sir.\u201d"])
    again, _ = _book(["\u201cSir, sir.\u201d"])
    assert model.score(number, "Tom") == again.score(number, "Tom")
    assert Counter(paragraph_tokens(_para(1, "\u201cSir, sir.\u201d")[1])) == Counter({"sir": 2})


STORY = """Tom Barlow and Mrs. Hale stood on the quay while the boats came in.

"Aye, sir, we'll haul 'em in afore dark, sir," said Tom.

"My dear, do you really think so? How very strange!" said Mrs. Hale.

"Ain't no use, sir. The tide won't wait," said Tom.

"And what, my dear, shall we tell the vicar?" said Mrs. Hale.

"Don't you fret, sir; she's a stout boat," said Tom.

"Is it not charming? My dear, you must come," said Mrs. Hale.

The gulls wheeled over the harbour wall.

"We'll not fret, sir, the boat won't sink."
"""


def test_the_ranker_reads_the_style_of_the_book_s_tagged_quotes() -> None:
    """Both speakers have three tagged quotes: the untagged one is ranked with their style
    cues, and the sailor's words favour the sailor."""
    text = STORY
    book = Book("Test", "Tester", text, (Chapter(1, "", 0, len(text), 0),))
    trace = Trace()
    attribute(book, segment_book(book), trace=trace)
    [choice] = trace.ranked
    feats = dict(zip(choice.candidates, choice.features, strict=True))
    tom = next(c for c in feats if c.startswith("Tom"))
    hale = next(c for c in feats if "Hale" in c)
    assert feats[tom]["style_margin"] > 0 > feats[hale]["style_margin"]
