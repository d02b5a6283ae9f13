"""The command line: outputs, and one-line errors with a non-zero exit for everything a user can break."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner

from narrator import cli as cli_module
from narrator.cli import cli
from narrator.errors import EngineError
from narrator.script_file import JSONL_FIELDS


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_script_jsonl_has_the_documented_fields_and_tiles_the_text(runner: CliRunner, book_path: Path) -> None:
    result = run(runner, "script", book_path, "--format", "jsonl")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.output.splitlines()]
    assert all(tuple(r) == JSONL_FIELDS for r in records)
    text = book_path.read_text(encoding="utf-8")
    assert "".join(r["text"] for r in records) == text
    assert [r["start"] for r in records[1:]] == [r["end"] for r in records[:-1]]
    quotes = [r for r in records if r["kind"] == "quote"]
    assert quotes[0]["speaker"] == "Anna" and 0 <= quotes[0]["confidence"] <= 1 and quotes[0]["evidence"]
    assert all(r["speaker"] is None for r in records if r["kind"] == "narration")


def test_script_text_form_lists_speakers(runner: CliRunner, book_path: Path) -> None:
    result = run(runner, "script", book_path)
    assert result.exit_code == 0
    assert any(line.split("] ", 1)[1].startswith("Tom:") for line in result.output.splitlines()
               if line.startswith("["))


def test_render_with_fake_engine_and_dry_run(runner: CliRunner, book_path: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import preset_fake_engine

    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    out = tmp_path / "out"
    dry = run(runner, "render", book_path, "--output", out, "--dry-run")
    assert dry.exit_code == 0 and "2 chapters" in dry.output and "Anna" in dry.output
    assert not out.exists()
    result = run(runner, "render", book_path, "--output", out, "--engine", "fake", "--quiet")
    assert result.exit_code == 0, result.output
    assert len(list(out.rglob("*.mp3"))) == 2


def test_cast_write_then_render_honours_it(runner: CliRunner, book_path: Path) -> None:
    result = run(runner, "cast", book_path, "--write")
    assert result.exit_code == 0 and "Anna" in result.output
    cast_file = book_path.with_name("harbour.cast.toml")
    text = cast_file.read_text(encoding="utf-8")
    assert '[characters."Anna"]' in text
    head, anna = text.split('[characters."Anna"]')
    cast_file.write_text(head + '[characters."Anna"]' + re.sub(r"rate = \d+", "rate = 222", anna, count=1),
                         encoding="utf-8")
    shown = run(runner, "cast", book_path)
    anna_row = next(line for line in shown.output.splitlines() if line.startswith("Anna "))
    assert " 222 " in anna_row and anna_row.endswith("you")
    again = run(runner, "cast", book_path, "--write")
    assert again.exit_code == 1 and "--force" in again.output


def test_voices_lists_engine_voices(runner: CliRunner) -> None:
    result = run(runner, "voices")
    assert result.exit_code == 0 and "en-us" in result.output and "+" in result.output


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    "content, expected",
    [(b"", "is empty"), (b"\x00\x01\x02binary\xff" * 50, "binary file"), (None, "does not exist")],
)
def test_bad_books(runner: CliRunner, tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "book.txt"
    if content is not None:
        path.write_bytes(content)
    for command in ("render", "script", "cast"):
        assert expected in one_line_error(run(runner, command, path))


def test_malformed_toml_names_the_line(runner: CliRunner, book_path: Path, tmp_path: Path) -> None:
    voices = tmp_path / "v.toml"
    voices.write_text('[narrator]\nvoice = "en-us"\nrate = = 3\n', encoding="utf-8")
    assert "line 3" in one_line_error(run(runner, "render", book_path, "--voices", voices))


def test_unknown_voice(runner: CliRunner, book_path: Path, tmp_path: Path) -> None:
    voices = tmp_path / "v.toml"
    voices.write_text('[narrator]\nvoice = "en-xx+nobody"\n', encoding="utf-8")
    message = one_line_error(run(runner, "render", book_path, "--voices", voices, "--dry-run"))
    assert "en-xx+nobody" in message and "narrator voices" in message


def test_missing_engine(runner: CliRunner, book_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from narrator.engines import espeak

    def missing() -> None:
        raise EngineError("espeak-ng library not found; reinstall with `pip install espeakng-loader`")

    monkeypatch.setattr(espeak, "_load_library", missing)
    monkeypatch.setattr(espeak, "_STATE", {})
    assert "espeak-ng library not found" in one_line_error(run(runner, "voices"))


def test_missing_encoder(runner: CliRunner, book_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_lameenc(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "lameenc":
            raise ImportError("No module named 'lameenc'")
        return real_import(name, *args, **kwargs)

    from tests.conftest import preset_fake_engine

    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    monkeypatch.setattr(builtins, "__import__", no_lameenc)
    # --jobs 1: the patched import only exists in this process, not in worker processes
    message = one_line_error(run(runner, "render", book_path, "-o", tmp_path / "o", "--engine", "fake", "-q",
                                 "--jobs", "1", "--title", "Harbour", "--author", "Ann Writer"))
    assert "pip install lameenc" in message


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(runner: CliRunner, command: str) -> None:
    result = run(runner, command, "--help")
    assert result.exit_code == 0 and "Example:" in result.output


CAST_BOOK = """Mara stepped into the clearing where the four guards waited by the fire. They turned at the
sound, and the tall grey man chose to be their speaker.

"Go home, girl. There is nothing for you here," he said.

"I will not go without my brother," Mara said.

"Then you will wait a long time! We all swore to keep him!" This time the strangely masked man was the one to speak.

"Swear what you like," said Mara. "Tobias comes home with me."

Tobias looked up from the fire. "Mara? Is that you?"
"""


def test_writing_the_cast_changes_no_decision(runner: CliRunner, tmp_path: Path) -> None:
    """`cast --write` then `script`: every speaker, confidence and evidence stays the same, the
    described speakers ("the strangely masked man") included: the cast file is laid over
    discovery instead of replacing it."""
    book = tmp_path / "clearing.txt"
    book.write_text(CAST_BOOK, encoding="utf-8")
    before = run(runner, "script", book, "--format", "jsonl").output
    assert '"speaker": "the strangely masked man"' in before
    assert run(runner, "cast", book, "--write").exit_code == 0
    assert book.with_name("clearing.cast.toml").exists()
    assert run(runner, "script", book, "--format", "jsonl").output == before


def test_renaming_a_cast_entry_renames_the_character(runner: CliRunner, tmp_path: Path) -> None:
    """A character renamed in the cast file keeps every line under the new name; no line moves
    to anyone else, and a described speaker can be renamed too."""
    book = tmp_path / "clearing.txt"
    book.write_text(CAST_BOOK, encoding="utf-8")
    before = [json.loads(x) for x in run(runner, "script", book, "--format", "jsonl").output.splitlines()]
    run(runner, "cast", book, "--write")
    cast_file = book.with_name("clearing.cast.toml")
    text = cast_file.read_text(encoding="utf-8")
    assert '[characters."Mara"]' in text and '[characters."the strangely masked man"]' in text
    text = text.replace('[characters."Mara"]', '[characters."Mara Hollis"]')
    cast_file.write_text(text.replace('[characters."the strangely masked man"]', '[characters."Osric"]'),
                         encoding="utf-8")
    after = [json.loads(x) for x in run(runner, "script", book, "--format", "jsonl").output.splitlines()]
    new_names = {"Mara": "Mara Hollis", "the strangely masked man": "Osric"}
    renamed = [(new_names.get(r["speaker"], r["speaker"]), r["confidence"]) for r in before]
    assert [(r["speaker"], r["confidence"]) for r in after] == renamed
    assert any(r["speaker"] == "Mara Hollis" for r in after) and any(r["speaker"] == "Osric" for r in after)


def test_a_voices_file_naming_one_character_keeps_the_others(runner: CliRunner, tmp_path: Path) -> None:
    """A voice chosen for one character in a --voices file leaves everyone else's lines alone."""
    book = tmp_path / "clearing.txt"
    book.write_text(CAST_BOOK, encoding="utf-8")
    before = run(runner, "script", book, "--format", "jsonl").output
    voices = tmp_path / "mine.toml"
    voices.write_text('[characters."Tobias"]\nvoice = "en-gb+m3"\n', encoding="utf-8")
    assert run(runner, "script", book, "--voices", voices, "--format", "jsonl").output == before


FIRST_PERSON_BOOK = """I had been walking since dawn when I reached the ferry. Pell was sitting on an upturned boat,
and he was smoking his pipe. I sat down beside him and I waited.

"Crossing?" asked Pell.

"If you will take me," I said.

"It'll cost you a penny."

I paid him, and he pushed off into the grey water. I watched the bank slide away.
"""


def test_a_first_person_narrator_is_a_cast_member_of_their_own(runner: CliRunner, tmp_path: Path) -> None:
    """The unnamed "I" who speaks is cast as "I", not as the narration voice: the written cast
    file is valid (one [narrator] table), changes nothing, and renaming "I" names them."""
    book = tmp_path / "ferry.txt"
    book.write_text(FIRST_PERSON_BOOK, encoding="utf-8")
    before = run(runner, "script", book, "--format", "jsonl").output
    assert '"speaker": "I"' in before
    assert run(runner, "cast", book, "--write").exit_code == 0
    cast_file = book.with_name("ferry.cast.toml")
    data = tomllib.loads(cast_file.read_text(encoding="utf-8"))
    assert "I" in data["characters"] and data["narrator"]["voice"] != data["characters"]["I"]["voice"]
    assert run(runner, "script", book, "--format", "jsonl").output == before
    cast_file.write_text(cast_file.read_text(encoding="utf-8").replace('[characters."I"]', '[characters."Tom Bell"]'),
                         encoding="utf-8")
    after = run(runner, "script", book, "--format", "jsonl").output
    assert after == before.replace('"speaker": "I"', '"speaker": "Tom Bell"')
