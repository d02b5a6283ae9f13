"""What the CLI shows while and after rendering: progress bars (rich, on stderr; silent with
--quiet), the dry-run plan and the summary.

The plan and summary are plain lines (click.echo), never wrapped or styled: rich wraps at 80
columns when output is not a terminal, which broke paths and rows mid-name in a pipe or a log,
and reads `[...]` in a title as markup."""
from __future__ import annotations

from types import TracebackType

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .runner import RenderPlan, RenderResult
from .types import NARRATOR, UNKNOWN
from .wording import counted

_err = Console(stderr=True)


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
    total = sum(c.estimated_seconds for c in plan.chapters)
    click.echo(f"{book.title} by {book.author}: {counted(len(plan.chapters), 'chapter')}, "
               f"{counted(plan.lines, 'line')}, about {_duration(total)} of audio")
    for c in plan.chapters:
        click.echo(f"  {c.chapter.index:3}. {c.chapter.title[:50]:50} {_column(len(c.utterances), 'line', 5)} "
                   f"{_column(c.words, 'word', 7)} ~{_duration(c.estimated_seconds)}")
    click.echo("Cast:")
    for m in plan.members:
        click.echo(f"  {cast_name(m.name)[:30]:30} {_column(m.lines, 'line', 5)} {m.gender:7}  {m.voice.voice}")
    click.echo(f"Would write to {plan.book_dir}/")


def cast_name(name: str) -> str:
    """How a cast member is listed: narration and unknown speakers by what they read."""
    return "(narration)" if name == NARRATOR else "(speaker unknown)" if name == UNKNOWN else name


def _column(number: int, noun: str, width: int) -> str:
    """`counted` right-aligned in a column of `width` digits, the noun padded to the plural."""
    return f"{number:{width}} {counted(number, noun).split(' ', 1)[1]:{len(noun) + 1}}"


def print_result(plan: RenderPlan, result: RenderResult, quiet: bool = False) -> None:
    s = result.stats
    if not quiet:
        click.echo(f"Wrote {counted(result.chapters_written, 'chapter')}, {result.chapters_unchanged} unchanged, "
                   f"{_duration(result.audio_seconds)} of audio to {plan.book_dir}/ "
                   f"(lines synthesized {s.synthesized}, from cache {s.cached}, retried {s.retried})", err=True)
