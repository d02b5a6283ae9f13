"""Casting: distinct, gender-aware, deterministic voices; user choices win; cast files round-trip."""
from __future__ import annotations

from pathlib import Path

import pytest

from narrator.cast import cast_members, write_cast_file
from narrator.engines.base import espeak_variants
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


@pytest.mark.parametrize("gender", ["male", "female"])
def test_more_characters_than_voices_never_cross_gender(gender: str) -> None:
    """A trial cast the man "Mr. Thaddeus" with en-us+f4 (a neutral-pool voice) once the male
    voices ran out. Every voice's own gender (its espeak variant's) is checked, not its pool."""
    declared = {v.id: v.gender for v in espeak_variants()}
    other = "female" if gender == "male" else "male"
    chars = [Character(f"P{i}", gender=gender) for i in range(40)]  # type: ignore[arg-type]
    voices = voices_of(make_script([c.name for c in chars], chars))
    crossed = {n: v.voice for n, v in voices.items()
               if n.startswith("P") and declared[v.voice.partition("+")[2]] == other}
    assert not crossed
    keys = [(v.voice, v.rate, v.pitch) for v in voices.values()]
    assert len(set(keys)) == len(keys)


def chaptered_script(chapters: dict[str, list[int]], characters: list[Character]) -> Script:
    """Each speaker says one line in each of their chapters."""
    lines = [(c, name) for name, cs in chapters.items() for c in cs]
    text = "x" * len(lines)
    count = max(c for c, _ in lines)
    book = Book("T", "A", text, tuple(Chapter(i, str(i), 0, len(text)) for i in range(1, count + 1)))
    return Script(book, tuple(characters), tuple(
        Line(c, Segment(i, i + 1, "quote", i, "x"), name, 0.9, "test") for i, (c, name) in enumerate(lines)))


TWO_MEN = """
[pool]
male = [{voice = "en-us+m1", rate = 175, pitch = 50}, {voice = "en-gb+m2", rate = 160, pitch = 55}]
female = [{voice = "en-us+f3", rate = 175, pitch = 55}]
neutral = []
"""


def same_voice_pairs(voices: dict[str, VoiceProfile]) -> list[tuple[str, str]]:
    names = sorted(n for n in voices if n.startswith("M"))
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if voices[a].voice == voices[b].voice]


def test_a_reused_voice_goes_to_someone_who_never_speaks_in_the_same_chapter(tmp_path: Path) -> None:
    path = tmp_path / "two.toml"
    path.write_text(TWO_MEN, encoding="utf-8")
    men = [Character(n, gender="male") for n in ("M1", "M2", "M3", "M4")]
    chapters = {"M1": [1, 2, 2, 2], "M2": [1, 1, 1], "M3": [2, 2], "M4": [3]}
    voices = voices_of(chaptered_script(chapters, men), [path])
    assert {v.voice for n, v in voices.items() if n.startswith("M")} == {"en-us+m1", "en-gb+m2"}
    assert voices["M3"].voice == voices["M2"].voice  # M1, on the other voice, talks to M3 in chapter 2
    for a, b in same_voice_pairs(voices):
        assert not set(chapters[a]) & set(chapters[b]), (a, b)
        assert abs(voices[a].pitch - voices[b].pitch) >= 12 or abs(voices[a].rate - voices[b].rate) >= 15


def test_when_sharing_a_chapter_is_unavoidable_the_voices_differ_clearly(tmp_path: Path) -> None:
    path = tmp_path / "two.toml"
    path.write_text(TWO_MEN, encoding="utf-8")
    men = [Character(f"M{i}", gender="male") for i in range(1, 6)]
    voices = voices_of(chaptered_script({m.name: [1] for m in men}, men), [path])
    assert same_voice_pairs(voices)  # five men, two male voices, one chapter
    for a, b in same_voice_pairs(voices):
        assert abs(voices[a].pitch - voices[b].pitch) >= 12 or abs(voices[a].rate - voices[b].rate) >= 15
    assert all(v.voice in ("en-us+m1", "en-gb+m2") for n, v in voices.items() if n.startswith("M"))


def test_a_gender_without_any_voice_gets_another_moved_toward_it_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "men-only.toml"
    path.write_text('[pool]\nmale = [{voice = "en-us+m1", rate = 175, pitch = 50}]\nfemale = []\nneutral = []\n',
                    encoding="utf-8")
    chars = [Character("Anna", gender="female"), Character("Beth", gender="female")]
    voices = voices_of(make_script(["Anna", "Beth"], chars), [path])
    assert voices["Anna"].voice == voices["Beth"].voice == "en-us+m1"
    assert min(voices["Anna"].pitch, voices["Beth"].pitch) >= 70
    assert voices["Anna"] != voices["Beth"]
    assert "no female voice to cast from" in caplog.text


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
    assert load_voices([path]).characters["Anna"].aliases == ("Anna", "Annie")  # renamed, still "Anna"
    with pytest.raises(CastError, match="--force"):
        write_cast_file(members, path, title="T")
    write_cast_file(members, path, title="T", force=True)


def test_cast_file_survives_line_breaks_and_quotes_in_names(tmp_path: Path) -> None:
    """A described speaker's words can hold a line break ("the\nhousemaid"): the TOML stays valid."""
    odd = Character('the "old"\nhousemaid', ("the\nhousemaid\t",), "female")
    script = make_script([odd.name], [odd])
    path = write_cast_file(cast_members(script, load_voices()), tmp_path / "b.cast.toml", title="T")
    assert load_voices([path]).characters[odd.name].aliases == (odd.name, "the\nhousemaid\t")
