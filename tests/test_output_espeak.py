"""Output features with the real espeak-ng engine: loudness across very different voices, the
lexicon reaching the engine, subtitles against the decoded audio."""
from __future__ import annotations

from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from narrator import loudness as L
from narrator.engines import get_engine
from narrator.synthesize import synthesize_line
from narrator.types import VoiceProfile

pytestmark = pytest.mark.engine

TEXT = "The tide waits for nobody, he said, and pulled his collar up against the rain."


def test_quiet_and_loud_espeak_voices_match_within_one_lu() -> None:
    engine = get_engine("espeak")
    quiet = VoiceProfile(voice="en-us+whisper", rate=160, pitch=40, volume=0.35)
    loud = VoiceProfile(voice="en-gb-scotland+m4", rate=185, pitch=60, volume=2.5)
    clips = [synthesize_line(TEXT, v, engine) for v in (quiet, loud)]
    before = [L.loudness(c) for c in clips]
    after = [L.loudness(L.match(c, -18.0)) for c in clips]
    assert abs(before[0] - before[1]) > 10
    assert abs(after[0] - after[1]) < 1.0, (before, after)


def test_voices_say_with_the_lexicon(tmp_path: Path) -> None:
    from narrator.lexicon import Lexicon
    from narrator.say import say

    engine = get_engine("espeak")
    voice = VoiceProfile(voice="en-gb+f3")
    plain = say("Hermione", voice, engine, tmp_path / "a.mp3", cache_dir=tmp_path / "c")
    respelled = say("Hermione", voice, engine, tmp_path / "b.mp3", cache_dir=tmp_path / "c",
                    lexicon=Lexicon((("Hermione", "her my oh nee"),)))
    assert respelled.text == "her my oh nee" and plain.text == "Hermione"
    assert (tmp_path / "a.mp3").read_bytes() != (tmp_path / "b.mp3").read_bytes()
    assert MP3(tmp_path / "b.mp3").info.length > 0.3
