"""`narrator voices say --book BOOK --character NAME`: a line in the voice `render` gives NAME."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from narrator import cli as cli_module
from narrator.cli import cli
from narrator.errors import CastError
from narrator.pipeline import prepare
from tests.conftest import preset_fake_engine


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Every engine the CLI builds (by --engine or by a profile's name) is one fake engine."""
    fake = preset_fake_engine()
    monkeypatch.setattr(cli_module, "_engine", lambda name: fake if name else None)
    monkeypatch.setattr("narrator.say.cached_engine", lambda name: fake)
    monkeypatch.setattr("narrator.pipeline.cached_engine", lambda name: fake)
    return fake


def say(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["voices", "say", *(str(a) for a in args)], catch_exceptions=False)


def test_a_character_speaks_with_the_voice_render_casts(book_path: Path, tmp_path: Path, engine) -> None:
    cast = {m.name: m.voice for m in prepare(book_path, output=tmp_path / "o").members}
    result = say("Fish again?", "--book", book_path, "--character", "tom", "-o", tmp_path / "tom.mp3")
    assert result.exit_code == 0, result.output
    assert engine.calls == [("Fish again?", cast["Tom"])]
    assert f"Tom: {cast['Tom'].voice}" in result.output and (tmp_path / "tom.mp3").exists()
    say("Evening.", "--book", book_path, "--character", "Narrator", "-o", tmp_path / "n.mp3")
    assert engine.calls[-1] == ("Evening.", cast["Narrator"])


def test_the_cast_file_voice_files_and_lexicon_of_the_book_apply(book_path: Path, tmp_path: Path, engine) -> None:
    book_path.with_name("harbour.cast.toml").write_text('[characters.Anna]\nvoice = "en-gb+f2"\nrate = 201\n',
                                                       encoding="utf-8")
    book_path.with_name("harbour.lexicon.toml").write_text('[words]\n"Anna" = "Ahna"\n', encoding="utf-8")
    result = say("Anna is here.", "--book", book_path, "--character", "Anna", "-o", tmp_path / "a.mp3")
    assert result.exit_code == 0, result.output
    text, voice = engine.calls[-1]
    assert text == "Ahna is here." and (voice.voice, voice.rate) == ("en-gb+f2", 201)
    voices = tmp_path / "mine.toml"
    voices.write_text('[narrator]\nvoice = "en-us+m2"\nrate = 140\n', encoding="utf-8")
    say("Night fell.", "--book", book_path, "--character", "narrator", "--voices", voices, "-o", tmp_path / "b.mp3")
    assert (engine.calls[-1][1].voice, engine.calls[-1][1].rate) == ("en-us+m2", 140)


def test_an_unknown_name_is_one_error_with_suggestions(book_path: Path, tmp_path: Path, engine) -> None:
    from narrator.say import cast_voice

    with pytest.raises(CastError, match=r"No character 'Tim' in harbour.txt's cast; did you mean 'Tom'\? "
                                        r"characters who speak: (Anna, Tom|Tom, Anna)"):
        cast_voice(book_path, "Tim")
    result = say("Hi", "--book", book_path, "--character", "Zebedee", "-o", tmp_path / "z.mp3")
    assert result.exit_code == 1 and result.output.startswith("Error: No character 'Zebedee'")
    assert len(result.output.strip().splitlines()) == 1 and engine.calls == []


@pytest.mark.parametrize("args, message", [
    (["--character", "Tom"], "give --book BOOK and --character NAME together"),
    (["--character", "Tom", "--book", "{book}", "--voice", "en-us"], "cannot change a --character's voice"),
    (["--language", "hi"], "need --book BOOK --character NAME"),
])
def test_misused_options_are_usage_errors(book_path: Path, engine, args: list[str], message: str) -> None:
    result = say("Hi", *(a.format(book=book_path) for a in args))
    assert result.exit_code == 2 and message in result.output
