"""One chapter: lexicon respelling in the plan, markers and cues from a timeline, picklable jobs."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrator.assemble import Pacing
from narrator.chapter import (
    MAX_UTTERANCE_CHARS,
    ChapterJob,
    chapter_cues,
    chapter_markers,
    plan_chapter,
    split_long,
)
from narrator.export import MP3_DELAY_FRAMES, Tags
from narrator.lexicon import Lexicon
from narrator.pipeline import make_script
from narrator.types import NARRATOR, UNKNOWN, Book, Cast, Chapter, VoiceProfile

TEXT = "Chapter 1\n\nAnna walked in.\n\n* * *\n\n\"Hello Anna,\" said Tom.\n"


def plan(lexicon: Lexicon | None = None):  # type: ignore[no-untyped-def]
    heading_end = TEXT.index("\n")
    book = Book("T", "A", TEXT, (Chapter(1, "Chapter 1", 0, len(TEXT), heading_end, 0),),
                unspoken=((0, heading_end),))
    script = make_script(book)
    cast = Cast({NARRATOR: VoiceProfile(voice="en-gb"), UNKNOWN: VoiceProfile(voice="en-us"),
                 "Tom": VoiceProfile(voice="en-us+m1"), "Anna": VoiceProfile(voice="en-us+f1")})
    return plan_chapter(script, book.chapters[0], cast, Pacing(), Path("x.mp3"), lexicon=lexicon,
                        loudness_target=-20.0, subtitles="vtt")


def test_plan_keeps_book_text_and_the_respelling_apart():
    p = plan(Lexicon((("Anna", "Ahna"), ("Chapter", "Chapteur"))))
    assert [u.text.strip() for u in p.utterances][:2] == ["Chapter 1", "Anna walked in."]
    assert [u.engine_text.strip() for u in p.utterances][:2] == ["Chapteur 1", "Ahna walked in."]
    assert p.utterances[0].is_title and p.kinds[0] == "chapter_title" and "scene_break" in p.kinds
    assert (p.loudness, p.subtitles) == (-20.0, "vtt")
    assert plan().utterances[1].said == ""  # no lexicon: nothing respelled


def test_markers_and_cues_come_from_the_timeline():
    p = plan()
    rate = 1000
    timeline = [(0, 500), (1700, 2500)] + [(3000 + 600 * i, 3500 + 600 * i) for i in range(len(p.utterances) - 2)]
    frames = timeline[-1][1]
    scene = p.kinds.index("scene_break") + 1
    marks = chapter_markers(p, "Chapter 1", timeline, frames, rate)
    assert [m.title for m in marks] == ["Chapter 1", "Chapter 1, scene 2"]
    assert marks[1].start_ms == (timeline[scene][0] + MP3_DELAY_FRAMES) and marks[0].end_ms == marks[1].start_ms
    assert marks[-1].end_ms == frames + MP3_DELAY_FRAMES
    cues = chapter_cues(p, timeline, rate)
    assert cues[0].speaker is None and cues[0].text == "Chapter 1"
    assert cues[1].start == (1700 + MP3_DELAY_FRAMES) / rate
    assert any(c.speaker == "Tom" and c.text.startswith("Hello Anna") for c in cues)


def test_job_is_picklable():
    job = ChapterJob(plan(Lexicon((("Anna", "Ahna"),))), Tags("Chapter 1", cover=b"\xff\xd8x"))
    assert pickle.loads(pickle.dumps(job)) == job


def one_paragraph_book(body: str) -> Book:
    text = "Chapter 1\n\n" + body + "\n"
    return Book("T", "A", text, (Chapter(1, "Chapter 1", 0, len(text), 9, 0),), unspoken=((0, 9),))


def plan_of(book: Book, lexicon: Lexicon | None = None):  # type: ignore[no-untyped-def]
    cast = Cast({NARRATOR: VoiceProfile(voice="en-gb"), UNKNOWN: VoiceProfile(voice="en-us")})
    return plan_chapter(make_script(book), book.chapters[0], cast, Pacing(), Path("x.mp3"), lexicon=lexicon,
                        loudness_target=None, subtitles="srt")


def test_long_narration_is_said_in_pieces_cut_at_sentence_ends() -> None:
    """A 10,000-word paragraph was one engine call (1.8 GB with the fake engine): now pieces of
    at most MAX_UTTERANCE_CHARS, cut after a sentence, joined back they are the paragraph."""
    sentences = [f"The keeper climbed the stair {i} times and looked out over the water. " for i in range(300)]
    book = one_paragraph_book("".join(sentences).rstrip())
    p = plan_of(book)
    (paragraph,) = [line for line in make_script(book).lines if line.segment.text.startswith("The keeper")]
    pieces = [u for u in p.utterances if not u.is_title]
    assert len(pieces) > 1 and all(len(u.text) <= MAX_UTTERANCE_CHARS for u in pieces)
    assert "".join(u.text for u in pieces) == paragraph.segment.text
    assert all(u.text.endswith(". ") for u in pieces[:-1])  # every cut after a full stop
    assert {u.line for u in pieces} == {paragraph}  # the script's line is unchanged, said in pieces
    assert set(p.kinds[1:]) == {"same_speaker"}  # a sentence pause between pieces
    assert p.words == sum(len(s.split()) for s in sentences) + len("Chapter 1".split())


def test_a_short_line_is_one_utterance_with_its_own_text() -> None:
    """Lines under the bound are said whole, as before: their cache keys do not change."""
    book = one_paragraph_book('Anna walked in. "Hello Anna," said Tom.')
    p = plan_of(book)
    spoken = [line.segment.text for line in make_script(book).lines
              if book.is_spoken(line.segment.start, line.segment.end) and line.segment.text.strip()]
    assert [u.text for u in p.utterances if not u.is_title] == spoken


@pytest.mark.parametrize("text, limit, cuts", [
    ("One. Two. Three.", 11, ["One. Two. ", "Three."]),
    ("one, two, three four", 12, ["one, two, ", "three four"]),  # no sentence end: a clause
    ("aa bb cc dd ee", 6, ["aa bb ", "cc dd ", "ee"]),  # nor a clause: a space
    ("x" * 10, 4, ["xxxx", "xxxx", "xx"]),  # nothing to cut at: the limit
])
def test_split_long_prefers_sentences_then_clauses_then_words(text: str, limit: int, cuts: list[str]) -> None:
    assert split_long(text, limit) == cuts


@given(st.text(alphabet=" .,;!?—ab\n\"", max_size=400), st.integers(1, 60))
def test_split_long_covers_the_text_in_bounded_pieces(text: str, limit: int) -> None:
    pieces = split_long(text, limit)
    assert "".join(pieces) == text and all(0 < len(p) <= limit for p in pieces if text)


@pytest.mark.parametrize("replace", ["", "."])
def test_a_lexicon_rule_that_silences_a_line_is_reported_and_the_line_read_as_written(replace: str) -> None:
    book = one_paragraph_book('"Hmm," said Tom. The keeper nodded.')
    lexicon = Lexicon(regex=(("keeper", "lighthouse keeper"), (r"^\W*Hmm\W*$", replace)), source="b.lexicon.toml")
    p = plan_of(book, lexicon)
    (hmm,) = [u for u in p.utterances if "Hmm" in u.text]
    assert hmm.engine_text == hmm.text  # not silenced
    assert any("The lighthouse keeper" in u.engine_text for u in p.utterances)  # other rules still apply
    (emptied,) = p.emptied
    assert emptied.rule == r"Lexicon 'b.lexicon.toml' [[regex]] #2 '^\\W*Hmm\\W*$'"
    assert (emptied.chapter, emptied.offset) == (1, book.text.index('"Hmm'))
