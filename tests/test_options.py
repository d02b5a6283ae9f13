"""RenderOptions: one frozen value, the same defaults for the CLI and the Python API."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from narrator import library, pipeline
from narrator import options as options_module
from narrator.cli import cli
from narrator.errors import CastError
from narrator.loudness import DEFAULT_TARGET
from narrator.options import RenderOptions

REAL_DEFAULT_JOBS = options_module.default_jobs  # before conftest makes tests single-process


class Captured(Exception):
    pass


def _capture(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> dict[str, RenderOptions]:
    seen: dict[str, RenderOptions] = {}

    def stop(path: Path, options: RenderOptions | None = None, **_: Any) -> None:
        seen["options"] = options or RenderOptions()
        raise Captured

    monkeypatch.setattr(module, name, stop)
    return seen


@pytest.mark.parametrize("args, expected", [
    ([], RenderOptions()),
    (["--format", "m4b", "--subtitles", "vtt", "--loudness", "-20 LUFS", "-j", "3", "--scheduler", "tcp://h:1",
      "-o", "books", "--cache", "c"],
     RenderOptions(format="m4b", subtitles="vtt", loudness=-20.0, jobs=3, scheduler="tcp://h:1",
                   output=Path("books"), cache_dir=Path("c"))),
    (["--loudness", "off"], RenderOptions(loudness="off")),
])
def test_render_and_render_library_build_the_same_options_as_the_api(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: RenderOptions) -> None:
    """No default is written twice: the flags not given leave RenderOptions' own defaults."""
    book = tmp_path / "book.txt"
    book.write_text("Some text.\n", encoding="utf-8")
    seen = _capture(monkeypatch, pipeline, "prepare")
    result = CliRunner().invoke(cli, ["render", str(book), *args])
    assert isinstance(result.exception, Captured), result.output
    assert seen["options"] == expected
    seen = _capture(monkeypatch, library, "render_library")
    result = CliRunner().invoke(cli, ["render-library", str(tmp_path), *args])
    assert isinstance(result.exception, Captured), result.output
    assert seen["options"] == expected


def test_jobs_default_is_one_worker_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    assert RenderOptions().jobs is None
    monkeypatch.setattr(options_module, "default_jobs", lambda: 7)
    assert RenderOptions().workers() == 7 and RenderOptions(jobs=3).workers() == 3
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert REAL_DEFAULT_JOBS() == cores


def test_format_choices_are_the_ones_the_stages_take() -> None:
    from typing import get_args

    from narrator.subtitles import FORMATS

    assert get_args(options_module.SubtitleFormat) == FORMATS
    assert options_module.OUTPUT_FORMATS == ("mp3", "m4b")


def test_options_are_frozen_and_vary_with_replace() -> None:
    base = RenderOptions(voices=["a.toml"], output="out", include=["copyright.xhtml"])  # type: ignore[arg-type]
    assert base.voices == (Path("a.toml"),) and base.output == Path("out") and base.include == ("copyright.xhtml",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.title = "X"  # type: ignore[misc]
    sequel = dataclasses.replace(base, title="The Sequel")
    assert (sequel.title, base.title, sequel.voices) == ("The Sequel", None, base.voices)


@pytest.mark.parametrize("loudness, configured, target", [
    (None, {}, DEFAULT_TARGET), (None, {"target": -22.0}, -22.0), (None, {"target": None}, None),
    (-20, {"target": -22.0}, -20.0), ("-16 LUFS", {}, -16.0), ("off", {"target": -22.0}, None), ("none", {}, None),
])
def test_loudness_target(loudness: Any, configured: dict, target: float | None) -> None:
    """The CLI flag (or the Python keyword) wins over the voice files, which win over the default."""
    assert RenderOptions(loudness=loudness).loudness_target(configured) == target


@pytest.mark.parametrize("field, value", [("format", "m4a"), ("subtitles", "ass"), ("jobs", 0)])
def test_bad_values_from_python_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        RenderOptions(**{field: value})


def test_bad_loudness_from_python_is_a_one_line_error_without_a_cli_flag() -> None:
    with pytest.raises(CastError) as info:
        RenderOptions(loudness="loud")
    assert str(info.value) == "'loud' is not a loudness; give LUFS like -18, or off."


def test_api_refuses_unknown_and_misplaced_options(book_path: Path, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="colour"):
        pipeline.prepare(book_path, colour="blue")
    with pytest.raises(TypeError, match="title"):
        library.render_library(tmp_path, title="One title for every book")


def test_the_package_is_the_python_api(book_path: Path, tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    import narrator

    assert all(getattr(narrator, name) is not None for name in narrator.__all__)
    options = narrator.RenderOptions(output=tmp_path / "out", engine=engine, subtitles="none")
    plan = narrator.prepare(book_path, options)
    result = narrator.render(book_path, plan=plan)
    assert [p.name for p in result.files] == [c.path.name for c in plan.chapters] and result.playlist is not None
    again = narrator.render(book_path, dataclasses.replace(options, title="Harbour Lights"))
    assert again.files[0].parent.name == "Harbour Lights" and again.chapters_written == 2
