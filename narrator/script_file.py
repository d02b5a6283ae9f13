"""The attributed script as files: JSON lines for tools, an editable text form for people.

Text form (read back by ``narrator render BOOK --script FILE``)::

    ## Chapter 1: The Storm
    [1042] Tobias: “You're late,”
      | said her brother Tobias, without looking up from the logbook.

Only the ``[offset] Speaker:`` part of a quote line is read back; change the name to change
who speaks the line. A line narrator is unsure of is marked ``[offset] Speaker (check):`` (the
header says how many and how unsure); the mark is read past, so an edited name may keep it.
Narration (``|``) and ``#`` lines are context and are ignored. What a user
changes that narrator cannot honour (the quote's words, deleted lines, a name no one has) is
reported with the file and line, never dropped without a word.
"""
from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from .attribute.calibrate import Calibration
from .attribute.weights import shipped_weights
from .errors import ScriptError
from .segment import describe_quote_style
from .types import NARRATOR, UNKNOWN, Line, Script
from .wording import counted

JSONL_FIELDS = ("chapter", "start", "end", "kind", "speaker", "confidence", "evidence", "text")
_OPEN_BRACKETS = ("[", "\uff3b")  # "［": full-width, as some input methods type it
CHECK_MARK = "(check)"
"""After the speaker of a quote line whose confidence is under the calibration's threshold."""
_QUOTE_LINE = re.compile(r"^[\[\uff3b]\s*(\d+)\s*[\]\uff3d]\s*([^:\uff1a]*?)\s*[:\uff1a]\s?(.*)$")


def jsonl_records(script: Script) -> Iterator[dict[str, object]]:
    """One record per segment, in text order, with exactly `JSONL_FIELDS`."""
    for line in script.lines:
        segment = line.segment
        yield {
            "chapter": line.chapter,
            "start": segment.start,
            "end": segment.end,
            "kind": segment.kind,
            "speaker": line.speaker,
            "confidence": round(line.confidence, 3),
            "evidence": line.evidence,
            "text": segment.text,
        }


def to_jsonl(script: Script) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in jsonl_records(script))


def to_text(script: Script, calibration: Calibration | None = None) -> str:
    """The editable text form; quote lines under `calibration.check_below` (default: the shipped
    weights') are marked `CHECK_MARK`."""
    book = script.book
    check = calibration or shipped_weights().calibration
    names = ", ".join(c.name for c in script.characters) or "(none found)"
    out = [
        f"# narrator script for {book.title!r} by {book.author}",
        "# Change the name after [offset] to change who speaks a line; then run",
        "#   narrator render BOOK --script THIS_FILE",
        f"# Characters: {names}. Use {UNKNOWN!r} when no one fits.",
        f"# Dialogue: {describe_quote_style(book.text)} (the convention read from the book's text)",
        _check_summary(script, check),
    ]
    chapter = None
    for line in script.lines:
        if line.chapter != chapter:
            chapter = line.chapter
            out += ["", f"## {book.chapters[chapter - 1].title}"]
        text = " ".join(line.segment.text.split())
        if not text:
            continue
        if line.segment.kind == "quote":
            mark = f" {CHECK_MARK}" if _to_check(line, check) else ""
            out.append(f"[{line.segment.start}] {line.speaker or UNKNOWN}{mark}: {text}")
        else:
            out.append(f"  | {text}")
    return "\n".join(out) + "\n"


def _to_check(line: Line, check: Calibration) -> bool:
    return line.segment.kind == "quote" and bool(line.segment.text.strip()) and line.confidence < check.check_below


def _check_summary(script: Script, check: Calibration) -> str:
    """The header line that points the user at the lines to check, and says what the mark means."""
    quotes = sum(line.segment.kind == "quote" and bool(line.segment.text.strip()) for line in script.lines)
    flagged = sum(_to_check(line, check) for line in script.lines)
    if not flagged:
        return f"# No line to check: every quote line's confidence is at least {check.check_below:.2f}."
    wrong = (f"; on the train novels about {100 * check.check_wrong:.0f} % of such lines had the wrong speaker"
             if check.check_wrong is not None else "")
    return (f"# {flagged} of {counted(quotes, 'quote line')} to check (confidence below {check.check_below:.2f}"
            f"{wrong}): search for {CHECK_MARK!r}.")


@dataclass(frozen=True, slots=True)
class SpeakerEdit:
    """One ``[offset] Speaker: text`` line of an edited script."""

    speaker: str
    line: int
    """1-based line number in the script file, for messages."""
    text: str = ""
    """The quote text as the file has it (compared with the book's, never spoken)."""


def read_speaker_edits(path: Path) -> dict[int, SpeakerEdit]:
    """Map quote start offset → the edit on that offset's line of an edited text script.

    Lines may be indented and use full-width brackets or colon (an editor or an input method
    may add them); an offset given twice is an error naming both lines."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise ScriptError(f"Script file {str(path)!r} does not exist.") from e
    except IsADirectoryError as e:
        raise ScriptError(f"Script file {str(path)!r} is a folder; give the script's text file.") from e
    except UnicodeDecodeError as e:
        raise ScriptError(f"Script file {str(path)!r} is not UTF-8 text.") from e
    edits: dict[int, SpeakerEdit] = {}
    for number, raw in enumerate(content.splitlines(), 1):
        stripped = raw.lstrip()
        if not stripped.startswith(_OPEN_BRACKETS):
            continue
        match = _QUOTE_LINE.match(stripped)
        if not match or not match.group(2):
            raise ScriptError(f"{path}:{number}: expected '[offset] Speaker: text', got {stripped[:40]!r}.")
        offset = int(match.group(1))
        if offset in edits:
            raise ScriptError(f"{path}:{number}: offset [{offset}] is also on line {edits[offset].line}; "
                              "keep one of the two lines.")
        edits[offset] = SpeakerEdit(_unmarked(match.group(2)) or match.group(2), number, match.group(3))
    if not edits:
        raise ScriptError(f"Script file {str(path)!r} has no '[offset] Speaker: text' lines; "
                          "write one with `narrator script BOOK`.")
    return edits


def _unmarked(speaker: str) -> str:
    """The speaker without the check mark `to_text` may have put after it (any case)."""
    if speaker.lower().endswith(CHECK_MARK):
        return speaker[: -len(CHECK_MARK)].rstrip()
    return speaker


def apply_speaker_edits(
    script: Script, given: Mapping[int, SpeakerEdit | str], source: str = "script"
) -> Script:
    """A new script whose quotes take the speakers in `edits`.

    An edit that cannot be honoured stops with an error naming the file and line (an offset that
    is no quote, an unknown speaker); one that is ignored (changed quote text, quote lines
    deleted from the file) is reported in the book's warnings, so the render prints it."""
    edits = {offset: e if isinstance(e, SpeakerEdit) else SpeakerEdit(e, 0) for offset, e in given.items()}
    names = {c.name for c in script.characters} | {UNKNOWN}
    aliases = {a.lower(): c.name for c in script.characters for a in (c.name, *c.aliases)}
    quotes = {line.segment.start: line for line in script.lines if line.segment.kind == "quote"}
    for start, bad in edits.items():
        if start not in quotes:
            raise ScriptError(f"{_where(source, bad)}: no quote starts at offset {start}; was the book edited? "
                              "Write a fresh script with `narrator script BOOK`.")
    lines: list[Line] = []
    for line in script.lines:
        edit = edits.get(line.segment.start) if line.segment.kind == "quote" else None
        if edit is None or edit.speaker == line.speaker:
            lines.append(line)
            continue
        name = edit.speaker if edit.speaker in names else aliases.get(edit.speaker.lower())
        if name is None or name == NARRATOR:
            raise ScriptError(_unknown_speaker(edit, source, names))
        lines.append(replace(line, speaker=name, confidence=1.0, evidence=f"set by hand in {source}"))
    notes = _ignored_edits(script, quotes, edits, source)
    book = replace(script.book, warnings=script.book.warnings + notes) if notes else script.book
    return replace(script, book=book, lines=tuple(lines))


def _where(source: str, edit: SpeakerEdit) -> str:
    return f"{source}:{edit.line}" if edit.line else source


def _unknown_speaker(edit: SpeakerEdit, source: str, names: set[str]) -> str:
    hint = difflib.get_close_matches(edit.speaker, sorted(names - {NARRATOR}), n=1)
    tip = (f"Did you mean {hint[0]!r}?" if hint else
           f"To give the line to someone new, add [characters.{json.dumps(edit.speaker)}] to the book's "
           "cast file (`narrator cast BOOK --write` writes one), then render again.")
    return f"{_where(source, edit)}: unknown speaker {edit.speaker!r}. {tip}"


def _ignored_edits(
    script: Script, quotes: Mapping[int, Line], edits: Mapping[int, SpeakerEdit], source: str
) -> tuple[str, ...]:
    """Messages for edits narrator reads past: changed quote text, deleted quote lines."""
    notes = []
    for start, edit in edits.items():
        book_text = " ".join(quotes[start].segment.text.split())
        if edit.line and " ".join(edit.text.split()) != book_text:
            notes.append(f"{_where(source, edit)}: the quote text differs from the book's, which is what is "
                         "read; change words in the book, or how they sound in BOOK.lexicon.toml.")
    missing = [start for start, line in quotes.items() if start not in edits and line.segment.text.strip()]
    if missing and any(e.line for e in edits.values()):
        first = quotes[min(missing)]
        verb = "is" if len(missing) == 1 else "are"
        notes.append(f"{source}: {counted(len(missing), 'quote line')} of the book {verb} not in the file (the "
                     f"first at [{first.segment.start}], chapter {first.chapter}); they keep narrator's speakers.")
    return tuple(notes)
