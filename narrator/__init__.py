"""narrator: prose fiction in, multi-voice MP3 audiobooks out.

    import narrator
    result = narrator.render("book.epub", output="audiobooks")     # or narrator.render(path, options)
    print(result.files, result.playlist)

The Python API mirrors the CLI: `render`, `prepare` (plan only, like --dry-run), `render_library`,
`make_script`, `preview` (one line in one voice, as a pydub AudioSegment), configured by one
`RenderOptions`. (`narrator.say.say` writes that line to an MP3, as `narrator voices say` does.)
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import ChapterFailure, NarratorError, RenderError
from .types import Book, Cast, Chapter, Character, Clip, Line, Script, Segment, VoiceProfile

if TYPE_CHECKING:
    from .library import render_library as render_library
    from .options import RenderOptions as RenderOptions
    from .pipeline import load_book as load_book
    from .pipeline import make_script as make_script
    from .pipeline import prepare as prepare
    from .pipeline import render as render
    from .runner import RenderPlan as RenderPlan
    from .runner import RenderResult as RenderResult
    from .say import preview as preview

_LAZY = {
    "RenderOptions": "options", "RenderPlan": "runner", "RenderResult": "runner", "load_book": "pipeline",
    "make_script": "pipeline", "prepare": "pipeline", "render": "pipeline", "render_library": "library",
    "preview": "say",
}
"""Imported on first use, so that `import narrator` (and every worker process) stays light."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'narrator' has no attribute {name!r}")


__all__ = [
    "Book", "Cast", "Chapter", "ChapterFailure", "Character", "Clip", "Line", "NarratorError", "RenderError",
    "RenderOptions", "RenderPlan", "RenderResult", "Script", "Segment", "VoiceProfile", "load_book",
    "make_script", "prepare", "preview", "render", "render_library",
]
