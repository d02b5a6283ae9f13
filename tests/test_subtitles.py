"""Subtitle files: SRT/VTT syntax, speaker labels, long lines split, format switching."""
from __future__ import annotations

from pathlib import Path

import pytest

from narrator.subtitles import Cue, parse_stamp, split_cue, to_srt, to_vtt, write_subtitles


def test_srt_and_vtt_syntax_with_labels():
    cues = [Cue(0.05, 1.2345, "Chapter 1"), Cue(3661.5, 3662.0, "You're late & <rude>", "Tobias")]
    assert to_srt(cues) == ("1\n00:00:00,050 --> 00:00:01,234\nChapter 1\n\n"
                            "2\n01:01:01,500 --> 01:01:02,000\n[Tobias] You're late & <rude>\n")
    assert to_vtt(cues) == ("WEBVTT\n\n00:00:00.050 --> 00:00:01.234\nChapter 1\n\n"
                            "01:01:01.500 --> 01:01:02.000\n[Tobias] You're late &amp; &lt;rude&gt;\n")
    assert parse_stamp("01:01:01,500") == pytest.approx(3661.5)


def test_long_lines_split_at_sentences_with_times_shared_by_length():
    text = ("The rain came down on the harbour all evening. " * 3).strip()
    pieces = split_cue(Cue(10.0, 20.0, text, "Anna"))
    assert len(pieces) > 1 and all(len(p.text) <= 84 for p in pieces)
    assert " ".join(p.text for p in pieces) == text
    assert pieces[0].start == 10.0 and pieces[-1].end == 20.0
    assert all(a.end == pytest.approx(b.start) for a, b in zip(pieces, pieces[1:]))
    assert all(p.speaker == "Anna" for p in pieces)
    one_sentence = split_cue(Cue(0, 1, "word " * 40))
    assert all(0 < len(p.text) <= 84 for p in one_sentence)


def test_switching_format_removes_the_other_file(tmp_path: Path):
    audio = tmp_path / "01 - A.mp3"
    cues = [Cue(0, 1, "Hello")]
    assert write_subtitles(audio, cues, "srt") == tmp_path / "01 - A.srt"
    assert write_subtitles(audio, cues, "vtt") == tmp_path / "01 - A.vtt"
    assert not (tmp_path / "01 - A.srt").exists()
    assert write_subtitles(audio, cues, "none") is None
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        write_subtitles(audio, cues, "ass")
