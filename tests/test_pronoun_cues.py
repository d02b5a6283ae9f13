"""Pronoun tags in the ranker (rank.py): the tag_acted_on and tag_prev_narrated cues, read from a
trace."""

from __future__ import annotations

from narrator.attribute import Trace, attribute
from narrator.segment import segment_book
from narrator.types import Book, Chapter

ACTED_ON = """Kate and Mary came back from the village together.

"What a walk that was," said Kate.

"Never again in this weather," said Mary.

NARRATION

"Now we shall have a fire," she said.
"""

TURNS = """Mary had the kitchen to herself until Kate came in from the yard.

"Is the kettle on?" asked Mary.

"It has been on this hour," said Kate.

"Then we shall have tea at last," said Mary, TAIL

"And there is seed cake besides," she said.
"""


def _with_cue(prose: str, cue: str) -> list[str]:
    """The candidates of the last ranked choice that hold the cue."""
    book = Book("Test", "Tester", prose, (Chapter(1, "", 0, len(prose), 0),))
    trace = Trace()
    attribute(book, segment_book(book), trace=trace)
    last = trace.ranked[-1]
    return [c for c, f in zip(last.candidates, last.features, strict=True) if cue in f]


def test_a_name_after_a_pronoun_of_its_gender_is_the_one_acted_on() -> None:
    scene = ACTED_ON.replace("NARRATION", "She took off Kate's wet cloak and hung it by the door.")
    assert _with_cue(scene, "tag_acted_on") == ["Kate"]


def test_a_name_before_the_pronoun_or_opening_the_main_clause_is_not_acted_on() -> None:
    for narration in (
        "Kate took off her wet cloak and hung it by the door.",
        "When she had hung up her wet cloak, Kate knelt by the grate.",
        "She hung up her cloak. Kate knelt by the grate.",
    ):
        assert _with_cue(ACTED_ON.replace("NARRATION", narration), "tag_acted_on") == [], narration


def test_a_name_the_narration_names_again_later_is_judged_by_its_last_mention() -> None:
    scene = ACTED_ON.replace("NARRATION", "She took off Kate's wet cloak. Kate knelt by the grate.")
    assert _with_cue(scene, "tag_acted_on") == []


def test_a_previous_turn_ending_in_a_sentence_of_narration_is_cued() -> None:
    tail = "taking the cups down from the dresser. She set them out on the table."
    assert _with_cue(TURNS.replace("TAIL", tail), "tag_prev_narrated") == ["Mary"]


def test_a_previous_turn_ending_in_its_tag_is_not_cued() -> None:
    tail = "taking the cups down from the dresser."
    assert _with_cue(TURNS.replace("TAIL", tail), "tag_prev_narrated") == []
