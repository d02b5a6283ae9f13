"""The `narrator` command: thin click adapters over `narrator.pipeline`."""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from . import pipeline
from .cast import write_cast_file
from .engines import ENGINE_NAMES, Engine
from .errors import NarratorError
from .language import normalize
from .loudness import DEFAULT_TARGET, parse_target
from .options import OUTPUT_FORMATS, RenderOptions
from .script_file import to_jsonl, to_text
from .subtitles import FORMATS as SUBTITLE_FORMATS
from .types import VoiceProfile
from .wording import counted

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
class PathType(click.Path):
    """click.Path that refuses a NUL character (one `Error:` line) before anything asks the
    operating system about the path: os.stat would raise ValueError, a traceback."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if "\0" in os.fsdecode(value):
            self.fail(f"{os.fsdecode(value)!r} is not a path: it holds a NUL character.", param, ctx)
        return super().convert(value, param, ctx)


BOOK = PathType(exists=False, dir_okay=True, path_type=Path)
FILE = PathType(exists=True, dir_okay=False, path_type=Path)
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
    logger = logging.getLogger("narrator")
    for handler in [h for h in logger.handlers if isinstance(h, UserMessages)]:
        logger.removeHandler(handler)
    logger.addHandler(UserMessages())
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)


class UserMessages(logging.Handler):
    """narrator's log on stderr as the CLI's other messages say things: "Warning: …" and
    "Error: …" (not "narrator.cast: …"); with --verbose, the stages' notes as "narrator.stage: …"."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = "Error" if record.levelno >= logging.ERROR else "Warning" if record.levelno >= logging.WARNING \
                else record.name
            trace = f"\n{logging.Formatter().formatException(record.exc_info)}" if record.exc_info else ""
            click.echo(f"{level}: {record.getMessage()}{trace}", err=True)
        except Exception:  # a broken stderr must not stop the render
            self.handleError(record)


def _use_piper_dir(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """Piper engines (here and in worker processes) find voices through this variable."""
    if value is not None:
        os.environ["NARRATOR_PIPER_DIR"] = str(value)


piper_model_option = click.option(
    "--piper-model", type=PathType(exists=True, path_type=Path), metavar="PATH", envvar="NARRATOR_PIPER_DIR",
    expose_value=False, callback=_use_piper_dir, is_eager=True,
    help="Folder of Piper voices (.onnx + .onnx.json), or one .onnx file.")
voices_option = click.option("--voices", "voices", multiple=True, type=FILE, metavar="TOML",
                             help="Voice profile file; repeat to layer several.")


def _language_tag(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and normalize(value) is None:
        raise click.BadParameter(f"{value!r} is not a language tag; give one such as en, hi or pt-BR.")
    return value


language_option = click.option(
    "--language", metavar="TAG", callback=_language_tag,
    help="The book's language (en, hi, pt-BR…): voices that speak it read the book (default: what the "
         "file says, EPUB dc:language or HTML lang; else the voice files' own).")


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
    language_option,
    piper_model_option,
])
"""Options every command that reads a book shares (their names are RenderOptions fields)."""

render_options = _stack([
    click.option("-o", "--output", type=PathType(file_okay=False, path_type=Path), default=DEFAULTS.output,
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
    click.option("--cache", "cache_dir", type=PathType(file_okay=False, path_type=Path),
                 default=DEFAULTS.cache_dir,
                 help="Line cache folder, shared by all workers (default: $XDG_CACHE_HOME/narrator)."),
    click.option("-j", "--jobs", type=click.IntRange(min=1), default=DEFAULTS.jobs,
                 help="Chapters rendered at once, in worker processes (default: number of cores)."),
    click.option("--scheduler", metavar="ADDRESS", default=DEFAULTS.scheduler,
                 help="Dask scheduler to run the chapters on instead: tls://host:8786 with the --tls-* "
                      "certificates (tcp:// only on a private network: jobs travel as pickles)."),
    click.option("--tls-ca-file", type=FILE, metavar="PEM",
                 help="TLS scheduler: the certificate authority that signed the cluster's certificates."),
    click.option("--tls-cert", type=FILE, metavar="PEM", help="TLS scheduler: this client's certificate."),
    click.option("--tls-key", type=FILE, metavar="PEM",
                 help="TLS scheduler: this client's private key (if not in --tls-cert)."),
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


@contextlib.contextmanager
def _tls(values: dict[str, Any]) -> Iterator[None]:
    """While a command runs: the `--tls-*` certificates (taken out of `values`) in the Dask
    config, where `distributed` looks for them, and encryption required."""
    ca, cert, key = (values.pop(name) for name in ("tls_ca_file", "tls_cert", "tls_key"))
    if ca is None and cert is None and key is None:
        yield
        return
    if ca is None or cert is None:
        raise click.UsageError("TLS needs --tls-ca-file and --tls-cert (and --tls-key unless the key is in the "
                               "certificate file).")
    import dask.config

    with dask.config.set({"distributed.comm.tls.ca-file": str(ca), "distributed.comm.tls.client.cert": str(cert),
                          "distributed.comm.tls.client.key": str(key) if key else None,
                          "distributed.comm.require-encryption": True}):
        yield


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
    from .runner import collision

    click.get_current_context().with_resource(_tls(values))
    plan = pipeline.prepare(book, _options(**values))
    for warning in plan.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for note in plan.notes:
        click.echo(note, err=True)
    if dry_run:
        taken = collision(plan)
        if taken:
            click.echo(f"Warning: {taken}", err=True)
        print_plan(plan)
        return
    with RenderProgress(len(plan.chapters), plan.lines, quiet=quiet) as progress:
        result = pipeline.render(book, plan=plan, progress=progress.update)
    print_result(plan, result, quiet=quiet)
    if result.m4b is not None and not quiet:
        click.echo(f"Wrote {result.m4b}", err=True)
    if result.removed and not quiet:
        click.echo(f"Removed {_removed(result.removed, plan.book_dir)}", err=True)


def _removed(paths: list[Path], folder: Path) -> str:
    """`N files of an earlier render that this one replaces: a, b, …` (paths in `folder`)."""
    names = [str(p.relative_to(folder)) if p.is_relative_to(folder) else p.name for p in paths]
    shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
    return f"{counted(len(paths), 'file')} of an earlier render that this one replaces: {shown}"


@cli.command("render-library")
@click.argument("directory", type=PathType(exists=True, file_okay=False, path_type=Path))
@voices_option
@language_option
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

    click.get_current_context().with_resource(_tls(values))
    with RenderProgress(quiet=quiet) as progress:
        result = render_library(directory, _options(**values), progress=progress.update)
    for b in result.books:
        state = f"error: {b.error}" if b.error else (
            f"{b.rendered} rendered, {b.skipped} skipped, {len(b.failures)} failed")
        removed = f", {counted(b.removed, 'old file')} removed" if b.removed else ""
        click.echo(f"{b.path.name}: {state}{removed}")
        for note in b.notes:
            click.echo(f"  note: {note}")
        for f in b.failures:
            click.echo(f"  failed {f.label}: {f.error}")
    click.echo(f"{counted(len(result.books), 'book')}: {counted(result.rendered, 'chapter')} rendered, "
               f"{result.skipped} skipped, {result.failed} failed (lines synthesized {result.stats.synthesized}, "
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

    In the text form, lines narrator is unsure of are marked "(check)" after the speaker; the
    header says how many and how often such lines are wrong. JSON lines carry each confidence.

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
    from .progress import cast_name

    plan = pipeline.prepare(book, _options(**values))
    for warning in plan.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"{'character':28} {'lines':>5}  {'gender':7}  {'voice':30} rate pitch  chosen by")
    for m in plan.members:
        click.echo(f"{cast_name(m.name)[:28]:28} {m.lines:5}  {m.gender:7}  {m.voice.voice[:30]:30} "
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
    variants = espeak_variants() if engine == "espeak" else getattr(eng, "variants", lambda: [])()
    if variants:
        click.echo("Variants (append with +, e.g. en-us+f3; a language voice has no gender, its variant gives one):")
        for v in variants:
            click.echo(f"  +{v.id:23} {'':10} {_gender_shown(v.gender):8} {v.name}")
    if engine == "piper":
        click.echo(PIPER_HELP)


def _gender_shown(gender: str) -> str:
    return "—" if gender == "unknown" else gender


@cli.command("eval")
@click.argument("dirs", nargs=-1, required=True, type=PathType(exists=True, path_type=Path))
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
@engine_option(default=VOICE.engine, help="Engine to speak with (with --character: as `render --engine`).")
@click.option("--book", type=PathType(exists=True, dir_okay=False, path_type=Path), metavar="BOOK",
              help="With --character: the book whose cast to take the voice from.")
@click.option("--character", metavar="NAME",
              help="Speak with NAME's voice in BOOK as `render` casts it (its cast file, --voices, --engine, "
                   "--language), with the book's lexicon; also narrator or unknown.")
@voices_option
@click.option("--cast", "cast_file", type=FILE, metavar="TOML",
              help="With --character: the cast file (default: BOOK.cast.toml beside the book, if any).")
@language_option
@click.option("--lexicon", type=FILE, metavar="TOML",
              help="Pronunciation lexicon to apply first (with --book: default BOOK.lexicon.toml).")
@click.option("--loudness", type=LoudnessType(), metavar="LUFS|off", default=DEFAULT_TARGET, show_default=True,
              help="Match the line to this loudness; off keeps the engine's level (with --book: the book's).")
@click.option("-o", "--output", type=PathType(dir_okay=False, path_type=Path), default=Path("say.mp3"),
              show_default=True)
@click.pass_context
def say_cmd(ctx: click.Context, text: str, voice: str, rate: int, pitch: int, engine: str, book: Path | None,
            character: str | None, lexicon: Path | None, loudness: float | str, output: Path, **cast: Any) -> None:
    """Say TEXT with one voice into an MP3, to try a voice and the lexicon.

    Example:

    \b
        narrator voices say "Hermione" --voice en-gb+f3 --lexicon book.lexicon.toml -o try.mp3
        narrator voices say "You're late." --book book.epub --character Hermione
    """
    from .engines import get_engine
    from .lexicon import load_lexicon
    from .say import cast_voice, say

    given = {name for name in ("voice", "rate", "pitch", "engine", "loudness", "voices", "cast_file", "language")
             if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE}
    if (book is None) != (character is None):
        raise click.UsageError("give --book BOOK and --character NAME together.")
    if character is None:
        if given & {"voices", "cast_file", "language"}:
            raise click.UsageError("--voices, --cast and --language need --book BOOK --character NAME.")
        profile, speaker, words = VoiceProfile(engine=engine, voice=voice, rate=rate, pitch=pitch), \
            get_engine(engine), load_lexicon(lexicon) if lexicon else None
        target, who = None if loudness == "off" else float(loudness), ""
    else:
        assert book is not None
        if given & {"voice", "rate", "pitch"}:
            raise click.UsageError("--voice, --rate and --pitch cannot change a --character's voice; "
                                   "edit the book's cast file (narrator cast BOOK --write) instead.")
        cast_as = cast_voice(book, character, _options(engine if "engine" in given else None, lexicon=lexicon,
                                                       **cast))
        profile, speaker, words = cast_as.voice, cast_as.engine, cast_as.lexicon
        target = cast_as.loudness_target if "loudness" not in given else \
            None if loudness == "off" else float(loudness)
        who = f"{cast_as.name}: "
    said = say(text, profile, speaker, output, lexicon=words, loudness_target=target)
    click.echo(f"Wrote {said.path} ({said.seconds:.1f} s, {who}{profile.voice}): {said.text}")


@voices_cmd.command("download")
@click.argument("names", nargs=-1, metavar="NAME...")
@click.option("--list", "list_only", is_flag=True,
              help="List the voices that can be downloaded (NAME...: only those starting so, e.g. en_GB).")
@click.option("--dir", "directory", type=PathType(file_okay=False, path_type=Path), default=None,
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
