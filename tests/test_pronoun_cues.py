"""Pronoun tags in the ranker (rank.py): the tag_prev_narrated cue, read from a trace."""

from __future__ import annotations

from narrator.attribute import Trace, attribute
from narrator.segment import segment_book
from narrator.types import Book, Chapter

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


def test_a_previous_turn_ending_in_a_sentence_of_narration_is_cued() -> None:
    tail = "taking the cups down from the dresser. She set them out on the table."
    assert _with_cue(TURNS.replace("TAIL", tail), "tag_prev_narrated") == ["Mary"]


def test_a_previous_turn_ending_in_its_tag_is_not_cued() -> None:
    tail = "taking the cups down from the dresser."
    assert _with_cue(TURNS.replace("TAIL", tail), "tag_prev_narrated") == []
