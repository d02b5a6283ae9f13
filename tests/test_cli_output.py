"""CLI for the output features: render's --format/--subtitles/--loudness/--lexicon, voices say."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.mp3 import MP3

from narrator import cli as cli_module
from narrator.cli import cli
from tests.conftest import preset_fake_engine


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: object):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_voices_without_subcommand_still_lists(runner: CliRunner) -> None:
    result = run(runner, "voices", "--engine", "fake")
    assert result.exit_code == 0 and "en-us" in result.output and "Fake American" in result.output


def test_voices_say_writes_an_mp3_with_the_lexicon_applied(runner: CliRunner, tmp_path: Path) -> None:
    lexicon = tmp_path / "l.toml"
    lexicon.write_text('[words]\n"Hermione" = "her-my-oh-nee"\n', encoding="utf-8")
    out = tmp_path / "try.mp3"
    result = run(runner, "voices", "say", "Hermione is late.", "--voice", "en-gb+f3", "--engine", "fake",
                 "--rate", "150", "--pitch", "70", "--lexicon", lexicon, "-o", out)
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output and "her-my-oh-nee is late." in result.output
    assert MP3(out).info.length > 0.5


def test_voices_say_defaults_to_say_mp3(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(runner, "voices", "say", "Hello there", "--engine", "fake")
    assert result.exit_code == 0 and (tmp_path / "say.mp3").exists()


@pytest.mark.parametrize("args, message", [
    (["voices", "say", "Hi", "--engine", "fake", "--voice", "xx-nowhere"], "Unknown fake voice 'xx-nowhere'"),
    (["voices", "say", "...", "--engine", "fake"], "Nothing to say"),
    (["voices", "say", "Hi", "--engine", "fake", "--loudness", "loud"], "--loudness"),
])
def test_voices_say_errors_are_one_line(runner: CliRunner, tmp_path: Path, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    assert message in one_line_error(run(runner, *args))


def test_render_output_options(runner: CliRunner, book_path: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    out = tmp_path / "out"
    result = run(runner, "render", book_path, "-o", out, "--engine", "fake", "-q",
                 "--subtitles", "vtt", "--loudness", "off")
    assert result.exit_code == 0, result.output
    assert len(list(out.rglob("*.vtt"))) == 2 and not list(out.rglob("*.srt"))


@pytest.mark.parametrize("args, message", [
    (["--loudness", "loud"], "--loudness: 'loud' is not a loudness"),
    (["--loudness", "3"], "out of range"),
    (["--lexicon", "{bad}"], "bad.lexicon.toml' is not valid TOML"),
])
def test_render_bad_output_settings_are_one_line(runner: CliRunner, book_path: Path, tmp_path: Path,
                                                 monkeypatch, args, message) -> None:
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    bad = tmp_path / "bad.lexicon.toml"
    bad.write_text("[words\n", encoding="utf-8")
    args = [str(bad) if a == "{bad}" else a for a in args]
    assert message in one_line_error(run(runner, "render", book_path, "-o", tmp_path / "o", "--engine", "fake",
                                         "-q", *args))


def test_bad_loudness_in_voice_file_is_one_line(runner: CliRunner, book_path: Path, tmp_path: Path) -> None:
    voices = tmp_path / "v.toml"
    voices.write_text('[loudness]\ntarget = "very"\n', encoding="utf-8")
    message = one_line_error(run(runner, "render", book_path, "--voices", voices, "--dry-run"))
    assert "loudness.target" in message and "v.toml" in message


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe not installed")
def test_render_m4b_from_the_command_line(runner: CliRunner, book_path: Path, tmp_path: Path, monkeypatch) -> None:
    from narrator.m4b import ffmpeg_exe

    try:
        ffmpeg_exe()
    except Exception:
        pytest.skip("no ffmpeg")
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    out = tmp_path / "out"
    result = run(runner, "render", book_path, "-o", out, "--engine", "fake", "--format", "m4b",
                 "--title", "Harbour", "--author", "Ann")
    assert result.exit_code == 0, result.output
    assert (out / "Ann" / "Harbour" / "Harbour.m4b").exists()
    assert "Harbour.m4b" in result.output
