"""Voice profile files: presets, layering, and one-line errors for bad files."""
from __future__ import annotations

from pathlib import Path

import pytest

from narrator.errors import CastError
from narrator.types import VoiceProfile
from narrator.voices import load_voices, parse_voice_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "v.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_presets_have_narrator_and_pools() -> None:
    config = load_voices()
    assert config.narrator is not None and config.narrator.voice
    assert len(config.pools["male"]) >= 8 and len(config.pools["female"]) >= 8
    every = [config.narrator, config.unknown, *(v for pool in config.pools.values() for v in pool)]
    keys = [(v.voice, v.rate, v.pitch) for v in every]
    assert len(keys) == len(set(keys)), "shipped voices must all differ"


def test_user_file_overrides_key_by_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[narrator]\nvoice = "en-us+m2"\nrate = 150\n\n'
                           '[characters."Anna"]\nvoice = "en-gb+f2"\npitch = 70\ngender = "female"\n'
                           'aliases = ["Annie"]\n\n[pacing]\nparagraph = 1.0\n')
    config = load_voices([path])
    assert config.narrator == VoiceProfile(voice="en-us+m2", rate=150)
    anna = config.characters["Anna"]
    assert anna.voice == VoiceProfile(voice="en-gb+f2", pitch=70)
    assert (anna.gender, anna.aliases) == ("female", ("Annie",))
    assert config.pacing["paragraph"] == 1.0 and config.pacing["scene_break"] == 1.5
    assert config.unknown == load_voices().unknown


def test_character_without_voice_keeps_casting_choice(tmp_path: Path) -> None:
    config = load_voices([write(tmp_path, '[characters.Tom]\ngender = "male"\n')])
    assert config.characters["Tom"].voice is None


@pytest.mark.parametrize(
    "text, message",
    [
        ('[narrator]\nvoice = "en"\nrate = \n', "line 3"),
        ('[narrator]\nspeed = 3\n', "unknown key 'speed'"),
        ('[narrator]\nrate = 5000\n', "rate = 5000 must be a number from 60 to 500"),
        ('[characters.Bo]\ngender = "robot"\n', "gender = 'robot'"),
        ('[characters.Bo]\nrate = 150\n', "give a voice"),
        ('[voicez]\n', "unknown section 'voicez'"),
        ('[[pool.alien]]\nvoice = "en"\n', "pool.alien"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CastError, match=message) as info:
        parse_voice_file(write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CastError, match="does not exist"):
        parse_voice_file(tmp_path / "none.toml")


@pytest.mark.parametrize("text, message", [
    ("[pool]\nmale = [1]\n", r"pool\.male must be a list of voice tables"),
    ("pool = { female = ['en-us'] }\n", r"pool\.female must be a list of voice tables"),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nests arrays or tables too deep"),
])
def test_malformed_voice_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CastError, match=message) as info:
        parse_voice_file(write(tmp_path, text))
    assert "v.toml" in str(info.value) and "\n" not in str(info.value)


def test_a_folder_given_as_voice_file(tmp_path: Path) -> None:
    with pytest.raises(CastError, match="is a folder"):
        parse_voice_file(tmp_path)
