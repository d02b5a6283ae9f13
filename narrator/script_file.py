"""The attributed script as files: JSON lines for tools, an editable text form for people.

Text form (read back by ``narrator render BOOK --script FILE``)::

    ## Chapter 1: The Storm
    [1042] Tobias: “You're late,”
      | said her brother Tobias, without looking up from the logbook.

Only the ``[offset] Speaker:`` part of a quote line is read back; change the name to change
who speaks the line. Narration (``|``) and ``#`` lines are context and are ignored.
"""
from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

from .errors import ScriptError
from .types import NARRATOR, UNKNOWN, Line, Script

JSONL_FIELDS = ("chapter", "start", "end", "kind", "speaker", "confidence", "evidence", "text")
_QUOTE_LINE = re.compile(r"^\[(\d+)\]\s*([^:]*?)\s*:\s?(.*)$")


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


def to_text(script: Script) -> str:
    """The editable text form."""
    book = script.book
    names = ", ".join(c.name for c in script.characters) or "(none found)"
    out = [
        f"# narrator script for {book.title!r} by {book.author}",
        "# Change the name after [offset] to change who speaks a line; then run",
        "#   narrator render BOOK --script THIS_FILE",
        f"# Characters: {names}. Use {UNKNOWN!r} when no one fits.",
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
            out.append(f"[{line.segment.start}] {line.speaker or UNKNOWN}: {text}")
        else:
            out.append(f"  | {text}")
    return "\n".join(out) + "\n"


def read_speaker_edits(path: Path) -> dict[int, str]:
    """Map quote start offset → speaker name from an edited text script."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        raise ScriptError(f"Script file {str(path)!r} does not exist.") from e
    except UnicodeDecodeError as e:
        raise ScriptError(f"Script file {str(path)!r} is not UTF-8 text.") from e
    edits: dict[int, str] = {}
    for number, raw in enumerate(content.splitlines(), 1):
        if not raw.startswith("["):
            continue
        match = _QUOTE_LINE.match(raw)
        if not match or not match.group(2):
            raise ScriptError(f"{path}:{number}: expected '[offset] Speaker: text', got {raw[:40]!r}.")
        edits[int(match.group(1))] = match.group(2)
    if not edits:
        raise ScriptError(f"Script file {str(path)!r} has no '[offset] Speaker: text' lines; "
                          "write one with `narrator script BOOK > FILE`.")
    return edits


def apply_speaker_edits(script: Script, edits: Mapping[int, str], source: str = "script") -> Script:
    """A new script whose quotes take the speakers in `edits` (unknown names are an error)."""
    names = {c.name for c in script.characters} | {UNKNOWN}
    aliases = {a.lower(): c.name for c in script.characters for a in (c.name, *c.aliases)}
    quotes = {line.segment.start: line for line in script.lines if line.segment.kind == "quote"}
    for start in edits:
        if start not in quotes:
            raise ScriptError(f"{source}: no quote starts at offset {start}; was the book edited? "
                              "Write a fresh script with `narrator script BOOK`.")
    lines: list[Line] = []
    for line in script.lines:
        wanted = edits.get(line.segment.start) if line.segment.kind == "quote" else None
        if wanted is None or wanted == line.speaker:
            lines.append(line)
            continue
        name = wanted if wanted in names else aliases.get(wanted.lower())
        if name is None or name == NARRATOR:
            hint = difflib.get_close_matches(wanted, sorted(names), n=1)
            tip = f" Did you mean {hint[0]!r}?" if hint else " Add them to the cast file first."
            raise ScriptError(f"Unknown speaker {wanted!r} in chapter {line.chapter}.{tip}")
        lines.append(replace(line, speaker=name, confidence=1.0, evidence=f"set by hand in {source}"))
    return replace(script, lines=tuple(lines))
