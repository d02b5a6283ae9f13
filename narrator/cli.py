"""The `narrator` command: thin click adapters over `narrator.pipeline`."""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import pipeline
from .cast import write_cast_file
from .engines import ENGINE_NAMES, Engine
from .errors import NarratorError
from .loudness import DEFAULT_TARGET, parse_target
from .options import OUTPUT_FORMATS, RenderOptions
from .script_file import to_jsonl, to_text
from .subtitles import FORMATS as SUBTITLE_FORMATS
from .types import NARRATOR, UNKNOWN, VoiceProfile

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
ENGINE_CHOICE = click.Choice(list(ENGINE_NAMES))
PIPER_HELP = (
    "Piper voices are looked for in --piper-model, $NARRATOR_PIPER_DIR (default "
    "~/.local/share/narrator/piper) and installed voice packages. To add one: `narrator voices "
    "download en_US-libritts_r-medium` (904 speakers: `render --engine piper` gives each character "
    "one), `narrator voices download --list` for all. Use it in a profile with engine = \"piper\" "
    "and voice = \"NAME\", a path to the .onnx file, or \"NAME#N\" for speaker N of a "
    "multi-speaker voice. Piper itself: pip install 'narrator[piper]'."
)
BOOK = click.Path(exists=False, dir_okay=True, path_type=Path)
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
DEFAULTS = RenderOptions()
"""The CLI's defaults are the Python API's: every default is written once, in narrator/options.py."""
VOICE = VoiceProfile()
"""`voices say` defaults to the default voice profile."""


class NarratorGroup(click.Group):
    """Turns `NarratorError` into a one-line `Error: …` and exit code 1 (tracebacks are for bugs)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NarratorError as e:
            raise click.ClickException(str(e)) from e
        except KeyboardInterrupt:
            click.echo("Interrupted; finished chapters are kept, run the command again to resume.", err=True)
            sys.exit(130)


class LoudnessType(click.ParamType):
    """LUFS (`-20`, `-20 LUFS`) or `off`, checked as a voice file's `[loudness] target` is."""

    name = "LUFS|off"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float | str:
        if isinstance(value, float) or value == "off":
            return value
        try:
            target = parse_target(value)
        except NarratorError as e:  # one line, like every other error of narrator's
            raise click.ClickException(f"{param.opts[-1] if param else 'loudness'}: {e}") from e
        return "off" if target is None else target


@click.group(cls=NarratorGroup, context_settings=CONTEXT_SETTINGS)
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does to stderr.")
@click.version_option(package_name="narrator")
def cli(verbose: bool) -> None:
    """Turn prose fiction into multi-voice MP3 audiobooks.

    Example:

    \b
        narrator render text/the-lighthouse-keepers.md
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(name)s: %(message)s")


def _use_piper_dir(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """Piper engines (here and in worker processes) find voices through this variable."""
    if value is not None:
        os.environ["NARRATOR_PIPER_DIR"] = str(value)


piper_model_option = click.option(
    "--piper-model", type=click.Path(exists=True, path_type=Path), metavar="PATH", envvar="NARRATOR_PIPER_DIR",
    expose_value=False, callback=_use_piper_dir, is_eager=True,
    help="Folder of Piper voices (.onnx + .onnx.json), or one .onnx file.")
voices_option = click.option("--voices", "voices", multiple=True, type=FILE, metavar="TOML",
                             help="Voice profile file; repeat to layer several.")


def engine_option(default: str | None = None,
                  help: str = "Use this engine for every voice instead of each profile's own.") -> Decorator:
    """`--engine NAME`, the one declaration every command that speaks uses."""
    return click.option("--engine", type=ENGINE_CHOICE, default=default, show_default=default is not None, help=help)


def _stack(options: list[Decorator]) -> Decorator:
    def apply(fn: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            fn = option(fn)
        return fn
    return apply


book_options = _stack([
    click.argument("book", type=BOOK),
    click.option("--title", help="Book title (default: from the file)."),
    click.option("--author", help="Book author (default: from the file)."),
    voices_option,
    click.option("--cast", "cast_file", type=FILE, metavar="TOML",
                 help="Cast file to use (default: BOOK.cast.toml beside the book, if any)."),
    click.option("--include", multiple=True, metavar="NAME",
                 help="EPUB: read a page skipped as front matter (file name such as "
                      "copyright.xhtml, or a label such as Dedication); repeatable."),
    click.option("--notes", is_flag=True, help="HTML/AO3: read author's notes and summaries aloud."),
    piper_model_option,
])
"""Options every command that reads a book shares (their names are RenderOptions fields)."""

render_options = _stack([
    click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=DEFAULTS.output,
                 show_default=True, help="Folder for the audiobooks (Author/Title/NN - Chapter.mp3)."),
    engine_option(),
    click.option("--format", type=click.Choice(OUTPUT_FORMATS), default=DEFAULTS.format, show_default=True,
                 help="mp3: a file per chapter; m4b: one Author/Title/Title.m4b with chapters "
                      "(needs `pip install 'narrator[m4b]'`)."),
    click.option("--subtitles", type=click.Choice(SUBTITLE_FORMATS), default=DEFAULTS.subtitles,
                 show_default=True, help="Subtitles beside each chapter file, timed to the audio."),
    click.option("--loudness", type=LoudnessType(), metavar="LUFS|off", default=DEFAULTS.loudness,
                 help="Match every line to this loudness (default: [loudness] target in the voice "
                      f"files, else {DEFAULT_TARGET:g}); off keeps the engine's levels."),
    click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path),
                 default=DEFAULTS.cache_dir,
                 help="Line cache folder, shared by all workers (default: $XDG_CACHE_HOME/narrator)."),
    click.option("-j", "--jobs", type=click.IntRange(min=1), default=DEFAULTS.jobs,
                 help="Chapters rendered at once, in worker processes (default: number of cores)."),
    click.option("--scheduler", metavar="ADDRESS", default=DEFAULTS.scheduler,
                 help="Dask scheduler (e.g. tcp://host:8786) to run the chapters on instead."),
    click.option("-q", "--quiet", is_flag=True, help="No progress display."),
])
"""Options `render` and `render-library` share: where the audiobooks go, in what form, and
where the work runs."""


def _engine(name: str | None) -> Engine | None:
    if name is None:
        return None
    from .engines import get_engine

    return get_engine(name)


def _options(engine: str | None = None, **values: Any) -> RenderOptions:
    """RenderOptions from a command's parameters (named as its fields)."""
    return RenderOptions(engine=_engine(engine), **values)


@cli.command()
@book_options
@click.option("--script", "script_file", type=FILE, metavar="FILE",
              help="Edited script (from `narrator script`) that says who speaks each line.")
@click.option("--lexicon", type=FILE, metavar="TOML",
              help="Pronunciation lexicon (default: BOOK.lexicon.toml beside the book, if any).")
@click.option("--dry-run", is_flag=True, help="Show chapters, cast and estimated length; synthesize nothing.")
@render_options
def render(book: Path, dry_run: bool, quiet: bool, **values: Any) -> None:
    """Render BOOK to tagged, numbered chapter MP3s and a playlist.

    Only lines whose text or voice changed are synthesized again.

    Example:

    \b
        narrator render text/the-lighthouse-keepers.md --output output
    """
    from .progress import RenderProgress, print_plan, print_result

    plan = pipeline.prepare(book, _options(**values))
    for warning in plan.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if dry_run:
        print_plan(plan)
        return
    with RenderProgress(len(plan.chapters), plan.lines, quiet=quiet) as progress:
        result = pipeline.render(book, plan=plan, progress=progress.update)
    print_result(plan, result, quiet=quiet)
    if result.m4b is not None and not quiet:
        click.echo(f"Wrote {result.m4b}", err=True)


@cli.command("render-library")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@voices_option
@piper_model_option
@render_options
def render_library_cmd(directory: Path, quiet: bool, **values: Any) -> None:
    """Render every book (txt, md, epub, html) in DIRECTORY, one task per chapter.

    Each book is rendered as `narrator render` would, with its own cast and lexicon files.
    Finished chapters are skipped; a failed chapter or book does not stop the others.

    Example:

    \b
        narrator render-library books/ --scheduler tcp://10.0.0.5:8786 --cache /shared/cache
    """
    from .library import render_library
    from .progress import RenderProgress

    with RenderProgress(quiet=quiet) as progress:
        result = render_library(directory, _options(**values), progress=progress.update)
    for b in result.books:
        state = f"error: {b.error}" if b.error else (
            f"{b.rendered} rendered, {b.skipped} skipped, {len(b.failures)} failed")
        click.echo(f"{b.path.name}: {state}")
        for f in b.failures:
            click.echo(f"  failed {f.label}: {f.error}")
    click.echo(f"{len(result.books)} books: {result.rendered} chapters rendered, {result.skipped} skipped, "
               f"{result.failed} failed (lines synthesized {result.stats.synthesized}, "
               f"from cache {result.stats.cached})")
    if result.failed:
        raise click.ClickException(f"{result.failed} failed; fix the cause and run the command again "
                                   "to render only what is missing")


@cli.command()
@book_options
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
              help="text: editable, for `render --script`; jsonl: one JSON object per segment.")
def script(book: Path, fmt: str, **values: Any) -> None:
    """Print the attributed script of BOOK: who speaks each line.

    Example:

    \b
        narrator script book.txt > book.script.txt   # edit, then: narrator render book.txt --script book.script.txt
    """
    result = pipeline.build_script(book, RenderOptions(**values))
    for warning in result.book.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(to_jsonl(result) if fmt == "jsonl" else to_text(result), nl=False)


@cli.command()
@book_options
@click.option("--write", "write_to", is_flag=False, flag_value="", default=None, metavar="[FILE]",
              help="Write the cast as editable TOML (default file: BOOK.cast.toml).")
@click.option("--force", is_flag=True, help="Overwrite an existing cast file.")
@engine_option(help="Cast for this engine, as `render --engine` will (piper: from the Piper voices installed).")
def cast(book: Path, write_to: str | None, force: bool, **values: Any) -> None:
    """Show who speaks in BOOK, how often, and with which voice.

    Example:

    \b
        narrator cast book.txt --write   # then edit book.cast.toml and render again
    """
    plan = pipeline.prepare(book, _options(**values))
    for warning in plan.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"{'character':28} {'lines':>5}  {'gender':7}  {'voice':30} rate pitch  chosen by")
    for m in plan.members:
        name = "(narration)" if m.name == NARRATOR else "(speaker unknown)" if m.name == UNKNOWN else m.name
        click.echo(f"{name[:28]:28} {m.lines:5}  {m.gender:7}  {m.voice.voice[:30]:30} "
                   f"{m.voice.rate:4} {m.voice.pitch:5}  {m.chosen_by}")
    if write_to is not None:
        target = Path(write_to) if write_to else pipeline.default_cast_file(book)
        write_cast_file(plan.members, target, title=plan.script.book.title, force=force)
        click.echo(f"Wrote {target}; edit it and render again (it is used automatically "
                   f"when it sits beside the book as {pipeline.default_cast_file(book).name}).", err=True)


@cli.group("voices", invoke_without_command=True)
@engine_option(default=VOICE.engine, help="Engine whose voices to list.")
@piper_model_option
@click.pass_context
def voices_cmd(ctx: click.Context, engine: str) -> None:
    """List the voices (and espeak variants) the speech engine offers.

    A profile's voice is LANGUAGE[+VARIANT], e.g. en-gb-x-rp+f3. Try one with
    `narrator voices say`.

    Example:

    \b
        narrator voices
        narrator voices say "Hermione, you're late" --voice en-gb+f3 --lexicon book.lexicon.toml
    """
    if ctx.invoked_subcommand is not None:
        return
    from .engines import get_engine
    from .engines.base import espeak_variants

    if engine == "piper":
        try:
            eng = get_engine(engine)
        except NarratorError as e:
            raise click.ClickException(f"{e} {PIPER_HELP}") from e
    else:
        eng = get_engine(engine)
    click.echo(f"Voices of {eng.identity()}:")
    for v in eng.voices():
        click.echo(f"  {v.id:24} {v.language:10} {_gender_shown(v.gender):8} {v.name}")
    if engine == "espeak":
        click.echo("Variants (append with +, e.g. en-us+f3; a language voice has no gender, its variant gives one):")
        for v in espeak_variants():
            click.echo(f"  +{v.id:23} {'':10} {_gender_shown(v.gender):8} {v.name}")
    if engine == "piper":
        click.echo(PIPER_HELP)


def _gender_shown(gender: str) -> str:
    return "—" if gender == "unknown" else gender


@cli.command("eval")
@click.argument("dirs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--gold-characters", is_flag=True, help="Also score with the gold character list given.")
@click.option("--errors", type=click.IntRange(min=0), default=0,
              help="Print this many wrong cases per novel (never for validation novels).")
@click.option("--split", "split_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="TOML", help="Group the novels: train = [...], validation = [...] "
                                   "(default: the pdnc-dev split).")
def eval_cmd(dirs: tuple[Path, ...], gold_characters: bool, errors: int, split_file: Path | None) -> None:
    """Measure speaker attribution on novels with gold labels (PDNC format).

    Each DIR holds text.txt, quotes.jsonl and characters.json (a folder of such folders works
    too); other files given, such as a README caught by a shell glob, are skipped. Names are
    judged as the reference scorer's --lenient (the headline) and strictly; train and
    validation novels are summed separately.

    Example:

    \b
        narrator eval ../shared/eval/pdnc-dev
    """
    from .evaluate import read_split, run_eval

    novels = [d for d in dirs if (d / "quotes.jsonl").is_file()]
    novels += [sub for d in dirs if d.is_dir() and not (d / "quotes.jsonl").is_file()
               for sub in sorted(d.iterdir()) if (sub / "quotes.jsonl").is_file()]
    if not novels:
        raise click.ClickException("No novel folders (with text.txt, quotes.jsonl, characters.json) given.")
    split = read_split(split_file) if split_file else None
    click.echo(run_eval(novels, gold_characters=gold_characters, errors=errors, split=split), nl=False)


@voices_cmd.command("say")
@click.argument("text")
@click.option("--voice", default=VOICE.voice, show_default=True, help="LANGUAGE[+VARIANT], e.g. en-us+f3.")
@click.option("--rate", type=click.IntRange(60, 500), default=VOICE.rate, show_default=True, help="Words per minute.")
@click.option("--pitch", type=click.IntRange(0, 100), default=VOICE.pitch, show_default=True)
@engine_option(default=VOICE.engine, help="Engine to speak with.")
@click.option("--lexicon", type=FILE, metavar="TOML", help="Pronunciation lexicon to apply first.")
@click.option("--loudness", type=LoudnessType(), metavar="LUFS|off", default=DEFAULT_TARGET, show_default=True,
              help="Match the line to this loudness; off keeps the engine's level.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("say.mp3"),
              show_default=True)
def say_cmd(text: str, voice: str, rate: int, pitch: int, engine: str, lexicon: Path | None,
            loudness: float | str, output: Path) -> None:
    """Say TEXT with one voice into an MP3, to try a voice and the lexicon.

    Example:

    \b
        narrator voices say "Hermione" --voice en-gb+f3 --lexicon book.lexicon.toml -o try.mp3
    """
    from .engines import get_engine
    from .lexicon import load_lexicon
    from .say import say

    said = say(text, VoiceProfile(engine=engine, voice=voice, rate=rate, pitch=pitch),
               get_engine(engine), output,
               lexicon=load_lexicon(lexicon) if lexicon else None,
               loudness_target=None if loudness == "off" else float(loudness))
    click.echo(f"Wrote {said.path} ({said.seconds:.1f} s, {voice}): {said.text}")


@voices_cmd.command("download")
@click.argument("names", nargs=-1, metavar="NAME...")
@click.option("--list", "list_only", is_flag=True,
              help="List the voices that can be downloaded (NAME...: only those starting so, e.g. en_GB).")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to put voices in (default: $NARRATOR_PIPER_DIR or ~/.local/share/narrator/piper).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def download_cmd(names: tuple[str, ...], list_only: bool, directory: Path | None, quiet: bool) -> None:
    """Download Piper voices (natural, neural) from the Piper voice repository.

    Each file is checked against the repository's checksums before it is put in place; an
    interrupted download resumes where it stopped. Then render with `--engine piper`. A
    multi-speaker voice such as en_US-libritts_r-medium gives every character a voice of its own.

    Example:

    \b
        narrator voices download en_US-libritts_r-medium
        narrator render book.epub --engine piper
    """
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    from .engines.piper_download import download_voices, fetch_index, installed

    if list_only:
        for v in sorted(fetch_index().values(), key=lambda v: v.key):
            if not names or v.key.startswith(names):
                mark = "  installed" if installed(v, directory) else ""
                speakers = f"{v.speakers} speakers" if v.speakers > 1 else ""
                click.echo(f"{v.key:40} {v.quality:7} {v.size / 1e6:5.0f} MB  {speakers:13}{mark}".rstrip())
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                   TimeRemainingColumn(), disable=quiet, transient=True, console=Console(stderr=True))
    tasks: dict[str, Any] = {}

    def progress(voice: str, done: int, total: int) -> None:
        if voice not in tasks:
            tasks[voice] = bar.add_task(voice, total=total)
        bar.update(tasks[voice], completed=done)

    with bar:
        paths = download_voices(names, directory, progress=progress)
    for path in paths:
        size = sum(f.stat().st_size for f in path.parent.iterdir() if f.is_file())
        click.echo(f"Installed {path.stem} ({size / 1e6:.0f} MB) in {path.parent}")
    click.echo("Use it with: narrator render BOOK --engine piper")


def main() -> None:
    cli(prog_name="narrator")
