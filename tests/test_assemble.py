from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrator.assemble import (
    Pacing,
    assemble,
    boundary,
    is_scene_break,
    iter_assembled,
    pause_frames,
    pauses_for,
    resample,
    trim_silence,
)
from narrator.errors import CastError
from narrator.types import Clip, Line, Segment

RATE = 22050


def tone(frames: int, rate: int = RATE, amp: int = 8000, seed: int = 0) -> Clip:
    """Non-silent PCM (every sample loud), so trimming would never change it."""
    rng = np.random.default_rng(seed)
    signs = rng.choice(np.array([-1, 1]), size=frames)
    return Clip((signs * amp).astype("<i2").tobytes(), rate)


def padded(frames_silent: int, frames_loud: int, rate: int = RATE) -> Clip:
    quiet = bytes(frames_silent * 2)
    return Clip(quiet + tone(frames_loud, rate).pcm + quiet, rate)


# ----------------------------------------------------------------- frame counts, whole samples


def test_exact_frame_count_is_clip_frames_plus_pause_frames():
    clips = [tone(1000, seed=1), tone(2345, seed=2), tone(7, seed=3), tone(10000, seed=4)]
    pauses = [0.25, 0.45, 1.5]
    out = assemble(clips, pauses)
    expected = sum(c.frames for c in clips) + sum(int(round(RATE * p)) for p in pauses)
    assert out.frames == expected
    assert len(out.pcm) == expected * 2
    assert out.sample_rate == RATE


@pytest.mark.parametrize("seconds", [0.15, 0.25, 0.30, 0.45, 0.75])
def test_odd_sample_pauses_give_even_byte_counts(seconds):
    out = assemble([tone(3), tone(5)], [seconds])
    assert len(out.pcm) % 2 == 0
    assert out.frames == 8 + int(round(RATE * seconds))


@given(
    st.floats(min_value=0, max_value=5, allow_nan=False),
    st.sampled_from([8000, 16000, 22050, 24000, 44100]),
)
def test_pause_frames_whole_and_close(seconds, rate):
    n = pause_frames(rate, seconds)
    assert isinstance(n, int)
    assert abs(n - rate * seconds) <= 0.5


def test_output_content_is_clips_in_order_with_zero_silence():
    a, b = tone(10, seed=1), tone(20, seed=2)
    out = assemble([a, b], [0.001])  # 22.05 → 22 frames
    assert out.pcm == a.pcm + bytes(22 * 2) + b.pcm


def test_zero_pause_and_single_and_empty():
    a, b = tone(10, seed=1), tone(20, seed=2)
    assert assemble([a, b], [0.0]).pcm == a.pcm + b.pcm
    assert assemble([a], []).pcm == a.pcm
    empty = assemble([], [], sample_rate=RATE)
    assert empty.pcm == b"" and empty.sample_rate == RATE
    with pytest.raises(ValueError):
        assemble([], [])


@pytest.mark.parametrize("pauses", [[], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3, 0.4]])
def test_pause_count_must_be_one_less_than_clips(pauses):
    with pytest.raises(ValueError, match="pauses"):
        assemble([tone(5), tone(5), tone(5)], pauses)


def test_streaming_form_checks_pause_count_lazily():
    with pytest.raises(ValueError, match="fewer pauses"):
        list(iter_assembled(iter([tone(5), tone(5)]), iter([])))
    with pytest.raises(ValueError, match="more pauses"):
        list(iter_assembled(iter([tone(5), tone(5)]), iter([0.1, 0.2])))


@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf])
def test_bad_pause_rejected(bad):
    with pytest.raises(ValueError):
        assemble([tone(5), tone(5)], [bad])


def test_odd_byte_clip_rejected():
    with pytest.raises(ValueError, match="odd"):
        assemble([Clip(b"\x00\x01\x02", RATE)], [])


# ----------------------------------------------------------------- linearity by construction


def test_streaming_yields_clip_bytes_uncopied_one_chunk_per_piece():
    """No accumulation anywhere: each chunk is a clip's own bytes object or one pause."""
    clips = [tone(50 + i % 7, seed=i) for i in range(2000)]
    pauses = [(0.25, 0.45, 0.6)[i % 3] for i in range(1999)]
    chunks = list(iter_assembled(clips, pauses))
    assert len(chunks) == 2 * 2000 - 1
    assert all(chunk is clip.pcm for chunk, clip in zip(chunks[::2], clips))
    silences = {id(c) for c in chunks[1::2]}
    assert len(silences) == 3  # one cached silence buffer per distinct pause length


def test_assemble_joins_once(monkeypatch):
    """`assemble` is one `b"".join` over the streamed chunks; spy on the chunk generator."""
    import narrator.assemble as mod

    calls = []
    real = mod.iter_assembled

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(mod, "iter_assembled", spy)
    clips = [tone(30, seed=i) for i in range(2000)]
    pauses = [0.25] * 1999
    out = mod.assemble(clips, pauses)
    assert calls == [1]
    assert out.frames == 2000 * 30 + 1999 * int(round(RATE * 0.25))


# ----------------------------------------------------------------- sample rates


def test_mixed_rates_are_resampled_to_first_clip_rate():
    a = tone(2205, rate=22050)
    b = tone(1600, rate=16000)  # 0.1 s
    out = assemble([a, b], [0.0])
    assert out.sample_rate == 22050
    assert out.frames == 2205 + 2205


def test_explicit_output_rate():
    out = assemble([tone(2205, rate=22050), tone(4410, rate=44100)], [0.5], sample_rate=16000)
    assert out.sample_rate == 16000
    assert out.frames == 1600 + 8000 + 1600


def test_resample_preserves_a_tone():
    t = np.arange(16000) / 16000
    sine = (np.sin(2 * np.pi * 440 * t) * 10000).astype("<i2")
    up = resample(Clip(sine.tobytes(), 16000), 22050)
    got = np.frombuffer(up.pcm, "<i2").astype(float)
    want = np.sin(2 * np.pi * 440 * np.arange(len(got)) / 22050) * 10000
    assert up.frames == 22050
    # linear interpolation error on a 440 Hz tone; the last sample holds the final input value
    assert np.max(np.abs(got - want)[:-1]) < 300


def test_resample_same_rate_is_identity():
    c = tone(10)
    assert resample(c, RATE) is c


# ----------------------------------------------------------------- trimming


def test_trim_removes_engine_padding_keeping_a_short_margin():
    clip = padded(frames_silent=4410, frames_loud=1000)  # 200 ms each side
    trimmed = trim_silence(clip, keep=0.01)
    margin = int(round(0.01 * RATE))
    assert trimmed.frames == 1000 + 2 * margin


def test_trim_in_assemble_makes_the_gap_the_pacing_pause():
    clip = padded(frames_silent=4410, frames_loud=1000)
    out = assemble([clip, clip], [0.45], trim=True)
    samples = np.frombuffer(out.pcm, "<i2")
    loud = np.flatnonzero(samples != 0)
    gaps = np.diff(loud)
    longest_gap = int(gaps.max()) - 1
    assert abs(longest_gap - int(round(0.45 * RATE))) <= 2 * int(round(0.01 * RATE))
    # without trimming the engine padding would add 400 ms to the gap
    untrimmed = assemble([clip, clip], [0.45])
    assert untrimmed.frames - out.frames == 4 * (4410 - int(round(0.01 * RATE)))


def test_trim_all_silent_and_untouched():
    assert trim_silence(Clip(bytes(100), RATE)).pcm == b""
    loud = tone(100)
    assert trim_silence(loud) is loud


# ----------------------------------------------------------------- boundaries and pacing


def line(paragraph: int, speaker: str | None, start: int = 0, end: int = 0) -> Line:
    kind = "narration" if speaker is None else "quote"
    return Line(chapter=1, segment=Segment(start, end, kind, paragraph, ""), speaker=speaker)


NARR = None


@pytest.mark.parametrize(
    "prev, nxt, between, is_title, expected",
    [
        (line(1, NARR), line(1, NARR), " ", False, "same_speaker"),
        (line(1, "Ann"), line(1, "Ann"), " ", False, "same_speaker"),
        (line(1, NARR), line(1, "Ann"), " ", False, "speaker_change"),
        (line(1, "Ann"), line(1, NARR), ", ", False, "speaker_change"),
        (line(1, "Ann"), line(1, "Bob"), " ", False, "speaker_change"),
        (line(1, "Ann"), line(1, "unknown"), " ", False, "speaker_change"),
        (line(1, "Ann"), line(2, "Ann"), "\n\n", False, "paragraph"),
        (line(1, NARR), line(2, "Bob"), "\n\n", False, "paragraph"),
        (line(1, NARR), line(2, NARR), "\n\n***\n\n", False, "scene_break"),
        (line(1, NARR), line(2, NARR), "\n\n* * *\n\n", False, "scene_break"),
        (line(1, NARR), line(2, NARR), "\n\n#\n\n", False, "scene_break"),
        (line(1, NARR), line(2, NARR), "\n\n~~~\n\n", False, "scene_break"),
        (line(1, NARR), line(2, NARR), "\n\n-----\n\n", False, "scene_break"),
        (line(1, NARR), line(2, NARR), "\r\n\r\n  ***  \r\n\r\n", False, "scene_break"),
        (line(1, NARR), line(2, NARR), "\n\n\n", False, "scene_break"),
        (line(1, NARR), line(2, NARR), "\n \n\t\n", False, "scene_break"),
        (line(1, NARR), line(2, NARR), "\r\n\r\n\r\n", False, "scene_break"),
        (line(1, NARR), line(1, NARR), " ", True, "chapter_title"),
        (line(1, NARR), line(2, NARR), "\n\n***\n\n", True, "chapter_title"),
    ],
)
def test_boundary_table(prev, nxt, between, is_title, expected):
    assert boundary(prev, nxt, between, is_title) == expected


@pytest.mark.parametrize(
    "text", ["\n\n", " ", "\n\nHe said ** twice\n\n", "\n\n-- \n\n", "\n\n#hashtag\n\n", "a***b"]
)
def test_not_scene_breaks(text):
    assert not is_scene_break(text)


def test_pauses_for_uses_text_between_lines():
    text = 'He left. "Bye," she said.\n\n***\n\nMorning.\n\nIt rained.'
    lines = [
        line(0, NARR, 0, 8),
        line(0, "Ann", 9, 15),
        line(0, NARR, 16, 25),
        line(1, NARR, 32, 40),
        line(2, NARR, 42, 52),
    ]
    assert [text[ln.segment.start : ln.segment.end] for ln in lines] == [
        "He left.", '"Bye,"', "she said.", "Morning.", "It rained."
    ]
    p = Pacing()
    assert pauses_for(lines, text, p) == [
        p.speaker_change, p.speaker_change, p.scene_break, p.paragraph
    ]


def test_pacing_defaults_and_from_dict():
    p = Pacing()
    assert (p.same_speaker, p.speaker_change, p.paragraph, p.scene_break, p.chapter_title) == (
        0.25, 0.45, 0.6, 1.5, 1.2
    )
    q = Pacing.from_dict({"paragraph": 1, "scene_break": 2.5})
    assert q.paragraph == 1.0 and isinstance(q.paragraph, float)
    assert q.scene_break == 2.5 and q.same_speaker == 0.25
    assert q.seconds("scene_break") == 2.5
    assert Pacing.from_dict({}) == Pacing()


@pytest.mark.parametrize(
    "d, key",
    [
        ({"paragraf": 0.5}, "paragraf"),
        ({"paragraph": "0.5"}, "paragraph"),
        ({"scene_break": True}, "scene_break"),
        ({"same_speaker": -0.1}, "same_speaker"),
        ({"speaker_change": math.nan}, "speaker_change"),
        ({"chapter_title": 1200}, "chapter_title"),
        ({"paragraph": None}, "paragraph"),
    ],
)
def test_pacing_from_dict_names_the_bad_key(d, key):
    with pytest.raises(CastError, match=key):
        Pacing.from_dict(d)


def test_pacing_from_dict_rejects_non_mapping():
    with pytest.raises(CastError):
        Pacing.from_dict([("paragraph", 1.0)])  # type: ignore[arg-type]


# ----------------------------------------------------------------- timeline


@given(st.lists(st.integers(0, 3000), min_size=1, max_size=6), st.data())
def test_timeline_gives_each_clip_its_exact_place(lengths, data):
    clips = [tone(n, seed=i) for i, n in enumerate(lengths)]
    pauses = data.draw(st.lists(st.floats(0, 0.2), min_size=len(clips) - 1, max_size=len(clips) - 1))
    timeline: list[tuple[int, int]] = []
    pcm = b"".join(iter_assembled(clips, pauses, sample_rate=RATE, timeline=timeline))
    assert len(timeline) == len(clips)
    for clip, (start, end) in zip(clips, timeline):
        assert end - start == clip.frames
        assert pcm[start * 2 : end * 2] == clip.pcm
    assert timeline[-1][1] * 2 == len(pcm)


def test_timeline_reports_trimmed_and_resampled_clips():
    timeline: list[tuple[int, int]] = []
    clips = [padded(500, 1000), tone(1000, rate=RATE * 2)]
    pcm = b"".join(iter_assembled(clips, [0.1], sample_rate=RATE, trim=True, timeline=timeline))
    (s1, e1), (s2, e2) = timeline
    assert s1 == 0 and e1 < 1500 and s2 == e1 + pause_frames(RATE, 0.1) and e2 - s2 == 500
    assert e2 * 2 == len(pcm)
