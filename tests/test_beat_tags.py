"""Narration beside a quote that is no said-tag: who a lead-in or the end of the paragraph before
introduces (narrator/attribute/tags.py)."""

from __future__ import annotations

from narrator.attribute.context import read_context
from narrator.attribute.tags import tag_before, tag_previous_paragraph
from narrator.segment import segment_book
from narrator.types import Book, Chapter

_TALK = (
    '"Is it the Mary Rose?" Clara asked.\n\n'
    '"It is," Tom said. "She went down off the point on Tuesday night."\n\n'
    "{narration}\n\n"
    '"Then every one of them is lost?"\n'
)


def _introduced(narration: str) -> str | None:
    """The person the narration paragraph before the last quote introduces as its speaker."""
    text = _TALK.format(narration=narration)
    book = Book("Test", "Tester", text, (Chapter(1, "", 0, len(text), 0),))
    b = read_context(book, segment_book(book), None)
    last = max(b.by_paragraph)
    tag = tag_previous_paragraph(b, last)
    return None if tag is None else b.text[tag.mention.start : tag.mention.end]


def test_a_speech_verb_introduces_its_subject() -> None:
    assert _introduced("Tom spoke the name of his brother's ship with a shiver.") == "Tom"


def test_a_denied_speech_verb_introduces_nobody() -> None:
    """ "Tom could not speak the name…": he stays silent; the next quote is someone else's."""
    assert _introduced("Tom could not speak the name of his brother's ship without a shiver.") is None
    assert _introduced("Tom, who had sailed in her for twenty years, never said a word.") is None
    assert _introduced("Tom made no answer.") is None
    assert _introduced("Tom turned away without saying a word.") is None


def _beat_before(narration: str) -> str | None:
    """The mention the narration right before the last quote offers as its speaker."""
    text = _TALK.format(narration="Mr. Hobbs came in.") + "\n" + narration + ' "I have it here."\n'
    book = Book("Test", "Tester", text, (Chapter(1, "", 0, len(text), 0),))
    b = read_context(book, segment_book(book), None)
    segs = b.by_paragraph[max(b.by_paragraph)]
    k = max(i for i, s in enumerate(segs) if s.kind == "quote")
    tag = tag_before(b, segs[k - 1])
    return None if tag is None else b.text[tag.mention.start : tag.mention.end]


def test_a_beat_before_skips_a_subordinate_clause_and_objects() -> None:
    """ "When Clara handed him the letter, Mr. Hobbs smoothed it out.": Mr. Hobbs acts; not
    Clara (a subordinate clause's subject), not "him" (an object)."""
    assert _beat_before("Clara handed him the letter, and Mr. Hobbs smoothed it out.") == "Clara"
    assert _beat_before("When Clara handed him the letter, Mr. Hobbs smoothed it out.") == "Mr. Hobbs"
    assert _beat_before("After Clara had gone, Tom shook his fist at the door.") == "Tom"
    assert _beat_before("After Clara had gone, his fist shook at the door.") == "his"
    # "before" governing names is a preposition, and "and" joins them: neither acts
    assert _beat_before("When Clara had sat down, passing before Tom and Mr. Hobbs, he folded his arms.") == "he"
