"""What the CLI prints reads right in a pipe or a log: no wrapping at 80 columns, "1 line" not
"1 lines", a truthful narration row, warnings all as "Warning: …"."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from narrator import cli as cli_module
from narrator.cli import cli
from tests.conftest import preset_fake_engine

LONG_TITLE = "The Extraordinarily Long and Winding Account of the Keeper of the Northern Light"


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())


def run(*args: object) -> tuple[str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_counted() -> None:
    from narrator.wording import counted

    assert [counted(n, "line") for n in (0, 1, 2)] == ["0 lines", "1 line", "2 lines"]
    assert counted(1, "child", "children") == "1 child" and counted(3, "child", "children") == "3 children"


def test_dry_run_rows_and_paths_are_never_wrapped(tmp_path: Path) -> None:
    """rich wrapped at 80 columns when output was not a terminal: a chapter row, and the output
    path, broke mid-name."""
    book = tmp_path / "keeper.md"
    book.write_text(f"# {LONG_TITLE}\n\n\"Light the lamp,\" said Anna.\n\nThe wind rose over the rocks all night.\n",
                    encoding="utf-8")
    out = tmp_path / "a-rather-deep-folder-for-audiobooks" / "that-goes-on-and-on-past-eighty-columns"
    stdout, _ = run("render", book, "--dry-run", "-o", out, "--title", LONG_TITLE)
    lines = stdout.splitlines()
    assert any(line.startswith(f"{LONG_TITLE} by ") and line.endswith("of audio") for line in lines), stdout
    row = next(line for line in lines if line.startswith("    1. "))
    assert row.rstrip().split()[-1].startswith("~0:"), stdout
    assert f"Would write to {out}" in stdout


def test_one_of_a_kind_is_singular(tmp_path: Path) -> None:
    book = tmp_path / "note.txt"
    book.write_text("The lamp was lit.\n", encoding="utf-8")
    stdout, _ = run("render", book, "--dry-run", "-o", tmp_path / "out")
    assert ": 1 chapter, 1 line, about " in stdout, stdout
    assert "1 line " in stdout and "1 lines" not in stdout and "4 words" in stdout
    assert "(narration)                        1 line " in stdout and "0 lines" in stdout
    _, stderr = run("render", book, "-o", tmp_path / "out", "--engine", "fake")
    assert "Wrote 1 chapter, 0 unchanged," in stderr, stderr


def test_cast_shows_what_the_narration_reads(book_path: Path) -> None:
    """`(narration) 0 lines` although the narrator reads most of the book."""
    stdout, _ = run("cast", book_path)
    row = next(line for line in stdout.splitlines() if line.startswith("(narration)"))
    assert int(row.split()[1]) >= 5


def test_a_casting_warning_reads_like_the_others(book_path: Path, tmp_path: Path) -> None:
    """It printed as a log line: `narrator.cast: no female voice to cast from…`."""
    men_only = tmp_path / "men.toml"
    men_only.write_text('[pool]\nmale = [{voice = "en-us+m1"}]\nfemale = []\nneutral = []\n', encoding="utf-8")
    _, stderr = run("cast", book_path, "--voices", men_only)
    assert "Warning: no female voice to cast from" in stderr and "narrator.cast" not in stderr


def test_render_library_summary_counts_right(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    (books / "one.txt").write_text("The lamp was lit.\n", encoding="utf-8")
    stdout, _ = run("render-library", books, "-o", tmp_path / "out", "--engine", "fake", "-q")
    assert "1 book: 1 chapter rendered, 0 skipped, 0 failed" in stdout
