"""Synthesis stage: spoken text, clip checks, the line cache, retries and stats."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrator.engines import get_engine
from narrator.engines.fake import FakeEngine
from narrator.errors import EngineError
from narrator.synthesize import (
    LineCache,
    SynthesisStats,
    apply_gain,
    check_clip,
    default_cache_dir,
    estimate_f0,
    plausible_range,
    spoken_text,
    synthesize_line,
    synthesize_lines,
)
from narrator.types import Clip, VoiceProfile

VOICE = VoiceProfile(engine="fake", voice="en-us", rate=175, pitch=50)
LINE = "The lamps along the quay burned low all evening."


def sine(seconds: float, freq: float = 150.0, amp: float = 8000.0, rate: int = 22050) -> Clip:
    t = np.arange(int(seconds * rate)) / rate
    return Clip(np.rint(amp * np.sin(2 * math.pi * freq * t)).astype("<i2").tobytes(), rate)


# --- spoken_text -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "spoken"), [
    ('"He is late again,"', "He is late again,"),
    ("“He will come,”", "He will come,"),
    ("‘Go away,’ she said.", "Go away, she said."),
    ("'Not now.'", "Not now."),
    ("«Bonjour», dit-il.", "Bonjour, dit-il."),
    ('"Wait" , he said', "Wait, he said"),
    ("He said \"no\".", "He said no."),
    ("‹Oui›", "Oui"),
    ("„Guten Tag“", "Guten Tag"),
    ('"I don\'t know," said O\'Brien.', "I don't know, said O'Brien."),
    ("“Don’t,” he said, “it’s mine.”", "Don't, he said, it's mine."),
    ("  lots \n of\t\tspace  ", "lots of space"),
    ("Chapter 12", "Chapter 12"),
    ('"..."', ""),
    ("—", ""),
    ("  \n ", ""),
    ("“!?”", ""),
    ("", ""),
])
def test_spoken_text_table(text: str, spoken: str) -> None:
    assert spoken_text(text) == spoken


@given(st.text(alphabet=st.sampled_from(list("ab c'\"“”‘’«» .,!\n"))))
def test_spoken_text_properties(text: str) -> None:
    out = spoken_text(text)
    assert out == spoken_text(out)  # idempotent
    assert not set(out) & set("\"“”«»‘")
    assert out == out.strip() and "  " not in out and "\n" not in out
    # Letters are never lost, and a result is empty only when there were none.
    assert [c for c in out if c.isalnum()] == [c for c in text if c.isalnum()]


# --- check_clip ------------------------------------------------------------------------------------

def test_check_clip_accepts_a_complete_line() -> None:
    clip = FakeEngine().synthesize(LINE, VOICE)
    check_clip(LINE, clip, VOICE)


@pytest.mark.parametrize(("clip", "message"), [
    (Clip(b"", 22050), "no audio"),
    (Clip(b"\x00\x00" * 22050, 22050), "silence"),
    (sine(0.3), "implausible duration"),  # line cut short
    (sine(30.0), "implausible duration"),  # runaway output
])
def test_check_clip_rejects(clip: Clip, message: str) -> None:
    with pytest.raises(EngineError, match=message):
        check_clip(LINE, clip, VOICE)


def test_check_clip_rejects_truncation_to_a_third() -> None:
    full = FakeEngine().synthesize(LINE, VOICE)
    cut = Clip(full.pcm[: (full.frames // 3) * 2], full.sample_rate)
    with pytest.raises(EngineError, match="truncated"):
        check_clip(LINE, cut, VOICE)


def test_plausible_range_scales_with_rate_and_counts_digits() -> None:
    slow, fast = plausible_range(LINE, 100), plausible_range(LINE, 400)
    assert slow[0] == pytest.approx(4 * fast[0])
    assert plausible_range("In 1984", 175)[1] > plausible_range("In", 175)[1] + 1.0


# --- helpers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("freq", [80.0, 120.0, 210.0, 330.0])
def test_estimate_f0_on_pure_tones(freq: float) -> None:
    assert estimate_f0(sine(1.0, freq)) == pytest.approx(freq, rel=0.02)


def test_estimate_f0_of_silence_is_zero() -> None:
    assert estimate_f0(Clip(b"\x00\x00" * 4000, 22050)) == 0.0


def test_apply_gain_stops_below_full_scale_instead_of_clipping() -> None:
    pcm = np.array([0, 1000, -1000, 20000, -20000], dtype="<i2").tobytes()
    loud = np.frombuffer(apply_gain(pcm, 3.0), dtype="<i2")
    assert loud.tolist() == [0, 1638, -1638, 32767, -32767]  # gain lowered to 32767/20000
    assert np.frombuffer(apply_gain(pcm, 0.5), dtype="<i2").tolist() == [0, 500, -500, 10000, -10000]
    assert apply_gain(pcm, 1.0) == pcm


# --- LineCache -------------------------------------------------------------------------------------

def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "narrator"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "narrator"


def test_cache_round_trip_and_fan_out(tmp_path: Path) -> None:
    cache = LineCache(tmp_path)
    key = LineCache.key("fake 1", VOICE, "Hello.")
    assert cache.get(key) is None
    clip = sine(0.5)
    cache.put(key, clip)
    assert cache.get(key) == clip
    assert cache.path(key) == tmp_path / key[:2] / f"{key}.pcm"
    assert [p.name for p in cache.path(key).parent.iterdir()] == [f"{key}.pcm"]  # no temp left


def test_cache_key_covers_identity_every_profile_field_and_text() -> None:
    base = LineCache.key("fake 1", VOICE, "Hello.")
    variants = [
        LineCache.key("fake 2", VOICE, "Hello."),
        LineCache.key("fake 1", VOICE, "Hello!"),
        *(LineCache.key("fake 1", _replace(VOICE, **change), "Hello.")
          for change in ({"engine": "espeak"}, {"voice": "en-gb"}, {"rate": 176}, {"pitch": 51},
                         {"range": 49}, {"volume": 0.9})),
    ]
    assert len({base, *variants}) == len(variants) + 1


def _replace(profile: VoiceProfile, **change: object) -> VoiceProfile:
    return replace(profile, **change)  # type: ignore[arg-type]


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty"])
def test_corrupt_cache_entry_is_a_miss_and_removed(tmp_path: Path, damage: str) -> None:
    cache = LineCache(tmp_path)
    key = LineCache.key("fake 1", VOICE, "Hello.")
    cache.put(key, sine(0.5))
    path = cache.path(key)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[-100] ^= 0x01
    elif damage == "truncate":
        data = data[:-2]
    elif damage == "garbage":
        data = bytearray(b"not a cache file at all" * 10)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    assert cache.get(key) is None
    assert not path.exists()
    assert cache.corrupt == 1


# --- synthesize_line / synthesize_lines ------------------------------------------------------------

def test_second_render_synthesizes_nothing(tmp_path: Path) -> None:
    engine = FakeEngine()
    cache = LineCache(tmp_path)
    items = [(LINE, VOICE), ("“Hello,” she said.", _replace(VOICE, voice="en-gb+f3")), ('"..."', VOICE)]
    first_stats, second_stats = SynthesisStats(), SynthesisStats()
    first = list(synthesize_lines(items, engine, cache, stats=first_stats))
    calls = len(engine.calls)
    second = list(synthesize_lines(items, engine, cache, stats=second_stats))
    assert first == second
    assert len(engine.calls) == calls == 2
    assert (first_stats.synthesized, first_stats.cached, first_stats.skipped) == (2, 0, 1)
    assert (second_stats.synthesized, second_stats.cached, second_stats.skipped) == (0, 2, 1)
    assert first[2].frames == 0  # skipped line: empty clip, still one per item


def test_engine_receives_spoken_text_and_profile() -> None:
    engine = FakeEngine()
    voice = _replace(VOICE, rate=250, pitch=70)
    synthesize_line("“Don’t go,” he said.", voice, engine)
    assert engine.calls == [("Don't go, he said.", voice)]


def test_corrupt_cache_entry_is_synthesized_again(tmp_path: Path) -> None:
    engine = FakeEngine()
    cache = LineCache(tmp_path)
    clip = synthesize_line(LINE, VOICE, engine, cache)
    (path,) = [p for p in tmp_path.rglob("*.pcm")]
    path.write_bytes(path.read_bytes()[:-10])
    stats = SynthesisStats()
    assert synthesize_line(LINE, VOICE, engine, cache, stats) == clip
    assert (stats.synthesized, stats.cached, cache.corrupt) == (1, 0, 1)
    assert synthesize_line(LINE, VOICE, engine, cache, stats) == clip
    assert stats.cached == 1


def test_unwritable_cache_does_not_stop_the_render(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    cache = LineCache(blocker)
    clip = synthesize_line(LINE, VOICE, FakeEngine(), cache)
    check_clip(LINE, clip, VOICE)
    assert cache.write_errors == 1


def test_progress_counts_every_line() -> None:
    seen: list[int] = []
    items = [(f"Line number {word}.", VOICE) for word in ("one", "two", "three")] + [("!", VOICE)]
    clips = list(synthesize_lines(items, FakeEngine(), progress=seen.append))
    assert seen == [1, 2, 3, 4] and len(clips) == 4


@pytest.mark.parametrize("fault", ["fail", "truncate", "silence"])
def test_bad_clip_is_retried_once_after_reset(fault: str) -> None:
    engine = FakeEngine(fault_times=1, **{fault: ["quay"]})  # type: ignore[arg-type]
    stats = SynthesisStats()
    clip = synthesize_line(LINE, VOICE, engine, stats=stats)
    check_clip(LINE, clip, VOICE)
    assert (stats.retried, stats.synthesized, engine.resets, len(engine.calls)) == (1, 1, 1, 2)


@pytest.mark.parametrize("fault", ["fail", "truncate", "silence"])
def test_persistent_failure_is_loud_and_names_the_line(fault: str, tmp_path: Path) -> None:
    engine = FakeEngine(**{fault: ["quay"]})  # type: ignore[arg-type]
    cache = LineCache(tmp_path)
    text = LINE + " " + "And then a great deal more text follows after that. " * 3
    with pytest.raises(EngineError, match=r"failed twice on line \"The lamps along the quay") as info:
        synthesize_line(text, VOICE, engine, cache)
    assert len(str(info.value).split('"')[1]) <= 60
    assert len(engine.calls) == 2
    assert not list(tmp_path.rglob("*.pcm"))  # nothing bad was cached


def test_unknown_voice_fails_without_retry() -> None:
    engine = FakeEngine()
    with pytest.raises(EngineError, match="unknown fake voice 'en-zz'"):
        synthesize_line(LINE, _replace(VOICE, voice="en-zz"), engine)
    assert len(engine.calls) == 1 and engine.resets == 0


def test_volume_is_applied_after_the_check_and_cached(tmp_path: Path) -> None:
    engine = FakeEngine()
    cache = LineCache(tmp_path)
    plain = synthesize_line(LINE, VOICE, engine, cache)
    loud = synthesize_line(LINE, _replace(VOICE, volume=10.0), engine, cache)
    quiet = synthesize_line(LINE, _replace(VOICE, volume=0.5), engine, cache)

    def peak(clip: Clip) -> int:
        return int(np.abs(np.frombuffer(clip.pcm, "<i2").astype(int)).max())

    assert 32000 < peak(loud) <= 32767  # raised to just below full scale: nothing clipped
    loud_samples = np.frombuffer(loud.pcm, "<i2").astype(float)
    plain_samples = np.frombuffer(plain.pcm, "<i2").astype(float)
    ratio = loud_samples[plain_samples > 1000] / plain_samples[plain_samples > 1000]
    assert np.ptp(ratio) < 0.01  # one gain for the whole line: the waveform keeps its shape
    assert peak(quiet) == pytest.approx(peak(plain) / 2, abs=1)
    assert synthesize_line(LINE, _replace(VOICE, volume=10.0), engine, cache) == loud
    muted = synthesize_line(LINE, _replace(VOICE, volume=0.0), engine, cache)  # silent on purpose
    assert muted.frames == plain.frames and not any(muted.pcm)


# --- with the real espeak engine -----------------------------------------------------------------

@pytest.mark.engine
@pytest.mark.parametrize("rate", [80, 175, 300, 450])
def test_real_espeak_lines_pass_the_check_and_truncation_fails(rate: int) -> None:
    engine = get_engine("espeak")
    voice = VoiceProfile(voice="en-gb+f3", rate=rate)
    for text in ("Oh.", "Yes, I know.", "Mr. Smith arrived on the 4th of July, 1984.",
                 "The incomprehensibility of it all overwhelmed him.", LINE):
        clip = engine.synthesize(spoken_text(text), voice)
        check_clip(text, clip, voice)
    cut = Clip(clip.pcm[: (clip.frames // 3) * 2], clip.sample_rate)
    with pytest.raises(EngineError, match="truncated"):
        check_clip(LINE, cut, voice)


@pytest.mark.engine
def test_real_espeak_cached_second_render(tmp_path: Path) -> None:
    engine = get_engine("espeak")
    cache = LineCache(tmp_path)
    items = [(LINE, VoiceProfile(voice="en-us", rate=r, pitch=p)) for r, p in ((150, 30), (250, 70))]
    stats = SynthesisStats()
    first = list(synthesize_lines(items, engine, cache, stats=stats))
    second = list(synthesize_lines(items, engine, cache, stats=stats))
    assert first == second
    assert (stats.synthesized, stats.cached) == (2, 2)
