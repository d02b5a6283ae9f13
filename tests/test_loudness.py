"""Loudness matching: BS.1770 measurement, gain to a target, peak limiting, stored decisions."""
from __future__ import annotations

import math

import numpy as np
import pytest

from narrator import loudness as L
from narrator.errors import CastError
from narrator.types import Clip, VoiceProfile
from tests.conftest import preset_fake_engine

RATE = 22050


def tone(seconds: float, amp: float, freq: float = 220.0, rate: int = RATE) -> Clip:
    t = np.arange(int(seconds * rate)) / rate
    return Clip(np.rint(amp * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes(), rate)


def peak(clip: Clip) -> int:
    return int(np.abs(np.frombuffer(clip.pcm, "<i2").astype(np.int32)).max())


def test_quiet_and_loud_lines_end_up_within_a_fraction_of_a_lu():
    quiet, loud = tone(2.0, 0.02, 150), tone(2.0, 0.9, 300)
    assert L.loudness(loud) - L.loudness(quiet) > 30
    out = [L.loudness(L.match(c, -18.0)) for c in (quiet, loud)]
    assert all(abs(v + 18.0) < 0.3 for v in out), out


def test_lines_shorter_than_a_block_are_measured_not_rejected():
    short = tone(0.12, 0.3)
    level = L.loudness(short)
    assert math.isfinite(level)
    assert abs(level - L.loudness(tone(2.0, 0.3))) < 0.5  # same signal, same loudness
    assert abs(L.loudness(L.match(short, -20.0)) + 20.0) < 0.5


def test_silence_and_empty_clips_are_left_alone():
    silent = Clip(bytes(2000), RATE)
    assert L.loudness(silent) == float("-inf")
    assert L.match(silent, -18.0) is silent
    assert L.match(Clip(b"", RATE), -18.0).pcm == b""


def test_no_sample_clips_when_a_peaky_line_is_raised():
    x = np.frombuffer(tone(1.0, 0.02).pcm, "<i2") / 32767
    x[::2000] = 0.99  # clicks: raising the quiet body pushes them far past full scale
    clip = Clip(np.rint(x * 32767).astype("<i2").tobytes(), RATE)
    out = L.match(clip, -14.0)
    assert peak(clip) > 32000 and L.loudness(clip) < -28
    assert peak(out) <= int(32768 * 10 ** (L.PEAK_CEILING_DB / 20)) + 1
    assert abs(L.loudness(out) + 14.0) < 0.5


def test_limiter_keeps_quiet_passages_untouched():
    x = np.concatenate([np.full(1000, 0.1), np.full(10, 1.5), np.full(1000, 0.1)])
    y = L.limit(x, RATE)
    assert np.abs(y).max() <= 10 ** (L.PEAK_CEILING_DB / 20) + 1e-9
    assert np.allclose(y[:700], 0.1) and np.allclose(y[-700:], 0.1)


def test_gain_decision_is_stored_and_reused(tmp_path):
    store = L.GainStore(tmp_path)
    clip = tone(1.0, 0.05)
    first = L.match(clip, -18.0, store)
    again = L.GainStore(tmp_path)
    assert L.match(clip, -18.0, again).pcm == first.pcm
    assert (store.measured, again.measured, again.reused) == (1, 0, 1)
    L.match(clip, -20.0, again)
    assert again.measured == 1  # another target is another decision


def test_corrupt_gain_entry_is_measured_again(tmp_path):
    store = L.GainStore(tmp_path)
    clip = tone(1.0, 0.05)
    store.gain(clip, -18.0)
    store._path(store.key(clip, -18.0)).write_text("garbage", encoding="ascii")
    fresh = L.GainStore(tmp_path)
    fresh.gain(clip, -18.0)
    assert fresh.measured == 1


@pytest.mark.parametrize("value, expected", [
    (-18, -18.0), ("-16.5", -16.5), ("-20 LUFS", -20.0), ("off", None), (False, None), (None, None)])
def test_parse_target(value, expected):
    assert L.parse_target(value) == expected


@pytest.mark.parametrize("value", ["loud", 5, -90, True, float("nan")])
def test_parse_target_rejects_nonsense_in_one_line(value):
    with pytest.raises(CastError, match="loudness") as info:
        L.parse_target(value, "loudness")
    assert "\n" not in str(info.value)


def test_two_fake_voices_on_the_same_text_match_within_one_lu():
    engine = preset_fake_engine()
    text = "The lighthouse keeper climbed the stairs every night of the year."
    quiet = VoiceProfile(engine="fake", voice="en-us+m1", volume=0.1)
    loud = VoiceProfile(engine="fake", voice="en-gb+f3", pitch=80, volume=3.5)
    from narrator.synthesize import synthesize_line

    clips = [synthesize_line(text, v, engine) for v in (quiet, loud)]
    before = [L.loudness(c) for c in clips]
    after = [L.loudness(L.match(c, -18.0)) for c in clips]
    assert abs(before[0] - before[1]) > 20
    assert abs(after[0] - after[1]) < 1.0


@pytest.mark.parametrize("seconds", [0.5, 1.0, 4.0, 13.3])
def test_fast_measurement_agrees_with_pyloudnorm(seconds: float) -> None:
    """The vectorised gating must give pyloudnorm's number, silence gaps and all."""
    import numpy as np
    import pyloudnorm

    rng = np.random.default_rng(7)
    n = int(22050 * seconds)
    x = rng.standard_normal(n) * 0.1 * np.sin(np.arange(n) / 2000.0)
    x[n // 3 : n // 2] *= 1e-4  # a near-silent stretch the gates must drop
    expected = pyloudnorm.Meter(22050).integrated_loudness(x)
    assert L._integrated_loudness(x, 22050) == pytest.approx(expected, abs=1e-6)
