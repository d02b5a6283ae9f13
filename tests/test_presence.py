"""Scene presence (attribute/presence.py): who spoke or acted lately in the scene."""

from __future__ import annotations

from narrator.attribute._text import tokenize
from narrator.attribute.core import _advance, decide_step, start_pass
from narrator.attribute.decode import GREEDY, decode
from narrator.attribute.presence import is_scene_break, leaves, present
from narrator.segment import segment_book
from narrator.types import Book, Chapter, Character

CAST = [Character("Tom", (), "male"), Character("Harry", (), "male"), Character("Mary", (), "female")]


def present_at_end(text: str) -> dict[str, tuple[int, int]]:
    """Who is present when an untagged "Well?" follows `text`, as the ranker sees it."""
    text += '\n"Well?"\n'
    book = Book("Test", "Tester", text, (Chapter(1, "", 0, len(text), 0),))
    segments = segment_book(book)
    state, paragraphs = start_pass(book, segments, CAST)
    state = decode(state, paragraphs[:-1], decide_step, GREEDY)
    last = paragraphs[-1][2][0]
    _advance(state, last.start)  # the narration before the quote, as the ranker reads it
    return present(state.book, state.history, last.start, last.paragraph)


def test_speakers_and_subjects_are_present_objects_and_quoted_names_are_not() -> None:
    p = present_at_end(
        'Tom sat down beside Harry.\n\n"Have you seen Mary today?" said Tom.\n\nHe poured the tea.\n'
    )
    assert set(p) == {"Tom"}


def test_a_person_who_went_out_is_no_longer_present() -> None:
    p = present_at_end(
        'Tom and Harry sat by the fire.\n\n"I am going to bed," said Harry.\n\n'
        "Harry went out. Tom stared at the door behind Harry.\n"
    )
    assert set(p) == {"Tom"}


def test_a_scene_break_ends_presence() -> None:
    before = 'Harry stood by the window.\n\n"It will rain," said Harry.\n\n'
    p = present_at_end(before + "Tom walked home.\n")
    assert set(p) == {"Harry", "Tom"}
    p = present_at_end(before + "* * *\n\nTom walked home.\n")
    assert set(p) == {"Tom"}


def test_presence_fades_after_the_window() -> None:
    filler = "".join(f"The clock struck {n}.\n\n" for n in range(20))
    p = present_at_end('"It will rain," said Harry.\n\n' + filler + "Tom laughed.\n")
    assert set(p) == {"Tom"}


def test_leaving_words() -> None:
    def says_left(text: str) -> bool:
        toks = tokenize(text)
        return leaves(toks, 1)

    assert says_left("He went out of the room.")
    assert says_left("She had quietly left the house.")
    assert says_left("Tom hurried away.")
    assert not says_left("He went to the window.")
    assert not says_left("She looked out.")


def test_scene_break_marks() -> None:
    assert is_scene_break("* * *")
    assert is_scene_break("  #  ")
    assert is_scene_break("~~~")
    assert not is_scene_break("")
    assert not is_scene_break("\n\n")
    assert not is_scene_break("Chapter 2")
