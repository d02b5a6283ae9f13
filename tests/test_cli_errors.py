"""Bad input to the command line is one `Error: …` line that says what to do, never a traceback
(issue 10, finding 7): a read-only output folder, M4B without ffmpeg, a cast path that is a
folder, and a table of other mistakes a user can make with each command."""
from __future__ import annotations

import builtins
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrator import cli as cli_module
from narrator.cli import cli
from tests.conftest import BOOK_TEXT, preset_fake_engine


@pytest.fixture(autouse=True)
def _fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine() if name else None)


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def one_error(*args: object) -> str:
    code, output = invoke(*args)
    errors = [row for row in output.splitlines() if row.startswith("Error: ")]
    assert code != 0 and len(errors) == 1, output
    assert "unexpected error" not in output, output
    return errors[0]


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Make a folder read-only: with chmod, or where the tests run as root (who may write
    anywhere) by refusing writes below it as the kernel would: EACCES."""
    guarded: list[Path] = []

    def under(path: object) -> bool:
        try:
            resolved = Path(os.fsdecode(path)).resolve()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        return any(resolved == g or g in resolved.parents for g in guarded)

    def refuse(path: object) -> None:
        raise PermissionError(13, "Permission denied", os.fsdecode(path))  # type: ignore[arg-type]

    real_open, real_mkdir, real_builtin_open = os.open, os.mkdir, builtins.open
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def os_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & writing and under(path):
            refuse(path)
        return real_open(path, flags, *args, **kwargs)

    def mkdir(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if under(path):
            if os.path.isdir(path):
                raise FileExistsError(17, "File exists", os.fsdecode(path))
            refuse(path)
        return real_mkdir(path, *args, **kwargs)

    def open_(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(file, (str, bytes, os.PathLike)) and set(mode) & set("wax+") and under(file):
            refuse(file)
        return real_builtin_open(file, mode, *args, **kwargs)

    def make(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            folder.chmod(0o555)
        else:
            guarded.append(folder.resolve())
            monkeypatch.setattr(os, "open", os_open)
            monkeypatch.setattr(os, "mkdir", mkdir)
            monkeypatch.setattr(builtins, "open", open_)
        made.append(folder)

    made: list[Path] = []
    yield make
    for folder in made:
        folder.chmod(0o755)


@pytest.fixture
def three(tmp_path: Path) -> Path:
    path = tmp_path / "three.txt"
    path.write_text(BOOK_TEXT + "\nChapter 3\n\nThe end of the story came with the tide.\n", encoding="utf-8")
    return path


def test_a_read_only_output_is_one_line(three: Path, tmp_path: Path, read_only: Callable[[Path], None]) -> None:
    """It was three "unexpected error" tracebacks, one per chapter."""
    out = tmp_path / "ro"
    read_only(out)
    message = one_error("render", three, "-o", out, "--engine", "fake", "-q", "--jobs", "1")
    assert message == f"Error: cannot write to {out}: permission denied; choose another --output"
    library = tmp_path / "books"
    library.mkdir()
    (library / "three.txt").write_text(three.read_text(), encoding="utf-8")
    assert one_error("render-library", library, "-o", out, "--engine", "fake", "-q") == message


def test_m4b_without_ffmpeg_fails_before_any_chapter(three: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """It failed only after every chapter was rendered."""
    engine = preset_fake_engine()
    monkeypatch.setattr(cli_module, "_engine", lambda name: engine)
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails
    monkeypatch.setattr("shutil.which", lambda name: None)
    message = one_error("render", three, "-o", tmp_path / "out", "--engine", "fake", "--format", "m4b", "-q")
    assert "M4B output needs ffmpeg" in message and "--format mp3" in message
    assert engine.calls == [] and not list((tmp_path / "out").rglob("*.mp3"))


def test_a_cast_file_that_is_a_folder_is_called_a_cast_file(three: Path) -> None:
    (three.with_name("three.cast.toml")).mkdir()
    message = one_error("render", three, "--engine", "fake", "--dry-run")
    assert message.startswith(f"Error: Cast file '{three.with_name('three.cast.toml')}' is a folder")


BAD_INPUT = [
    # (command line after `narrator`, with BOOK, DIR, FILE and OUT filled in; what the error says)
    (["render", "BOOK", "--scheduler", "garbage", "-o", "OUT", "--engine", "fake", "-q"],
     "is not a Dask scheduler address"),
    (["render", "BOOK", "--scheduler", "tls://127.0.0.1:1", "-o", "OUT", "--engine", "fake", "-q"],
     "give its certificates with --tls-ca-file"),
    (["render", "BOOK", "--tls-cert", "FILE", "--scheduler", "tls://127.0.0.1:1", "-o", "OUT"],
     "TLS needs --tls-ca-file and --tls-cert"),
    (["render", "BOOK", "-o", "FILE/sub", "--engine", "fake", "-q"], "cannot write to"),
    (["render-library", "DIR", "-o", "FILE/sub", "--engine", "fake", "-q"], "cannot write to"),
    (["render", "BOOK", "--lexicon", "FILE", "--dry-run", "--engine", "fake"], "Lexicon file"),
    (["render", "BOOK", "--voices", "FILE", "--dry-run", "--engine", "fake"], "Voice file"),
    (["render", "BOOK", "--script", "FILE", "--dry-run", "--engine", "fake"], "Script file"),
    (["render", "BOOK", "--loudness", "loud", "--dry-run"], "not a loudness"),
    (["render", "BOOK", "--jobs", "0"], "--jobs"),
    (["render", "BOOK", "--format", "ogg"], "--format"),
    (["render", "DIR"], "is a directory"),
    (["render", "BOOK", "--cast", "DIR"], "--cast"),
    (["script", "DIR"], "is a directory"),
    (["cast", "BOOK", "--write", "FILE/sub.toml", "--force", "--engine", "fake"], "could not write"),
    (["render-library", "FILE"], "DIRECTORY"),
    (["render-library", "DIR/empty"], "no books in"),
    (["voices", "say", "...", "-o", "OUT/say.mp3", "--engine", "fake"], "Nothing to say"),
    (["voices", "say", "Hi", "--rate", "5", "--engine", "fake"], "--rate"),
    (["eval", "DIR/empty"], "No novel folders"),
]


@pytest.mark.parametrize("args, expected", BAD_INPUT, ids=[" ".join(a[:3]) for a, _ in BAD_INPUT])
def test_bad_input_is_one_line(args: list[str], expected: str, three: Path, tmp_path: Path) -> None:
    folder = tmp_path / "books"
    (folder / "empty").mkdir(parents=True)
    (folder / "three.txt").write_text(three.read_text(), encoding="utf-8")
    garbage = tmp_path / "garbage.toml"
    garbage.write_text("x = [[[\n", encoding="utf-8")
    names = {"BOOK": str(three), "DIR": str(folder), "FILE": str(garbage), "OUT": str(tmp_path / "out")}
    filled = [names.get(a.split("/")[0], a.split("/")[0]) + a[len(a.split("/")[0]):] for a in args]
    assert expected in one_error(*filled)


OPTIONS = ["--title", "--author", "--loudness", "--jobs", "--format", "--subtitles", "--include", "--cache",
           "--output", "--voices", "--lexicon", "--script", "--cast", "--engine"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(OPTIONS), st.text(max_size=12)), max_size=4))
def test_any_render_options_are_a_plan_or_one_line(three: Path, options: list[tuple[str, str]]) -> None:
    """Whatever a user types after `narrator render BOOK --dry-run`: a plan, or one error line."""
    args = [part for option in options for part in option]
    code, output = invoke("render", three, "--dry-run", *args)
    if code != 0:
        assert output.strip().splitlines()[-1].startswith("Error: "), output


def test_a_cache_that_cannot_be_written_is_said_once(three: Path, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Lines still render without a cache, but the next render would synthesize them all again:
    it was silent."""
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    code, _ = invoke("render", three, "-o", tmp_path / "out", "--cache", blocker / "cache", "--engine", "fake", "-q",
                     "--jobs", "1")
    assert code == 0
    (warning,) = [r.getMessage() for r in caplog.records if "line cache" in r.getMessage()]
    assert str(blocker / "cache") in warning and "--cache" in warning and "not a directory" in warning
