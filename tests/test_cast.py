"""Casting: distinct, gender-aware, deterministic voices; user choices win; cast files round-trip."""
from __future__ import annotations

from pathlib import Path

import pytest

from narrator.cast import cast_members, write_cast_file
from narrator.errors import CastError
from narrator.types import NARRATOR, UNKNOWN, Book, Chapter, Character, Line, Script, Segment, VoiceProfile
from narrator.voices import load_voices


def make_script(speakers: list[str], characters: list[Character]) -> Script:
    text = "x" * len(speakers)
    book = Book("T", "A", text, (Chapter(1, "One", 0, len(text), 0, 0),))
    lines = tuple(
        Line(1, Segment(i, i + 1, "quote", i, "x"), speaker, 0.9, "test") for i, speaker in enumerate(speakers)
    )
    return Script(book, tuple(characters), lines)


CHARACTERS = [Character("Anna", gender="female"), Character("Tom", gender="male"), Character("Sam")]


def voices_of(script: Script, paths: list[Path] = []) -> dict[str, VoiceProfile]:  # noqa: B006
    return {m.name: m.voice for m in cast_members(script, load_voices(paths))}


def test_every_speaker_gets_a_distinct_voice_apart_from_narrator() -> None:
    script = make_script(["Anna", "Tom", "Anna", "Sam", UNKNOWN], CHARACTERS)
    voices = voices_of(script)
    assert set(voices) == {NARRATOR, UNKNOWN, "Anna", "Tom", "Sam"}
    keys = [(v.voice, v.rate, v.pitch) for v in voices.values()]
    assert len(set(keys)) == len(keys)


def test_gender_picks_the_pool() -> None:
    config = load_voices()
    voices = voices_of(make_script(["Anna", "Tom", "Sam"], CHARACTERS))
    assert voices["Anna"] in config.pools["female"]
    assert voices["Tom"] in config.pools["male"]
    assert voices["Sam"] in config.pools["neutral"]


def test_casting_is_deterministic_and_busiest_first() -> None:
    script = make_script(["Tom", "Tom", "Anna"] + ["Sam"], CHARACTERS)
    members = cast_members(script, load_voices())
    assert [m.name for m in members][2:] == ["Tom", "Anna", "Sam"]
    assert members == cast_members(script, load_voices())


def test_many_characters_still_get_distinct_voices() -> None:
    chars = [Character(f"Man{i}", gender="male") for i in range(60)]
    voices = voices_of(make_script([c.name for c in chars], chars))
    keys = [(v.voice, v.rate, v.pitch) for v in voices.values()]
    assert len(set(keys)) == len(keys) == 62


def test_more_men_than_male_voices_get_variations_of_male_voices_not_female_ones() -> None:
    config = load_voices()
    female_ids = {v.voice for v in config.pools["female"]} - {
        v.voice for v in (*config.pools["male"], *config.pools["neutral"])
    }
    chars = [Character(f"Man{i}", gender="male") for i in range(40)]
    voices = voices_of(make_script([c.name for c in chars], chars))
    assert not [name for name, v in voices.items() if name.startswith("Man") and v.voice in female_ids]


def test_user_voice_wins_and_is_not_handed_out_again(tmp_path: Path) -> None:
    first_female = load_voices().pools["female"][0]
    path = tmp_path / "v.toml"
    path.write_text(f'[characters.Sam]\nvoice = "{first_female.voice}"\nrate = {first_female.rate}\n'
                    f"pitch = {first_female.pitch}\n", encoding="utf-8")
    members = {m.name: m for m in cast_members(make_script(["Anna", "Sam"], CHARACTERS), load_voices([path]))}
    assert members["Sam"].voice == first_female and members["Sam"].chosen_by == "you"
    assert members["Anna"].voice != first_female


def test_cast_file_round_trip(tmp_path: Path) -> None:
    script = make_script(["Anna", "Tom"], [Character("Anna", ("Annie",), "female"), CHARACTERS[1]])
    members = cast_members(script, load_voices())
    path = write_cast_file(members, tmp_path / "b.cast.toml", title='A "quoted" title')
    again = cast_members(script, load_voices([path]))
    assert {m.name: m.voice for m in again} == {m.name: m.voice for m in members}
    assert load_voices([path]).characters["Anna"].aliases == ("Annie",)
    with pytest.raises(CastError, match="--force"):
        write_cast_file(members, path, title="T")
    write_cast_file(members, path, title="T", force=True)
