"""Reading an edited script back: every edit narrator cannot honour is named with file and line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from narrator.attribute.calibrate import Calibration
from narrator.attribute.weights import shipped_weights
from narrator.errors import ScriptError
from narrator.pipeline import load_book, make_script
from narrator.script_file import apply_speaker_edits, read_speaker_edits, to_text
from narrator.types import Script


@pytest.fixture
def script(book_path: Path) -> Script:
    return make_script(load_book(book_path))


def edit(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "book.script.txt"
    path.write_text(text, encoding="utf-8")
    return path


def speakers(script: Script) -> dict[int, str | None]:
    return {line.segment.start: line.speaker for line in script.lines if line.segment.kind == "quote"}


def give_tom_line_to(name: str, text: str) -> str:
    edited = re.sub(r"^(\[\d+\]) Tom: (\"I told you)", rf"\1 {name}: \2", text, flags=re.MULTILINE)
    assert edited != text
    return edited


def test_an_unedited_script_changes_nothing_and_warns_nothing(script: Script, tmp_path: Path) -> None:
    path = edit(tmp_path, to_text(script))
    again = apply_speaker_edits(script, read_speaker_edits(path), str(path))
    assert again.lines == script.lines and again.book.warnings == script.book.warnings


def test_indented_and_full_width_lines_are_read(script: Script, tmp_path: Path) -> None:
    text = give_tom_line_to("Anna", to_text(script))
    text = re.sub(r"^\[(\d+)\] Anna: \"I told you", r"   ［\1］ Anna： \"I told you", text, flags=re.MULTILINE)
    path = edit(tmp_path, text)
    changed = apply_speaker_edits(script, read_speaker_edits(path), str(path))
    diff = {k: v for k, v in speakers(changed).items() if speakers(script)[k] != v}
    assert list(diff.values()) == ["Anna"]


def test_a_duplicated_offset_names_both_lines(script: Script, tmp_path: Path) -> None:
    lines = to_text(script).splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("["))
    lines.append(lines[first].replace("Anna", "Tom"))
    path = edit(tmp_path, "\n".join(lines))
    with pytest.raises(ScriptError, match=rf"book.script.txt:{len(lines)}: .* also on line {first + 1}"):
        read_speaker_edits(path)


def test_an_unknown_speaker_names_file_line_and_the_fix(script: Script, tmp_path: Path) -> None:
    text = give_tom_line_to("Marguerite", to_text(script))
    number = next(i for i, line in enumerate(text.splitlines(), 1) if "Marguerite" in line)
    path = edit(tmp_path, text)
    with pytest.raises(ScriptError, match=rf"book.script.txt:{number}: unknown speaker 'Marguerite'\. "
                                          r"To give the line to someone new, add \[characters\.\"Marguerite\"\]"):
        apply_speaker_edits(script, read_speaker_edits(path), str(path))


def test_a_misspelt_speaker_gets_a_suggestion(script: Script, tmp_path: Path) -> None:
    path = edit(tmp_path, give_tom_line_to("Ana", to_text(script)))
    with pytest.raises(ScriptError, match=r"unknown speaker 'Ana'\. Did you mean 'Anna'\?"):
        apply_speaker_edits(script, read_speaker_edits(path), str(path))


def test_changed_quote_text_is_reported_not_silently_ignored(script: Script, tmp_path: Path) -> None:
    text = to_text(script).replace('"He will come,"', '"He will surely come,"')
    number = next(i for i, line in enumerate(text.splitlines(), 1) if "surely" in line)
    path = edit(tmp_path, text)
    changed = apply_speaker_edits(script, read_speaker_edits(path), str(path))
    assert changed.lines == script.lines
    assert any(w.startswith(f"{path}:{number}: the quote text differs") for w in changed.book.warnings)


def test_deleted_quote_lines_are_reported(script: Script, tmp_path: Path) -> None:
    lines = to_text(script).splitlines()
    kept = [line for line in lines if not line.startswith("[") or "Tom:" not in line]
    path = edit(tmp_path, "\n".join(kept))
    changed = apply_speaker_edits(script, read_speaker_edits(path), str(path))
    dropped = sum(1 for line in lines if line.startswith("[") and "Tom:" in line)
    assert any(f"{dropped} quote lines of the book are not in the file" in w for w in changed.book.warnings)


def test_an_offset_that_is_no_quote_names_the_line(script: Script, tmp_path: Path) -> None:
    path = edit(tmp_path, "# a script\n\n[3] Anna: \"Hello\"\n")
    with pytest.raises(ScriptError, match=r"book.script.txt:3: no quote starts at offset 3"):
        apply_speaker_edits(script, read_speaker_edits(path), str(path))


def test_a_folder_given_as_script_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="is a folder"):
        read_speaker_edits(tmp_path)


def test_an_edited_script_beside_the_book_is_used_and_said(book_path: Path, tmp_path: Path, monkeypatch) -> None:
    """Issue 10: BOOK.script.txt beside the book was ignored (while BOOK.cast.toml and
    BOOK.lexicon.toml are read), so a plain re-render undid the user's fixes."""
    from click.testing import CliRunner

    from narrator import cli as cli_module
    from narrator.cli import cli
    from narrator.pipeline import prepare
    from tests.conftest import preset_fake_engine

    original = make_script(load_book(book_path))
    beside = book_path.with_name("harbour.script.txt")
    beside.write_text(give_tom_line_to("Anna", to_text(original)), encoding="utf-8")
    offset = next(s for s, who in speakers(original).items() if who == "Tom"
                  and book_path.read_text()[s:].startswith('"I told you'))
    plan = prepare(book_path, engine=preset_fake_engine())
    assert speakers(plan.script)[offset] == "Anna"
    assert plan.notes == (f"Using the edited script {beside} (found beside the book; --script FILE gives another)",)
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    shown = CliRunner().invoke(cli, ["render", str(book_path), "--engine", "fake", "--dry-run"])
    assert shown.exit_code == 0 and f"Using the edited script {beside}" in shown.output
    # --script wins over the file beside the book
    other = edit(tmp_path, to_text(original))
    chosen = prepare(book_path, engine=preset_fake_engine(), script_file=other)
    assert speakers(chosen.script)[offset] == "Tom" and chosen.notes == ()
    # the book changed under the script: the clear message of a stale script, naming the file
    book_path.write_text("Chapter 1\n\nA new first line.\n\n" + book_path.read_text(), encoding="utf-8")
    with pytest.raises(ScriptError, match=rf"{re.escape(str(beside))}:\d+: no quote starts at offset .*narrator "
                                          r"script BOOK"):
        prepare(book_path, engine=preset_fake_engine())


def test_unsure_lines_are_marked_counted_and_read_back(script: Script, tmp_path: Path) -> None:
    """Lines under the threshold carry '(check)' after the speaker; the header counts them and
    says how to find them; the marked file parses back to the same speakers."""
    quotes = sorted(line.confidence for line in script.lines if line.segment.kind == "quote")
    below = (quotes[1] + quotes[2]) / 2 if quotes[1] < quotes[2] else quotes[2] + 0.001
    unsure = sum(c < below for c in quotes)
    check = Calibration(check_below=below, check_wrong=0.55)
    text = to_text(script, check)
    marked = [line for line in text.splitlines() if line.startswith("[") and " (check): " in line]
    assert len(marked) == unsure >= 2
    header = f"# {unsure} of {len(quotes)} quote lines to check (confidence below {below:.2f}; on the train novels " \
             "about 55 % of such lines had the wrong speaker): search for '(check)'."
    assert header in text.splitlines()
    path = edit(tmp_path, text)
    again = apply_speaker_edits(script, read_speaker_edits(path), str(path))
    assert again.lines == script.lines and again.book.warnings == script.book.warnings
    # correcting a marked line and leaving the mark: the new name is read
    first = marked[0]
    offset = int(first[1:first.index("]")])
    fixed = text.replace(first, first.replace(f"] {speakers(script)[offset]} (check):", "] Tom (CHECK):"))
    changed = apply_speaker_edits(script, read_speaker_edits(edit(tmp_path, fixed)))
    assert speakers(changed)[offset] == "Tom"


def test_a_sure_script_says_there_is_nothing_to_check(script: Script) -> None:
    text = to_text(script, Calibration(check_below=0.0))
    assert "# No line to check: every quote line's confidence is at least 0.00." in text.splitlines()
    assert "(check)" not in text


def test_the_shipped_threshold_was_measured(script: Script) -> None:
    """By default the shipped calibration's threshold marks the lines, and the header says what
    share of such lines was wrong when it was fitted."""
    shipped = shipped_weights().calibration
    assert shipped.check_wrong is not None
    assert to_text(script) == to_text(script, shipped)
