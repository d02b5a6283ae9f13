"""The per-book speaking-style model (narrator/attribute/style.py) and its ranker feature."""

from __future__ import annotations

from narrator.attribute import Weights, attribute
from narrator.attribute.core import start_pass
from narrator.attribute.style import MIN_EXAMPLES, StyleModel, build
from narrator.attribute.weights import shipped_weights
from narrator.segment import segment_book
from narrator.types import Book, Chapter, Segment

SAILOR = (
    "Aye, lass, belay that talk, ye be a lubber's daughter",
    "Aye, the wind be fair, lass, and ye'll be aboard by morn",
    "Aye, lass, ye be a fine one for talk",
    "Belay that, lass, the tide be turning",
    "Ye lubber, aye, ye be no sailor",
)
LADY = (
    "Oh dear me, how very improper, I do declare",
    "Oh dear me, I do declare the sea is very improper",
    "How very kind, I do declare",
    "Oh dear me, how very tiresome it all is",
    "I do declare it is very improper, oh dear",
)


def parlour(last: str, rounds: int = 8) -> Book:
    """Captain Hobbs and Miss Prim trade tagged lines, each in a manner of their own; after a
    paragraph of narration comes one untagged line."""
    parts = ["Captain Hobbs and Miss Prim sat in the parlour of the inn.\n\n"]
    for a, b in zip(SAILOR * rounds, LADY * rounds, strict=True):
        parts.append(f'"{a}," said Captain Hobbs.\n\n"{b}," said Miss Prim.\n\n')
    parts.append("The rain beat on the window, and the fire burned low in the grate.\n\n")
    parts.append(f'"{last}"\n')
    text = "".join(parts)
    return Book("Test", "Tester", text, (Chapter(1, "", 0, len(text), 0),))


def model_of(book: Book) -> tuple[StyleModel, list[Segment]]:
    state, _ = start_pass(book, segment_book(book))
    return state.style, [s for _, s in state.book.ordered if s.kind == "quote"]


def test_an_untagged_line_scores_highest_for_the_one_who_speaks_that_way() -> None:
    for line, speaker, other in (
        ("Aye, lass, belay that, ye be a fine lubber!", "Captain Hobbs", "Miss Prim"),
        ("Oh dear me, how very improper, I do declare!", "Miss Prim", "Captain Hobbs"),
    ):
        model, quotes = model_of(parlour(line))
        last = quotes[-1]
        mine, theirs = (model.score(last.paragraph, [last], c) for c in (speaker, other))
        assert -1.0 <= theirs < 0.0 < mine <= 1.0
        assert model.score(last.paragraph, [last], "Somebody Else") == 0.0


def test_a_speaker_needs_enough_tagged_lines_and_a_line_is_not_its_own_example() -> None:
    """With exactly MIN_EXAMPLES tagged paragraphs, each of them is scored against the others
    only, too few to tell: 0; an untagged line is scored against all of them."""
    book = parlour("Aye, lass, belay that!", rounds=1)
    state, _ = start_pass(book, segment_book(book))
    quotes = [s for _, s in state.book.ordered if s.kind == "quote"]
    hobbs = quotes[0 : 2 * MIN_EXAMPLES : 2]  # his first tagged lines
    few = build(state.book.by_paragraph, {q.paragraph: "Captain Hobbs" for q in hobbs})
    assert few.examples["Captain Hobbs"] == MIN_EXAMPLES
    assert few.score(hobbs[0].paragraph, [hobbs[0]], "Captain Hobbs") == 0.0
    assert few.score(quotes[-1].paragraph, [quotes[-1]], "Captain Hobbs") > 0.0
    fewer = build(state.book.by_paragraph, {q.paragraph: "Captain Hobbs" for q in hobbs[1:]})
    assert fewer.score(quotes[-1].paragraph, [quotes[-1]], "Captain Hobbs") == 0.0


def test_style_decides_an_untagged_line_other_cues_leave_open() -> None:
    """After narration, the same untagged turn goes to whoever speaks like it: without the style
    feature both lines go to the same person, whatever they say."""
    features = dict(shipped_weights().features)
    with_style = Weights(features={**features, "style": 1.0})
    without = Weights(features={**features, "style": 0.0})
    got: dict[str, list[str]] = {"with": [], "without": []}
    for line in ("Aye, lass, belay that, ye be a fine lubber!", "Oh dear me, how very improper, I do declare!"):
        book = parlour(line)
        segments = segment_book(book)
        for label, weights in (("with", with_style), ("without", without)):
            script = attribute(book, segments, weights=weights)
            got[label].append([ln.speaker for ln in script.lines if ln.segment.kind == "quote"][-1])
    assert got["with"] == ["Captain Hobbs", "Miss Prim"]
    assert len(set(got["without"])) == 1
