"""Engines: the fake engine's contract, variant parsing, and the real espeak binding (marked)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from narrator.engines import get_engine
from narrator.engines.base import Engine, VoiceInfo, espeak_variants, parse_variant
from narrator.engines.fake import FakeEngine
from narrator.errors import EngineError
from narrator.synthesize import estimate_f0
from narrator.types import Clip, VoiceProfile

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "I am not going back there, not tonight, not ever."


def fake_profile(**fields: object) -> VoiceProfile:
    return VoiceProfile(engine="fake", **fields)  # type: ignore[arg-type]


# --- get_engine ------------------------------------------------------------------------------------

def test_get_engine_fake_satisfies_protocol() -> None:
    engine = get_engine("fake")
    assert isinstance(engine, FakeEngine)
    assert isinstance(engine, Engine)
    assert engine.sample_rate == 22050


def test_get_engine_unknown_name_lists_choices() -> None:
    with pytest.raises(EngineError, match="espeak, pyttsx3, fake"):
        get_engine("festival")


def test_get_engine_bad_option_is_engine_error() -> None:
    with pytest.raises(EngineError, match="bad option"):
        get_engine("fake", no_such_option=1)


# --- fake engine -------------------------------------------------------------------------------------

def test_fake_is_deterministic() -> None:
    engine = FakeEngine()
    assert engine.synthesize(SENTENCE, fake_profile()) == engine.synthesize(SENTENCE, fake_profile())


def test_fake_duration_follows_letters_and_rate() -> None:
    engine = FakeEngine()
    slow = engine.synthesize(SENTENCE, fake_profile(rate=100))
    fast = engine.synthesize(SENTENCE, fake_profile(rate=300))
    letters = sum(ch.isalpha() for ch in SENTENCE)
    assert slow.seconds == pytest.approx(letters / 5 * 60 / 100, abs=1e-3)
    assert fast.seconds == pytest.approx(slow.seconds / 3, rel=1e-3)


def test_fake_frequency_encodes_voice_and_pitch() -> None:
    engine = FakeEngine()
    low = fake_profile(pitch=20)
    high = fake_profile(pitch=80)
    female = fake_profile(voice="en-us+f3", pitch=20)
    f_low, f_high, f_female = (estimate_f0(engine.synthesize(SENTENCE, p)) for p in (low, high, female))
    assert f_low == pytest.approx(engine.frequency(low), rel=0.03)
    assert f_high > f_low * 1.4  # 60 pitch steps = 0.6 octave
    assert f_female > f_low * 1.6
    assert engine.frequency(fake_profile(voice="en-gb")) != engine.frequency(fake_profile(voice="en-us"))


def test_fake_voices_and_has_voice() -> None:
    engine = FakeEngine()
    ids = {v.id for v in engine.voices()}
    assert {"en-us", "en-gb"} <= ids
    assert all(v.gender in ("male", "female", "unknown") for v in engine.voices())
    assert engine.has_voice("en-gb+f3")
    assert not engine.has_voice("en-gb+nope")
    assert not engine.has_voice("xx")
    with pytest.raises(EngineError, match="unknown fake voice"):
        engine.synthesize("Hello.", fake_profile(voice="xx"))


def test_fake_fault_injection() -> None:
    engine = FakeEngine(fail=["boom"], truncate=["short"], silence=["hush"], fault_times=1)
    with pytest.raises(EngineError, match="injected"):
        engine.synthesize("it goes boom", fake_profile())
    engine.synthesize("it goes boom", fake_profile())  # only once
    full = FakeEngine().synthesize("cut short here", fake_profile())
    assert engine.synthesize("cut short here", fake_profile()).frames == full.frames // 4
    silent = engine.synthesize("hush now", fake_profile())
    assert silent.frames > 0 and not any(silent.pcm)
    assert [text for text, _ in engine.calls][:2] == ["it goes boom", "it goes boom"]


# --- variants ----------------------------------------------------------------------------------------

def test_parse_variant_reads_gender_and_name() -> None:
    text = "language variant\nname female3\ngender female\n\npitch 140 240\n"
    assert parse_variant("f3", text) == VoiceInfo("f3", "female3", "variant", "female")
    assert parse_variant("m1", "name male1\ngender male 70\n").gender == "male"
    assert parse_variant("klatt", "language variant\nname klatt\nklatt 1\n").gender == "unknown"


def test_espeak_variants_from_shipped_data() -> None:
    variants = {v.id: v for v in espeak_variants()}
    assert len(variants) > 40
    assert {f"m{i}" for i in range(1, 8)} <= variants.keys()
    assert {f"f{i}" for i in range(1, 6)} <= variants.keys()
    assert variants["f3"].gender == "female"
    assert variants["m1"].gender == "male"
    assert variants["croak"].gender == "male"
    assert variants["klatt"].gender == "unknown"


# --- the real espeak engine --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def espeak() -> Engine:
    return get_engine("espeak")


def _espeak(engine: Engine, text: str, voice: str = "en-us", rate: int = 175, pitch: int = 50) -> Clip:
    return engine.synthesize(text, VoiceProfile(voice=voice, rate=rate, pitch=pitch))


@pytest.mark.engine
def test_espeak_identity_and_voices(espeak: Engine) -> None:
    assert espeak.identity().startswith("espeak-ng 1.")
    assert espeak.sample_rate == 22050
    voices = {v.id: v for v in espeak.voices()}
    for voice_id in ("en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "fr-fr", "de"):
        assert voice_id in voices, voice_id
        assert espeak.has_voice(voice_id), voice_id
    assert voices["en-gb"].gender == "unknown"  # a language voice has none; a variant gives one
    assert espeak.has_voice("en-gb+f3") and espeak.has_voice("en-us+croak")
    assert not espeak.has_voice("en-us+nonsense")
    assert not espeak.has_voice("xx-nowhere")


@pytest.mark.engine
def test_espeak_language_ids_pick_the_right_voice(espeak: Engine) -> None:
    """`en-gb` is no voice *name* in espeak-ng 1.52 (its file is gmw/en): it must still work, and
    must sound like `gmw/en`, while plain `en` keeps espeak's own meaning (British, not Caribbean)."""
    gb = _espeak(espeak, SENTENCE, voice="en-gb")
    assert gb.frames == pytest.approx(_espeak(espeak, SENTENCE, voice="gmw/en").frames, rel=0.002)
    assert gb.frames == pytest.approx(_espeak(espeak, SENTENCE, voice="en").frames, rel=0.002)
    assert gb.frames != pytest.approx(_espeak(espeak, SENTENCE, voice="en-029").frames, rel=0.01)


@pytest.mark.engine
@pytest.mark.parametrize("voice", ["xx-nowhere", "en-us+nonsense"])
def test_espeak_unknown_voice_is_an_error_not_the_previous_voice(espeak: Engine, voice: str) -> None:
    _espeak(espeak, "Hello.", voice="en-gb+f3")
    with pytest.raises(EngineError, match="unknown espeak"):
        _espeak(espeak, "Hello.", voice=voice)


@pytest.mark.engine
def test_espeak_writes_nothing_to_stdout(espeak: Engine, capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    clip = _espeak(espeak, "Nothing on standard output, please.")
    assert clip.frames > 0
    assert capfd.readouterr().out == ""


@pytest.mark.engine
def test_key_alternating_profiles_each_line_matches_its_profile(espeak: Engine) -> None:
    """THE KEY TEST: 12 lines whose voice, rate and pitch change every line; each line must sound
    like its own profile, not like the previous line's."""
    profiles = [
        VoiceProfile(voice="en-us", rate=120, pitch=20),
        VoiceProfile(voice="en-gb+f3", rate=300, pitch=80),
        VoiceProfile(voice="en-gb-x-rp", rate=175, pitch=50),
        VoiceProfile(voice="en-us+f3", rate=400, pitch=40),
    ]
    rendered: dict[int, list[Clip]] = {i: [] for i in range(len(profiles))}
    order = [0, 1, 2, 3, 1, 3, 0, 2, 3, 2, 1, 0]  # each profile 3 times, after different ones
    for index in order:
        rendered[index].append(espeak.synthesize(SENTENCE, profiles[index]))
    seconds = {i: [c.seconds for c in clips] for i, clips in rendered.items()}
    f0 = {i: [estimate_f0(c) for c in clips] for i, clips in rendered.items()}
    for i in rendered:
        # Same profile, different predecessors: same duration and pitch (nothing carried over).
        assert max(seconds[i]) - min(seconds[i]) < 0.01 * min(seconds[i]), (profiles[i], seconds[i])
        assert max(f0[i]) - min(f0[i]) < 0.05 * min(f0[i]), (profiles[i], f0[i])
    dur = {i: seconds[i][0] for i in seconds}
    pitch = {i: float(np.median(f0[i])) for i in f0}
    # Rate: 120 > 175 > 300 > 400 wpm in duration order, and roughly inversely proportional.
    assert dur[0] > dur[2] > dur[1] > dur[3]
    assert dur[0] / dur[1] == pytest.approx(300 / 120, rel=0.25)
    # Pitch: male voice at 20 < male at 50 < female variant at 40 < female at 80.
    assert pitch[0] < pitch[2] < pitch[3] < pitch[1]
    assert pitch[1] > 2 * pitch[0]
    assert 60 < pitch[0] < 110 and 200 < pitch[1] < 330


@pytest.mark.engine
def test_espeak_same_profile_twice_is_reproducible(espeak: Engine) -> None:
    """Byte-identical output is impossible with libespeak-ng (a static flutter phase carries
    over), but length and sound must agree closely even with another voice in between."""
    first = _espeak(espeak, SENTENCE, voice="en-gb-x-rp", rate=200, pitch=60)
    _espeak(espeak, "Something else entirely, much lower and slower.", voice="en-us+m3", rate=90, pitch=5)
    second = _espeak(espeak, SENTENCE, voice="en-gb-x-rp", rate=200, pitch=60)
    assert abs(first.frames - second.frames) < 0.002 * first.frames
    assert estimate_f0(first) == pytest.approx(estimate_f0(second), rel=0.02)
    a = np.frombuffer(first.pcm, "<i2").astype(float)
    b = np.frombuffer(second.pcm, "<i2").astype(float)
    n = min(a.size, b.size)
    assert np.sqrt(np.mean(a[:n] ** 2)) == pytest.approx(np.sqrt(np.mean(b[:n] ** 2)), rel=0.05)


@pytest.mark.engine
def test_espeak_reset_keeps_working(espeak: Engine) -> None:
    before = _espeak(espeak, "Reset me.")
    espeak.reset()  # type: ignore[attr-defined]
    assert _espeak(espeak, "Reset me.").frames == pytest.approx(before.frames, rel=0.01)


@pytest.mark.engine
def test_pyttsx3_refuses_to_share_libespeak_with_the_espeak_engine(espeak: Engine) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux shares one libespeak-ng between the two engines")
    with pytest.raises(EngineError, match="already uses libespeak-ng"):
        get_engine("pyttsx3")


@pytest.mark.engine
def test_pyttsx3_engine_in_its_own_process() -> None:
    """pyttsx3 renders the requested voice, rejects an unknown one and keeps stdout clean."""
    script = textwrap.dedent(f"""
        import sys
        from narrator.engines import get_engine
        from narrator.errors import EngineError
        from narrator.synthesize import estimate_f0
        from narrator.types import VoiceProfile
        e = get_engine("pyttsx3")
        male = e.synthesize({SENTENCE!r}, VoiceProfile(engine="pyttsx3", voice="en-us", pitch=30))
        e.reset()
        female = e.synthesize({SENTENCE!r}, VoiceProfile(engine="pyttsx3", voice="en-gb+f3", pitch=70))
        try:
            e.synthesize("Hi.", VoiceProfile(engine="pyttsx3", voice="xx-nowhere"))
            unknown = "accepted"
        except EngineError:
            unknown = "rejected"
        print(male.seconds, estimate_f0(male), estimate_f0(female), unknown, file=sys.stderr)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # no "Audio saved to ..."
    seconds, f_male, f_female, unknown = proc.stderr.split()[-4:]
    assert float(seconds) > 1.0
    assert float(f_female) > 1.8 * float(f_male)
    assert unknown == "rejected"


# --- pyttsx3 audio files ---------------------------------------------------------------------------

def _write_wav(path: Path, frames: bytes, channels: int, width: int, rate: int = 16000) -> None:
    import wave

    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(frames)


def test_read_audio_wav_stereo_and_8_bit(tmp_path: Path) -> None:
    from narrator.engines.pyttsx3 import read_audio

    stereo = np.array([[100, 300], [-1000, -3000], [32767, 32767]], dtype="<i2")
    _write_wav(tmp_path / "s.wav", stereo.tobytes(), channels=2, width=2)
    clip = read_audio(tmp_path / "s.wav")
    assert clip.sample_rate == 16000
    assert np.frombuffer(clip.pcm, "<i2").tolist() == [200, -2000, 32767]
    _write_wav(tmp_path / "b.wav", bytes([128, 255, 0]), channels=1, width=1)
    assert np.frombuffer(read_audio(tmp_path / "b.wav").pcm, "<i2").tolist() == [0, 127 << 8, -128 << 8]


def test_read_audio_aiff_as_macos_writes_it(tmp_path: Path) -> None:
    import warnings

    from narrator.engines.pyttsx3 import read_audio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        aifc = pytest.importorskip("aifc")
    samples = np.array([0, 1234, -1234, 32767, -32768], dtype=">i2")
    with aifc.open(str(tmp_path / "line.wav"), "wb") as out:  # NSSpeechSynthesizer ignores the suffix
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(samples.tobytes())
    clip = read_audio(tmp_path / "line.wav")
    assert clip.sample_rate == 22050
    assert np.frombuffer(clip.pcm, "<i2").tolist() == samples.astype(int).tolist()


def test_read_audio_rejects_garbage(tmp_path: Path) -> None:
    from narrator.engines.pyttsx3 import read_audio

    (tmp_path / "x.wav").write_bytes(b"definitely not audio")
    with pytest.raises(EngineError, match="unreadable"):
        read_audio(tmp_path / "x.wav")
