"""What the CLI shows while and after rendering (rich, on stderr; silent with --quiet)."""
from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .runner import RenderPlan, RenderResult
from .types import NARRATOR, UNKNOWN

_err = Console(stderr=True)
_out = Console(highlight=False)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class RenderProgress:
    """Two bars: chapters, and lines over the whole run with the time left (totals as known
    upfront; the render loop reports the real ones as it starts)."""

    def __init__(self, chapters: int = 0, lines: int = 0, quiet: bool = False) -> None:
        self._progress = Progress(
            TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("left"), TimeRemainingColumn(), console=_err, disable=quiet, transient=False,
        )
        self._chapters = self._progress.add_task("chapters", total=chapters)
        self._lines = self._progress.add_task("lines", total=lines)

    def __enter__(self) -> RenderProgress:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._progress.stop()

    def update(self, what: str, done: int, total: int) -> None:
        task = self._chapters if what == "chapter" else self._lines
        self._progress.update(task, completed=done, total=total)


def print_plan(plan: RenderPlan) -> None:
    """--dry-run: chapters, characters, line counts and estimated audio length."""
    book = plan.script.book
    _out.print(f"{book.title} by {book.author}: {len(plan.chapters)} chapters, {plan.lines} lines, "
               f"about {_duration(sum(c.estimated_seconds for c in plan.chapters))} of audio")
    for c in plan.chapters:
        _out.print(f"  {c.chapter.index:3}. {c.chapter.title[:50]:50} {len(c.utterances):5} lines "
                   f"{c.words:7} words  ~{_duration(c.estimated_seconds)}")
    _out.print("Cast:")
    for m in plan.members:
        name = "(narration)" if m.name == NARRATOR else "(speaker unknown)" if m.name == UNKNOWN else m.name
        _out.print(f"  {name[:30]:30} {m.lines:5} lines  {m.gender:7}  {m.voice.voice}")
    _out.print(f"Would write to {plan.book_dir}/")


def print_result(plan: RenderPlan, result: RenderResult, quiet: bool = False) -> None:
    s = result.stats
    message = (f"Wrote {result.chapters_written} chapter(s), {result.chapters_unchanged} unchanged, "
               f"{_duration(result.audio_seconds)} of audio to {plan.book_dir}/ "
               f"(lines synthesized {s.synthesized}, from cache {s.cached}, retried {s.retried})")
    if not quiet:
        _err.print(message)
