"""One chapter: lexicon respelling in the plan, markers and cues from a timeline, picklable jobs."""
from __future__ import annotations

import pickle
from pathlib import Path

from narrator.assemble import Pacing
from narrator.chapter import ChapterJob, chapter_cues, chapter_markers, plan_chapter
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
