"""Errors a user can cause. The CLI prints them on one line and exits non-zero."""
from __future__ import annotations


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
