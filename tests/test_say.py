"""One line in one voice from Python: `narrator.preview` hands back a pydub AudioSegment."""
from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

import narrator
from narrator.engines.fake import FakeEngine
from narrator.errors import CastError
from narrator.lexicon import Lexicon
from narrator.say import audio_segment, say
from narrator.types import Clip, VoiceProfile

VOICE = VoiceProfile(engine="fake", voice="en-gb+f1", rate=150)


def test_preview_is_the_line_as_an_audio_segment(tmp_path: Path) -> None:
    engine = FakeEngine()
    segment = narrator.preview("Hermione is late.", VOICE, engine, lexicon=Lexicon((("Hermione", "Her my oh nee"),)),
                               cache_dir=tmp_path / "cache")
    assert engine.calls[0][0] == "Her my oh nee is late."
    assert (segment.frame_rate, segment.channels, segment.sample_width) == (22050, 1, 2)
    said = say("Hermione is late.", VOICE, engine, tmp_path / "x.mp3",
               lexicon=Lexicon((("Hermione", "Her my oh nee"),)), cache_dir=tmp_path / "cache")
    assert abs(len(segment) - said.seconds * 1000) <= 1  # the same line, loudness matched alike
    first_half = segment[: len(segment) // 2]
    assert abs(len(first_half) - len(segment) / 2) <= 1
    wav = io.BytesIO()
    segment.export(wav, format="wav")  # no ffmpeg needed for WAV
    with wave.open(io.BytesIO(wav.getvalue())) as read:
        assert read.getframerate() == 22050 and read.readframes(read.getnframes()) == segment.raw_data


def test_audio_segment_keeps_the_clip_bytes() -> None:
    clip = Clip(b"\x01\x00\xff\xff" * 50, 16000)
    segment = audio_segment(clip)
    assert segment.raw_data == clip.pcm and segment.frame_rate == 16000 and len(segment) == 6  # 100 frames


def test_preview_checks_the_voice_first() -> None:
    with pytest.raises(CastError, match="Unknown fake voice 'xx'"):
        narrator.preview("Hello", VoiceProfile(engine="fake", voice="xx"), FakeEngine())


def test_preview_takes_the_profiles_engine_by_default(tmp_path: Path) -> None:
    segment = narrator.preview("Hello there.", VoiceProfile(engine="fake", voice="en-us"), cache_dir=tmp_path)
    assert segment.frame_rate == 22050 and len(segment) > 500


def test_preview_without_pydub_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pydub(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "pydub":
            raise ImportError("No module named 'pydub'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pydub)
    with pytest.raises(narrator.NarratorError, match=r"pip install 'narrator\[pydub\]'"):
        audio_segment(Clip(b"\x00\x00", 8000))
