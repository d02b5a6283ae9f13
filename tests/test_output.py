"""Player-ready output, read back like a player: a three-chapter book in a series with a cover,
rendered with the fake engine, checked with mutagen and (when installed) ffprobe: tags, cover,
CHAP/CTOC markers, track order, subtitles against the audio, loudness, lexicon, M4B chapters."""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from narrator import loudness as L
from narrator.chapter import ChapterJob, chapter_tags, render_chapter
from narrator.pipeline import load_book, prepare, render
from narrator.subtitles import parse_stamp
from tests.conftest import preset_fake_engine

COVER = base64.b64decode(
    "/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgUFBcUFxsbGxsbGyAeICEhISAgICAhISEkJCQq"
    "KiokJCQhISQkKCgqKi4vLisrKisvLzIyMjw8OTlGRkhWVmf/xABMAAEBAAAAAAAAAAAAAAAAAAAABwEBAQAAAAAAAAAAAAAA"
    "AAAABAcQAQAAAAAAAAAAAAAAAAAAAAARAQAAAAAAAAAAAAAAAAAAAAD/wAARCAAQABADASIAAhEAAxEA/9oADAMBAAIRAxEA"
    "PwCHAKAK/9k="
)

STORY = """# The Night Ferry

## Departure

The ferry left the harbour at dusk, and the gulls followed it out past the light.

"We are late," said Hermione. "We are always late."

"The tide waits for nobody," Tobias replied.

## The Crossing

The sea was calm for the first hour.

* * *

Then the wind came up from the west, and the deck began to roll.

"Hold on to the rail," said Tobias.

## Arrival

By midnight they could see the lamps of the far shore.

"Home," said Hermione. "Home at last." "Warm and dry."
"""

ffprobe = shutil.which("ffprobe")
needs_ffprobe = pytest.mark.skipif(ffprobe is None, reason="ffprobe not installed")
ffmpeg = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(ffprobe is None or ffmpeg is None, reason="ffmpeg/ffprobe not installed")


def decoded(path: Path, exe: str | None = None) -> np.ndarray:
    """Mono 22.05 kHz samples of `path` as ffmpeg plays them (gapless: the LAME tag is honoured)."""
    out = subprocess.run([str(exe or ffmpeg), "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", "22050",
                          "-f", "s16le", "-acodec", "pcm_s16le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<i2")


def onset(pcm: np.ndarray, seconds: float) -> float:
    """Seconds of the first loud sample at most 50 ms before `seconds` (the fake engine's tones
    start at full level, pauses are digital silence)."""
    at = max(0, int((seconds - 0.05) * 22050))
    loud = np.flatnonzero(np.abs(pcm[at : at + 22050].astype(np.int32)) > 1000)
    return (at + int(loud[0])) / 22050


def probe(path: Path, *what: str) -> dict:
    out = subprocess.run([ffprobe, "-v", "error", "-of", "json", *what, str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "night-ferry.md"
    path.write_text(STORY, encoding="utf-8")
    return path


def the_book(path: Path):
    return replace(load_book(path, author="Ann Writer"), cover=COVER, series="The Harbour Books #2")


def cues(path: Path) -> list[tuple[float, float, str]]:
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    out = []
    for block in blocks:
        rows = block.splitlines()
        start, end = rows[1].split(" --> ")
        out.append((parse_stamp(start), parse_stamp(end), " ".join(rows[2:])))
    return out


@pytest.fixture
def rendered(story: Path, tmp_path: Path):
    engine = preset_fake_engine()
    out = tmp_path / "out"
    plan = prepare(story, output=out, engine=engine, book=the_book(story))
    result = render(story, plan=plan, engine=engine)
    return plan, result, engine


def test_series_layout_tags_cover_and_track_order(rendered, tmp_path: Path) -> None:
    plan, result, _ = rendered
    folder = tmp_path / "out" / "Ann Writer" / "The Harbour Books" / "Book 2 - The Night Ferry"
    assert plan.book_dir == folder
    assert [p.name for p in result.files] == ["01 - Departure.mp3", "02 - The Crossing.mp3", "03 - Arrival.mp3"]
    assert sorted(p.name for p in folder.glob("*.mp3")) == [p.name for p in result.files]
    assert (folder / "cover.jpg").read_bytes() == COVER and result.cover == folder / "cover.jpg"
    titles = []
    for number, path in enumerate(result.files, 1):
        id3 = ID3(path)
        assert id3.version == (2, 3, 0)
        assert str(id3["TRCK"]) == f"{number}/3"
        assert (str(id3["TALB"]), str(id3["TPE1"]), str(id3["TPE2"])) == ("The Night Ferry", "Ann Writer", "Ann Writer")
        assert str(id3["TCOM"]) == "narrator" and str(id3["TCON"]) == "Audiobook"
        assert str(id3["TXXX:SERIES"]) == "The Harbour Books" and str(id3["TXXX:SERIES-PART"]) == "2"
        assert str(id3["MVNM"]) == "The Harbour Books" and str(id3["MVIN"]) == "2"
        (apic,) = id3.getall("APIC")
        assert apic.data == COVER and apic.mime == "image/jpeg" and apic.type == 3
        titles.append(str(id3["TIT2"]))
    assert titles == ["Departure", "The Crossing", "Arrival"]


def test_chapter_markers_at_start_and_scene_break(rendered) -> None:
    _, result, _ = rendered
    for path, expected in zip(result.files, (["Departure"], ["The Crossing", "The Crossing, scene 2"], ["Arrival"])):
        id3 = ID3(path)
        chaps = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
        assert [str(c.sub_frames["TIT2"]) for c in chaps] == expected
        assert chaps[0].start_time == 0
        length_ms = MP3(path).info.length * 1000
        assert abs(chaps[-1].end_time - length_ms) <= 0.5  # the exact length, rounded to a ms
        (toc,) = id3.getall("CTOC")
        assert toc.child_element_ids == [c.element_id for c in chaps]
    # the scene marker sits where "Then the wind came up" starts in the subtitles
    scene = sorted(ID3(result.files[1]).getall("CHAP"), key=lambda c: c.start_time)[1]
    (start,) = [s for s, _, text in cues(result.files[1].with_suffix(".srt")) if text.startswith("Then the wind")]
    assert abs(scene.start_time / 1000 - start) < 0.002


@needs_ffprobe
def test_ffprobe_reads_markers_and_tags(rendered) -> None:
    _, result, _ = rendered
    info = probe(result.files[1], "-show_chapters", "-show_format")
    assert [c["tags"]["title"] for c in info["chapters"]] == ["The Crossing", "The Crossing, scene 2"]
    tags = {k.lower(): v for k, v in info["format"]["tags"].items()}
    assert tags["title"] == "The Crossing" and tags["album"] == "The Night Ferry" and tags["track"] == "2/3"


def test_subtitles_follow_the_audio(rendered) -> None:
    _, result, _ = rendered
    for path in result.files:
        srt = path.with_suffix(".srt")
        timed = cues(srt)
        assert all(a < b for a, b, _ in timed)
        assert all(timed[i][1] <= timed[i + 1][0] for i in range(len(timed) - 1))
        duration = MP3(path).info.length
        assert abs(timed[-1][1] - duration) <= 0.0005, (timed[-1], duration)  # the file ends on the last word
    texts = [t for _, _, t in cues(result.files[0].with_suffix(".srt"))]
    assert texts[0] == "Departure"  # the chapter title is announced first, unlabelled
    assert "[Hermione] We are late," in texts and "[Tobias] The tide waits for nobody," in texts
    assert any(t.startswith("The ferry left the harbour") for t in texts)


@needs_ffmpeg
def test_a_player_hears_each_line_where_its_subtitle_and_marker_start(rendered) -> None:
    """Decoded as a gapless player decodes: no ffprobe duration estimate, every sample the
    assembler made and no more, and each cue and scene marker within 1 ms of its first sound
    (they were 50 ms late while the MP3s had no LAME tag and timings added the decoder delay)."""
    _, result, _ = rendered
    for path in result.files:
        warned = subprocess.run([str(ffprobe), "-v", "warning", str(path)], capture_output=True, text=True)
        assert not [row for row in warned.stderr.splitlines() if row.startswith("[mp3")], warned.stderr
        pcm = decoded(path)
        assert len(pcm) == round(MP3(path).info.length * 22050)
        for start, _, text in cues(path.with_suffix(".srt")):
            assert abs(onset(pcm, start) - start) < 0.001, (path.name, text)
        for chap in probe(path, "-show_chapters")["chapters"]:
            start = float(chap["start_time"])
            assert abs(onset(pcm, start) - start) < 0.001, (path.name, chap["tags"]["title"])


def test_pacing_from_the_profile_is_what_the_listener_hears(story: Path, tmp_path: Path) -> None:
    voices = tmp_path / "pace.toml"
    voices.write_text("[pacing]\nsame_speaker = 0.3\nspeaker_change = 0.7\nparagraph = 1.1\n"
                      "scene_break = 2.9\nchapter_title = 1.7\n", encoding="utf-8")
    engine = preset_fake_engine()
    plan = prepare(story, output=tmp_path / "o", engine=engine, voices=[voices], book=the_book(story))
    expected = {"same_speaker": 0.3, "speaker_change": 0.7, "paragraph": 1.1, "scene_break": 2.9,
                "chapter_title": 1.7}
    seen = set()
    for chapter in plan.chapters:
        render_chapter(ChapterJob(chapter, chapter_tags(plan.script.book, chapter.chapter)), engine)
        timed = cues(chapter.path.with_suffix(".srt"))
        gaps = [round(b[0] - a[1], 3) for a, b in zip(timed, timed[1:])]
        assert gaps == [pytest.approx(expected[k], abs=0.002) for k in chapter.kinds]
        seen.update(chapter.kinds)
    assert seen == set(expected)


def test_second_render_skips_and_output_settings_rerender(story: Path, tmp_path: Path) -> None:
    engine = preset_fake_engine()
    out = tmp_path / "out"
    book = the_book(story)
    first = render(story, plan=prepare(story, output=out, engine=engine, book=book), engine=engine)
    assert first.chapters_written == 3
    again = render(story, plan=prepare(story, output=out, engine=engine, book=book), engine=engine)
    assert (again.chapters_written, again.chapters_unchanged, again.stats.synthesized) == (0, 3, 0)
    quieter = render(story, plan=prepare(story, output=out, engine=engine, book=book, loudness=-23),
                     engine=engine)
    assert (quieter.chapters_written, quieter.stats.synthesized) == (3, 0)  # gain changes, cache kept
    vtt = render(story, plan=prepare(story, output=out, engine=engine, book=book, loudness=-23,
                                     subtitles="vtt"), engine=engine)
    assert (vtt.chapters_written, vtt.chapters_unchanged) == (0, 3)  # only the subtitle files are written
    assert all(p.with_suffix(".vtt").exists() and not p.with_suffix(".srt").exists() for p in vtt.files)
    assert vtt.files[0].with_suffix(".vtt").read_text(encoding="utf-8").startswith("WEBVTT\n")


def test_lexicon_changes_what_the_engine_hears_and_only_those_chapters(story: Path, tmp_path: Path) -> None:
    engine = preset_fake_engine()
    out = tmp_path / "out"
    book = the_book(story)
    render(story, plan=prepare(story, output=out, engine=engine, book=book), engine=engine)
    (tmp_path / "night-ferry.lexicon.toml").write_text(
        '[words]\n"Hermione" = "her-my-oh-nee"\n[[regex]]\npattern = "(?i)\\\\bferry\\\\b"\nreplace = "ferri"\n',
        encoding="utf-8")
    engine.calls.clear()
    result = render(story, plan=prepare(story, output=out, engine=engine, book=book), engine=engine)
    heard = [text for text, _ in engine.calls]
    assert "The ferri left the harbour at dusk, and the gulls followed it out past the light." in heard
    assert not any("Hermione" in t or re.search(r"\bferry\b", t, re.I) for t in heard)
    # chapter 2 names neither, so it is not rendered again; the rest is synthesized only where changed
    assert (result.chapters_written, result.chapters_unchanged) == (2, 1)
    assert all("ferri" in t or "her-my-oh-nee" in t for t in heard)  # only changed lines
    # subtitles keep the book's spelling
    srt = result.files[2].with_suffix(".srt").read_text(encoding="utf-8")
    assert "Hermione" in srt and "her-my-oh-nee" not in srt


def test_two_voices_on_the_same_text_are_within_one_lu(story: Path, tmp_path: Path) -> None:
    """Hermione's voice is made very quiet and Tobias's very loud; after matching the book's lines
    are all at the target, whoever speaks them."""
    voices = tmp_path / "v.toml"
    voices.write_text('[characters.Hermione]\nvoice = "en-us+f3"\nvolume = 0.1\n'
                      '[characters.Tobias]\nvoice = "en-gb+m1"\nvolume = 3.0\n', encoding="utf-8")
    engine = preset_fake_engine()
    from narrator.synthesize import LineCache, synthesize_line

    plan = prepare(story, output=tmp_path / "o", engine=engine, voices=[voices], book=the_book(story))
    voice = {m.name: m.voice for m in plan.members}
    text = "The tide waits for nobody, and nobody waits for the tide."
    raw = [synthesize_line(text, voice[n], engine, LineCache(tmp_path / "c")) for n in ("Hermione", "Tobias")]
    before = [L.loudness(c) for c in raw]
    after = [L.loudness(L.match(c, -18.0)) for c in raw]
    assert abs(before[0] - before[1]) > 25 and abs(after[0] - after[1]) < 1.0
    assert all(abs(a + 18) < 0.5 for a in after)


@needs_ffprobe
def test_m4b_has_one_chapter_per_book_chapter(story: Path, tmp_path: Path) -> None:
    from narrator.m4b import ffmpeg_exe

    try:
        ffmpeg_exe()
    except Exception:
        pytest.skip("no ffmpeg (pip install imageio-ffmpeg)")
    engine = preset_fake_engine()
    out = tmp_path / "out"
    plan = prepare(story, output=out, engine=engine, book=the_book(story), format="m4b")
    result = render(story, plan=plan, engine=engine)
    folder = out / "Ann Writer" / "The Harbour Books" / "Book 2 - The Night Ferry"
    assert result.m4b == folder / "The Night Ferry.m4b"
    assert not list(folder.glob("*.mp3")) and (folder / "cover.jpg").exists()
    info = probe(result.m4b, "-show_chapters", "-show_format", "-show_streams")
    assert [c["tags"]["title"] for c in info["chapters"]] == ["Departure", "The Crossing", "Arrival"]
    mp3s = sum(MP3(p).info.length for p in result.files)
    assert abs(float(info["chapters"][-1]["end_time"]) - mp3s) < 0.001
    assert abs(float(info["format"]["duration"]) - mp3s) < 0.001
    # the book's audio is the chapters' samples back to back, each where its chapter starts (it
    # was empty with a cover, and then 1024 samples late: the AAC priming was left in)
    book = decoded(result.m4b, ffmpeg_exe())
    chapters = [decoded(path, ffmpeg_exe()).astype(float) for path in result.files]
    assert abs(len(book) - sum(map(len, chapters))) <= 32
    at = 0
    for pcm, chapter in zip(chapters, info["chapters"]):
        assert abs(float(chapter["start_time"]) - at / 22050) < 0.001
        heard = book[at : at + 11025].astype(float)
        assert np.sqrt(np.mean((heard - pcm[:11025]) ** 2)) < 0.3 * np.sqrt(np.mean(pcm[:11025] ** 2))
        at += len(pcm)
    assert info["format"]["tags"]["title"] == "The Night Ferry"
    kinds = {(s["codec_type"], s["codec_name"]) for s in info["streams"]}
    assert ("audio", "aac") in kinds and ("video", "mjpeg") in kinds
    (audio,) = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert abs(float(audio["duration"]) - mp3s) < 0.001  # the book is heard, not just its chapter list
    mtime = result.m4b.stat().st_mtime_ns
    again = render(story, plan=prepare(story, output=out, engine=engine, book=the_book(story), format="m4b"),
                   engine=engine)
    assert again.chapters_written == 0 and again.m4b.stat().st_mtime_ns == mtime
