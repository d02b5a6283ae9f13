"""Errors a user can cause. The CLI prints them on one line and exits non-zero."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .wording import counted


class NarratorError(Exception):
    """Base class: the message says what went wrong and what to do."""


class IngestError(NarratorError):
    """The book could not be read (missing, empty, binary, undecodable)."""


class ScriptError(NarratorError):
    """An edited script file is malformed or names an unknown speaker."""


class CastError(NarratorError):
    """A voice profile or cast file is malformed or names an unknown voice."""


class EngineError(NarratorError):
    """The speech engine is missing or failed to produce a valid line."""


class ExportError(NarratorError):
    """Encoding or writing the audio failed."""


class OutputError(ExportError):
    """The output folder cannot be used: it cannot be written, or another book's audiobook is
    there."""


@dataclass(frozen=True, slots=True)
class ChapterFailure:
    """One chapter that could not be rendered (the others still were)."""

    label: str
    path: Path
    error: str
    bug: bool = False
    """Not a NarratorError but an unexpected exception; `detail` holds its traceback."""
    detail: str = ""


class RenderError(NarratorError):
    """Some chapters failed; the others were written. Running the command again retries only
    the failed (and unwritten) ones."""

    def __init__(self, failures: Sequence[ChapterFailure], done: int, total: int,
                 result: Any = None) -> None:
        self.failures = tuple(failures)
        self.result = result
        """The book's RenderResult: what was written despite the failures."""
        first = failures[0]
        more = f" (and {len(failures) - 1} more: " + ", ".join(f.label for f in failures[1:4]) + \
            (", …" if len(failures) > 4 else "") + ")" if len(failures) > 1 else ""
        super().__init__(
            f"{len(failures)} of {counted(total, 'chapter')} failed, {done} done: {first.label}: {first.error}"
            f"{more}; fix the cause and run the command again to render only what is missing"
        )
