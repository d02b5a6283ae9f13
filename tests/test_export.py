from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode
from mutagen.mp3._util import XingHeader

import narrator.export as export
from narrator.assemble import iter_assembled
from narrator.errors import ExportError
from narrator.export import (
    Tags,
    atomic_write_bytes,
    atomic_write_text,
    book_dir,
    chapter_filename,
    write_mp3,
    write_playlist,
)
from narrator.types import Clip

RATE = 22050
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def speechlike(seconds: float, rate: int = RATE, seed: int = 0) -> bytes:
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    rng = np.random.default_rng(seed)
    wave = np.sin(2 * np.pi * 180 * t) * 6000 + rng.normal(0, 1500, n)
    return np.clip(wave, -32768, 32767).astype("<i2").tobytes()


def tags(**kw) -> Tags:
    base = dict(
        title="Chapter Two", album="The Book", artist="Jane Author", track=2, track_total=5,
        narrator="narrator (espeak)",
    )
    base.update(kw)
    return Tags(**base)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# ----------------------------------------------------------------- MP3 round trip


def test_mp3_round_trip_duration_and_tags(tmp_path):
    pcm = speechlike(3.0)
    path = tmp_path / "02 - Chapter Two.mp3"
    out = write_mp3(Clip(pcm, RATE), RATE, path, tags(cover=JPEG, comment="made by narrator",
                                                      year=2024))
    assert out == path
    audio = MP3(path)
    assert abs(audio.info.length - 3.0) < 0.1
    assert audio.info.sample_rate == RATE
    assert audio.info.channels == 1
    assert audio.info.bitrate_mode == BitrateMode.CBR
    assert round(audio.info.bitrate, -2) == 64000  # from the Info tag: audio bytes over exact length

    id3 = ID3(path)
    assert id3.version == (2, 3, 0)
    assert str(id3["TIT2"]) == "Chapter Two"
    assert str(id3["TALB"]) == "The Book"
    assert str(id3["TPE1"]) == "Jane Author"
    assert str(id3["TPE2"]) == "Jane Author"  # album artist defaults to the artist
    assert str(id3["TRCK"]) == "2/5"
    assert str(id3["TCON"]) == "Audiobook"
    assert str(id3["TCOM"]) == "narrator (espeak)"
    assert str(id3["TDRC"]) == "2024"  # mutagen reads v2.3 TYER back as TDRC
    raw = path.read_bytes()[:4096]
    assert b"TYER" in raw and b"TDRC" not in raw
    assert id3.getall("COMM")[0].text == ["made by narrator"]
    apic = id3.getall("APIC")
    assert len(apic) == 1 and apic[0].data == JPEG and apic[0].mime == "image/jpeg"
    assert apic[0].type == 3
    assert leftovers(tmp_path) == [path.name]


def test_mp3_streamed_chunks_match_expected_length_and_unicode_tags(tmp_path):
    clips = [Clip(speechlike(0.7, seed=i), RATE) for i in range(6)]
    pauses = [0.25, 0.45, 0.6, 1.5, 0.3]
    expected = sum(c.seconds for c in clips) + sum(int(round(RATE * p)) for p in pauses) / RATE
    path = tmp_path / "x.mp3"
    write_mp3(
        iter_assembled(clips, pauses, sample_rate=RATE), RATE, path,
        tags(title="Ère nouvelle — 第一章", album_artist="Narrator Co", cover=PNG),
    )
    audio = MP3(path)
    assert abs(audio.info.length - expected) < 0.1
    id3 = ID3(path)
    assert str(id3["TIT2"]) == "Ère nouvelle — 第一章"
    assert str(id3["TPE2"]) == "Narrator Co"
    assert id3.getall("APIC")[0].mime == "image/png"


def test_every_mp3_carries_a_lame_info_tag_with_its_exact_length(tmp_path):
    """The first frame after the ID3 tag is LAME's Info frame: frame and byte counts, encoder
    delay and padding, so mutagen's length is the PCM's to the sample (it was ~1.5 frames long)."""
    clips = [Clip(speechlike(0.7, seed=i), RATE) for i in range(4)]
    path = tmp_path / "x.mp3"
    frames = 0

    def counted():
        nonlocal frames
        for chunk in iter_assembled(clips, [0.25, 0.45, 1.5], sample_rate=RATE):
            frames += len(chunk) // 2
            yield chunk

    write_mp3(counted(), RATE, path, tags(cover=PNG))
    audio = MP3(path)
    assert audio.info.length * RATE == pytest.approx(frames, abs=1e-6)
    data = path.read_bytes()
    start = audio.info.frame_offset  # where the ID3 tag ends
    assert data[start : start + 2] == b"\xff\xf3"  # an MPEG-2 Layer III frame, no CRC
    xing = XingHeader(io.BytesIO(data[start + 13 :]))
    assert xing.is_info and xing.bytes == len(data) - start
    assert xing.lame_header is not None and xing.lame_header.encoder_delay_start == 576
    assert xing.frames * 576 - 576 - xing.lame_header.encoder_padding_end == frames


@pytest.mark.skipif(shutil.which("ffprobe") is None or shutil.which("ffmpeg") is None,
                    reason="ffprobe/ffmpeg not installed")
def test_ffprobe_does_not_estimate_and_ffmpeg_decodes_every_sample(tmp_path):
    pcm = speechlike(2.0) + speechlike(0.013, seed=3)
    path = write_mp3([pcm], RATE, tmp_path / "x.mp3", tags())
    warned = subprocess.run(["ffprobe", "-v", "warning", str(path)], capture_output=True, text=True)
    assert warned.returncode == 0 and warned.stderr == ""  # was "Estimating duration from bitrate"
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-acodec", "pcm_s16le",
                              "-"], capture_output=True, check=True).stdout
    assert len(decoded) == len(pcm)  # no encoder delay, no padding: gapless
    error = np.frombuffer(decoded, "<i2").astype(float) - np.frombuffer(pcm, "<i2")
    assert np.sqrt(np.mean(error**2)) < 0.25 * np.sqrt(np.mean(np.frombuffer(pcm, "<i2").astype(float) ** 2))


def test_encoder_output_that_is_no_mp3_stream_is_an_export_error(tmp_path, monkeypatch):
    class Junk:
        def Encoder(self):  # noqa: N802 - mirrors lameenc.Encoder
            return self

        def __getattr__(self, name):
            return lambda *args: b"RIFF not an mp3 frame" if name in ("encode", "flush") else None

    monkeypatch.setattr(export, "_lameenc", lambda: Junk())
    path = tmp_path / "j.mp3"
    with pytest.raises(ExportError, match=r"could not encode .*j\.mp3: no MP3 frame at byte 0"):
        write_mp3([speechlike(0.3)], RATE, path, tags())
    assert leftovers(tmp_path) == []


def test_mp3_without_optional_tags(tmp_path):
    path = tmp_path / "bare.mp3"
    write_mp3([speechlike(1.0)], RATE, path, Tags(title="Only a title"))
    id3 = ID3(path)
    assert str(id3["TIT2"]) == "Only a title"
    assert str(id3["TCON"]) == "Audiobook"
    for frame in ("APIC", "TRCK", "TCOM", "TALB", "TPE1", "TPE2"):
        assert not id3.getall(frame)


def test_odd_sized_chunks_are_rejoined_across_sample_boundaries(tmp_path):
    pcm = speechlike(1.0)
    pieces = [pcm[i : i + 333] for i in range(0, len(pcm), 333)]  # odd splits mid-sample
    path = tmp_path / "odd.mp3"
    write_mp3(iter(pieces), RATE, path, tags())
    assert abs(MP3(path).info.length - 1.0) < 0.1


def test_stream_ending_mid_sample_fails_cleanly(tmp_path):
    path = tmp_path / "bad.mp3"
    with pytest.raises(ExportError, match="middle of a sample"):
        write_mp3([speechlike(0.5) + b"\x01"], RATE, path, tags())
    assert leftovers(tmp_path) == []


def test_empty_audio_is_an_error(tmp_path):
    with pytest.raises(ExportError, match="no audio"):
        write_mp3([], RATE, tmp_path / "empty.mp3", tags())
    assert leftovers(tmp_path) == []


def test_clip_rate_must_match(tmp_path):
    with pytest.raises(ValueError):
        write_mp3(Clip(speechlike(0.1, rate=16000), 16000), RATE, tmp_path / "a.mp3", tags())


def test_creates_parent_directories(tmp_path):
    path = tmp_path / "Author" / "Title" / "01 - One.mp3"
    write_mp3([speechlike(0.5)], RATE, path, tags())
    assert path.is_file()


def test_file_mode_follows_umask_not_tempfile_0600(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_mp3([speechlike(0.2)], RATE, tmp_path / "m.mp3", tags())
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


# ----------------------------------------------------------------- atomicity


def test_failure_mid_stream_leaves_no_final_and_no_part_file(tmp_path):
    class Boom(RuntimeError):
        pass

    def chunks():
        yield speechlike(1.0)
        yield speechlike(1.0, seed=1)
        raise Boom("synthesis died")

    path = tmp_path / "01 - One.mp3"
    with pytest.raises(Boom):
        write_mp3(chunks(), RATE, path, tags())
    assert leftovers(tmp_path) == []


def test_failure_keeps_the_previous_good_file(tmp_path):
    path = tmp_path / "01 - One.mp3"
    write_mp3([speechlike(1.0)], RATE, path, tags())
    before = path.read_bytes()

    def chunks():
        yield speechlike(2.0)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_mp3(chunks(), RATE, path, tags())
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == [path.name]


def test_disk_full_becomes_one_line_export_error(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(export.os, "fsync", full)
    path = tmp_path / "01 - One.mp3"
    with pytest.raises(ExportError) as info:
        write_mp3([speechlike(0.5)], RATE, path, tags())
    message = str(info.value)
    assert message == f"could not write {path}: No space left on device"
    assert "\n" not in message
    assert leftovers(tmp_path) == []


def test_tagging_failure_is_one_line_export_error(tmp_path, monkeypatch):
    from mutagen import MutagenError

    def broken_save(self, *args, **kwargs):
        raise MutagenError(OSError(errno.EDQUOT, os.strerror(errno.EDQUOT)))

    monkeypatch.setattr(export.ID3, "save", broken_save)
    path = tmp_path / "t.mp3"
    with pytest.raises(ExportError) as info:
        write_mp3([speechlike(0.3)], RATE, path, tags())
    assert str(info.value) == f"could not tag {path}: {os.strerror(errno.EDQUOT)}"
    assert leftovers(tmp_path) == []


def test_unwritable_destination_is_export_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ExportError, match="could not write"):
        write_mp3([speechlike(0.2)], RATE, blocker / "a.mp3", tags())


def test_bad_encoder_settings_are_export_error(tmp_path):
    with pytest.raises(ExportError, match="encoder"):
        write_mp3([speechlike(0.2)], RATE, tmp_path / "a.mp3", tags(), bitrate=7)
    with pytest.raises(ExportError, match="encoder"):
        write_mp3([speechlike(0.2)], RATE, tmp_path / "a.mp3", tags(), quality=10)
    assert leftovers(tmp_path) == []


def test_atomic_write_helpers(tmp_path):
    p = atomic_write_bytes(tmp_path / "sub" / "a.bin", b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    t = atomic_write_text(tmp_path / "a.txt", "héllo\n")
    assert t.read_bytes() == "héllo\n".encode()
    atomic_write_text(tmp_path / "a.txt", "second")
    assert t.read_text(encoding="utf-8") == "second"
    assert leftovers(tmp_path) == ["a.txt", "sub"]


# ----------------------------------------------------------------- names


@pytest.mark.parametrize(
    "index, total, title, expected",
    [
        (1, 12, "Chapter Title", "01 - Chapter Title.mp3"),
        (3, 9, "The Storm", "03 - The Storm.mp3"),
        (7, 100, "Seven", "007 - Seven.mp3"),
        (12, 1500, "Twelve", "0012 - Twelve.mp3"),
        (2, 5, "Chapter 2: The Storm", "02 - Chapter 2 - The Storm.mp3"),
        (2, 5, 'What? "No" <never> | *ever*', "02 - What 'No' never - ever.mp3"),
        (2, 5, "AC/DC \\ back", "02 - AC-DC - back.mp3"),
        (2, 5, "Tabs\tand\nnew\x00lines\x1f", "02 - Tabs and new lines.mp3"),
        (2, 5, "The End...", "02 - The End.mp3"),
        (2, 5, "  trailing spaces .  ", "02 - trailing spaces.mp3"),
        (2, 5, "...", "02 - Chapter 2.mp3"),
        (2, 5, "", "02 - Chapter 2.mp3"),
        (2, 5, "Café — Ünïcode", "02 - Café — Ünïcode.mp3"),
        (2, 5, "co\u00adoperate\u200b", "02 - cooperate.mp3"),
    ],
)
def test_chapter_filename_table(index, total, title, expected):
    assert chapter_filename(index, total, title) == expected


def test_chapter_filename_length_limited():
    name = chapter_filename(1, 10, "word " * 200)
    assert len(name) <= 120
    assert not name[:-4].endswith((" ", "."))
    wide = chapter_filename(1, 10, "章" * 300)
    assert len(wide.encode("utf-8")) < 255


@given(st.text(max_size=400))
def test_sanitized_names_are_portable(title):
    name = export.sanitize_name(title, fallback="X")
    assert name
    assert not set(name) & set('/\\:*?"<>|')
    assert all(ord(ch) >= 32 and ord(ch) != 127 for ch in name)
    assert name == name.strip(" ") and not name.endswith(".") and not name.startswith(".")
    assert len(name) <= export.MAX_NAME_CHARS
    assert len(name.encode("utf-8")) <= export.MAX_NAME_BYTES
    assert name not in (".", "..")


def test_book_dir(tmp_path):
    assert book_dir(tmp_path, "Mary Shelley", "Frankenstein; or, The Modern Prometheus") == (
        tmp_path / "Mary Shelley" / "Frankenstein; or, The Modern Prometheus"
    )
    assert book_dir(tmp_path, "", "  ") == tmp_path / "Unknown Author" / "Untitled"
    assert book_dir(tmp_path, "..", ".") == tmp_path / "Unknown Author" / "Untitled"
    assert book_dir(tmp_path, "A/B", "C:D") == tmp_path / "A-B" / "C - D"
    assert book_dir(tmp_path, "CON", "nul.txt") == tmp_path / "CON_" / "nul.txt_"
    assert not (tmp_path / "Unknown Author").exists()  # naming only, no side effects


# ----------------------------------------------------------------- playlist


def test_playlist_content(tmp_path):
    folder = tmp_path / "Author" / "Book"
    paths = [folder / "01 - One.mp3", folder / "02 - Two, Again.mp3"]
    playlist = write_playlist(paths, folder / "Book.m3u", ["One", "Two,\nAgain"], [61.4, 3599.6])
    assert playlist == folder / "Book.m3u"
    assert playlist.read_text(encoding="utf-8") == (
        "#EXTM3U\n"
        "#EXTINF:61,One\n"
        "01 - One.mp3\n"
        "#EXTINF:3600,Two, Again\n"
        "02 - Two, Again.mp3\n"
    )


def test_playlist_paths_relative_to_playlist_dir(tmp_path):
    paths = [tmp_path / "Book" / "01 - One.mp3"]
    text = write_playlist(paths, tmp_path / "lists" / "all.m3u", ["One"], [1.0]).read_text()
    assert text.splitlines()[2] == "../Book/01 - One.mp3"


def test_playlist_lengths_must_match(tmp_path):
    with pytest.raises(ValueError):
        write_playlist([tmp_path / "a.mp3"], tmp_path / "p.m3u", [], [1.0])
    assert leftovers(tmp_path) == []


# ----------------------------------------------------------------- chapters, series, cover, layout


def test_markers_become_chap_frames_with_a_ctoc(tmp_path):
    from narrator.export import Marker

    path = tmp_path / "01 - A.mp3"
    marks = [Marker("Scene 2", 1500, 3000), Marker("Chapter One", 0, 9999)]
    write_mp3(Clip(speechlike(3.0), RATE), RATE, path, tags(), markers=lambda: marks)
    id3 = ID3(path)
    assert id3.version == (2, 3, 0)
    chaps = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    assert [(c.start_time, c.end_time, str(c.sub_frames["TIT2"])) for c in chaps] == [
        (0, 1500, "Chapter One"), (1500, 3000, "Scene 2")]
    (toc,) = id3.getall("CTOC")
    assert toc.child_element_ids == [c.element_id for c in chaps]


def test_series_tags_players_read(tmp_path):
    path = tmp_path / "s.mp3"
    write_mp3(Clip(speechlike(0.5), RATE), RATE, path, tags(series="Discworld", series_index="3"))
    id3 = ID3(path)
    assert str(id3["TXXX:SERIES"]) == "Discworld" and str(id3["TXXX:SERIES-PART"]) == "3"
    assert str(id3["MVNM"]) == "Discworld" and str(id3["MVIN"]) == "3"
    assert str(id3["TIT1"]) == "Discworld, Book 3"


def test_book_dir_with_series_is_audiobookshelf_layout(tmp_path):
    assert book_dir(tmp_path, "Terry Pratchett", "Mort") == tmp_path / "Terry Pratchett" / "Mort"
    assert book_dir(tmp_path, "Terry Pratchett", "Mort", "Discworld", "4") == (
        tmp_path / "Terry Pratchett" / "Discworld" / "Book 4 - Mort")
    assert book_dir(tmp_path, "T", "Mort", "Discworld") == tmp_path / "T" / "Discworld" / "Mort"
    assert book_dir(tmp_path, "T", "Mort", "  ", "4") == tmp_path / "T" / "Mort"


def test_split_series_reads_an_index_from_the_name():
    from narrator.export import split_series

    assert split_series("Discworld #3") == ("Discworld", "3")
    assert split_series("Discworld, Book 2.5") == ("Discworld", "2.5")
    assert split_series("The 39 Steps") == ("The 39 Steps", None)
    assert split_series("Discworld", 4.0) == ("Discworld", "4")
    assert split_series(None) == (None, None)


def test_cover_file_by_content_and_atomic(tmp_path):
    """(A cover of the other kind that narrator wrote before is removed with the book's other
    stale files, by narrator.resume.prune; one it did not write stays: tests/test_output.py.)"""
    from narrator.export import cover_path, write_cover

    assert write_cover(tmp_path, None) is None
    jpg = write_cover(tmp_path, JPEG)
    assert jpg == tmp_path / "cover.jpg" == cover_path(tmp_path, JPEG) and jpg.read_bytes() == JPEG
    mtime = jpg.stat().st_mtime_ns
    assert write_cover(tmp_path, JPEG).stat().st_mtime_ns == mtime  # unchanged: not rewritten
    png = write_cover(tmp_path, PNG)
    assert png == tmp_path / "cover.png" and png.read_bytes() == PNG
    assert leftovers(tmp_path) == ["cover.jpg", "cover.png"]


def test_image_type_by_magic_number():
    from narrator.export import image_type

    assert image_type(JPEG) == ("image/jpeg", ".jpg") and image_type(PNG) == ("image/png", ".png")
    assert image_type(b"GIF89a....") == ("image/gif", ".gif")
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image/webp", ".webp")
