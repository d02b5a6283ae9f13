"""A user's render of the shipped sample with the real espeak-ng engine, read back like a player."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from narrator.pipeline import prepare, render

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tests.conftest import SAMPLE

    root = tmp_path_factory.mktemp("e2e")
    book = root / SAMPLE.name
    shutil.copy(SAMPLE, book)
    cache = root / "cache"
    plan = prepare(book, output=root / "out")
    first = render(book, plan=plan, cache_dir=cache)
    second = render(book, output=root / "out", cache_dir=cache)
    return plan, first, second


def test_sample_renders_three_tagged_chapters(rendered) -> None:  # type: ignore[no-untyped-def]
    plan, first, _ = rendered
    assert [p.name for p in first.files] == [
        "01 - Chapter 1 - The Storm.mp3", "02 - Chapter 2 - The Causeway.mp3", "03 - Chapter 3 - The Logbook.mp3"]
    for number, path in enumerate(first.files, 1):
        audio = MP3(path)
        assert audio.info.sample_rate == 22050 and audio.info.channels == 1
        words = plan.chapters[number - 1].words
        assert 0.5 < audio.info.length / (words * 60 / 175) < 2.0  # about as long as its words
        tags = ID3(path)
        assert str(tags["TRCK"]) == f"{number}/3" and str(tags["TALB"]) == "The Lighthouse Keepers"


def test_second_render_synthesizes_no_line(rendered) -> None:  # type: ignore[no-untyped-def]
    _, first, second = rendered
    assert first.stats.synthesized > 40 and first.stats.retried == 0
    assert second.stats.synthesized == 0 and second.chapters_unchanged == 3


def test_cast_has_distinct_voices(rendered) -> None:  # type: ignore[no-untyped-def]
    plan, _, _ = rendered
    speakers = {m.name: m.voice for m in plan.members if m.lines > 0 and m.name != "Narrator"}
    assert {"Martha", "Tobias"} <= set(speakers) and any("Pell" in name for name in speakers)
    assert len(set(speakers.values())) == len(speakers)
    narrator = next(m.voice for m in plan.members if m.name == "Narrator")
    assert narrator not in speakers.values()


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe not installed")
def test_ffprobe_reads_what_we_wrote(rendered) -> None:  # type: ignore[no-untyped-def]
    _, first, _ = rendered
    out = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json",
                          str(first.files[0])], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout)
    assert info["streams"][0]["codec_name"] == "mp3"
    assert float(info["format"]["duration"]) > 20
    tags = {k.lower(): v for k, v in info["format"]["tags"].items()}
    assert tags["album"] == "The Lighthouse Keepers" and tags["genre"] == "Audiobook"
