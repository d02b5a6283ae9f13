"""Pronoun tags in the ranker (rank.py): the tag_subject_since_quote cue, read from a trace."""

from __future__ import annotations

from narrator.attribute import Trace, attribute
from narrator.segment import segment_book
from narrator.types import Book, Chapter

SCENE = """Agnes had not spoken since Bella came into the room.

"I trusted him," said Bella. "I loved him."

"You loved him? You?" cried Agnes, trembling with rage.

Bella shrank back against the wall, her hands over her face. There was no reply.

"And you tell that to me," she VERB, "to my face?"
"""


def _with_cue(prose: str) -> list[str]:
    """The candidates of the last ranked choice that hold the cue."""
    book = Book("Test", "Tester", prose, (Chapter(1, "", 0, len(prose), 0),))
    trace = Trace()
    attribute(book, segment_book(book), trace=trace)
    last = trace.ranked[-1]
    return [c for c, f in zip(last.candidates, last.features, strict=True) if "tag_subject_since_quote" in f]


def test_last_subject_since_the_quote_is_cued() -> None:
    assert _with_cue(SCENE.replace("VERB", "said")) == ["Bella"]


def test_a_verb_of_going_on_means_the_previous_speaker_not_the_last_subject() -> None:
    assert _with_cue(SCENE.replace("VERB", "added")) == []

