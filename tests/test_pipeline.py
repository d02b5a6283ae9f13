"""The pipeline end to end with the fake engine: files, tags, caching, edits, failures."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from narrator.errors import CastError, NarratorError
from narrator.pipeline import prepare, render
from narrator.script_file import to_text
from narrator.synthesize import spoken_text
from tests.conftest import preset_fake_engine


def test_render_writes_tagged_numbered_chapters_and_playlist(book_path: Path, tmp_path: Path, engine) -> None:
    out = tmp_path / "out"
    result = render(book_path, output=out, engine=engine, title="Harbour", author="Ann Writer")
    folder = out / "Ann Writer" / "Harbour"
    assert [p.name for p in result.files] == ["01 - Chapter 1.mp3", "02 - Chapter 2.mp3"]
    for number, path in enumerate(result.files, 1):
        tags = ID3(path)
        assert tags.version == (2, 3, 0)
        assert str(tags["TRCK"]) == f"{number}/2"
        assert (str(tags["TALB"]), str(tags["TPE1"]), str(tags["TPE2"])) == ("Harbour", "Ann Writer", "Ann Writer")
        assert str(tags["TIT2"]) == f"Chapter {number}" and str(tags["TCON"]) == "Audiobook"
        assert MP3(path).info.length > 3
    playlist = (folder / "Harbour.m3u").read_text(encoding="utf-8").splitlines()
    assert playlist[0] == "#EXTM3U" and playlist[2::2] == [p.name for p in result.files]
    assert not list(folder.glob("*.part"))


def test_every_spoken_word_reaches_the_engine_once(book_path: Path, tmp_path: Path, engine) -> None:
    render(book_path, output=tmp_path / "out", engine=engine)
    spoken = " ".join(text for text, _ in engine.calls)
    words = re.findall(r"[A-Za-z']+", spoken_text(book_path.read_text(encoding="utf-8")))
    assert sorted(re.findall(r"[A-Za-z']+", spoken)) == sorted(words)  # titles announced = headings


def test_characters_speak_in_their_own_voices(book_path: Path, tmp_path: Path, engine) -> None:
    plan = prepare(book_path, output=tmp_path / "out", engine=engine)
    voice = {m.name: m.voice for m in plan.members}
    render(book_path, plan=plan, engine=engine)
    by_text = {spoken_text(t): v for t, v in engine.calls}
    assert by_text["He is late again,"] == voice["Anna"]
    assert by_text["He will come,"] == voice["Tom"]
    assert by_text["Chapter 1"] == voice["Narrator"]
    assert len({voice["Anna"], voice["Tom"], voice["Narrator"]}) == 3


def test_second_render_synthesizes_nothing(book_path: Path, tmp_path: Path, engine) -> None:
    first = render(book_path, output=tmp_path / "out", engine=engine)
    mtimes = [p.stat().st_mtime_ns for p in first.files]
    again = render(book_path, output=tmp_path / "out", engine=engine)
    assert first.stats.synthesized > 0
    assert (again.stats.synthesized, again.chapters_written, again.chapters_unchanged) == (0, 0, 2)
    assert [p.stat().st_mtime_ns for p in again.files] == mtimes


def test_deleted_chapter_is_rebuilt_from_the_cache(book_path: Path, tmp_path: Path, engine) -> None:
    first = render(book_path, output=tmp_path / "out", engine=engine)
    first.files[1].unlink()
    again = render(book_path, output=tmp_path / "out", engine=engine)
    assert (again.stats.synthesized, again.chapters_written) == (0, 1)
    assert again.files[1].exists()


def test_script_edit_resynthesizes_only_that_line(book_path: Path, tmp_path: Path, engine) -> None:
    out = tmp_path / "out"
    plan = prepare(book_path, output=out, engine=engine)
    render(book_path, plan=plan, engine=engine)
    text = to_text(plan.script)
    edited = re.sub(r"^(\[\d+\]) Tom: (\"I told you)", r"\1 Anna: \2", text, flags=re.MULTILINE)
    assert edited != text
    script_file = tmp_path / "edited.txt"
    script_file.write_text(edited, encoding="utf-8")
    result = render(book_path, output=out, engine=engine, script_file=script_file)
    assert (result.stats.synthesized, result.chapters_written, result.chapters_unchanged) == (1, 1, 1)


def test_a_line_the_engine_cannot_say_fails_loudly(book_path: Path, tmp_path: Path) -> None:
    engine = preset_fake_engine(truncate=["always brings fish"])
    with pytest.raises(NarratorError, match=r"chapter 1 .*always brings fish"):
        render(book_path, output=tmp_path / "out", engine=engine)
    # the failed chapter is not written; the other one is (see tests/test_resume.py)
    assert [p.name for p in (tmp_path / "out").rglob("*.mp3")] == ["02 - Chapter 2.mp3"]
    assert not list((tmp_path / "out").rglob("*.part"))


def test_unknown_voice_in_profile_fails_before_synthesis(book_path: Path, tmp_path: Path, engine) -> None:
    voices = tmp_path / "v.toml"
    voices.write_text('[characters.Anna]\nvoice = "en-mars+f9"\n', encoding="utf-8")
    with pytest.raises(CastError, match="Unknown fake voice 'en-mars\\+f9' for 'Anna'"):
        prepare(book_path, voices=[voices], engine=engine)
    assert engine.calls == []


def test_dry_run_plan_estimates_length(book_path: Path, tmp_path: Path, engine) -> None:
    plan = prepare(book_path, output=tmp_path / "out", engine=engine)
    assert [c.chapter.title for c in plan.chapters] == ["Chapter 1", "Chapter 2"]
    assert 10 < sum(c.estimated_seconds for c in plan.chapters) < 60
    assert {m.name for m in plan.members} >= {"Anna", "Tom"}
    assert not (tmp_path / "out").exists()


def test_render_takes_every_prepare_option_but_not_with_a_plan(book_path: Path, tmp_path: Path, engine) -> None:
    """render() forwards prepare()'s keywords (here: no subtitles, a title), and refuses them
    next to a ready plan rather than silently ignoring them."""
    result = render(book_path, output=tmp_path / "out", engine=engine, subtitles="none", title="Harbour")
    folder = result.files[0].parent
    assert folder.name == "Harbour" and not list(folder.glob("*.srt"))
    plan = prepare(book_path, output=tmp_path / "out2", engine=engine)
    with pytest.raises(TypeError, match="title"):
        render(book_path, plan=plan, engine=engine, title="Other")


def test_a_long_paragraph_reaches_the_engine_in_bounded_pieces_with_subtitles_for_all(
        tmp_path: Path, engine) -> None:
    """Issue 10: a hard-wrapped chapter that is one paragraph was one engine call, so memory
    followed the paragraph. Now every call is bounded, and every word still reaches the engine
    once and the subtitles."""
    from narrator.chapter import MAX_UTTERANCE_CHARS
    from narrator.subtitles import parse_stamp

    sentences = [f"The keeper climbed stair number {i} and looked out over the dark water. " for i in range(60)]
    book = tmp_path / "keeper.txt"
    book.write_text("Chapter 1\n\n" + "".join(sentences) + "\n", encoding="utf-8")
    result = render(book, output=tmp_path / "out", engine=engine)
    assert len(engine.calls) > 2 and max(len(text) for text, _ in engine.calls) <= MAX_UTTERANCE_CHARS
    words = re.findall(r"[A-Za-z0-9]+", "".join(sentences))
    assert re.findall(r"[A-Za-z0-9]+", " ".join(t for t, _ in engine.calls))[2:] == words  # after "Chapter 1"
    srt = result.files[0].with_suffix(".srt").read_text(encoding="utf-8")
    assert re.findall(r"[A-Za-z0-9]+", " ".join(b.split("\n", 2)[2] for b in srt.strip().split("\n\n")))[2:] == words
    last_end = parse_stamp(re.findall(r"--> (\S+)", srt)[-1])
    assert abs(last_end - MP3(result.files[0]).info.length) < 0.1
