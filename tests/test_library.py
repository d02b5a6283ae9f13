"""Whole folders of books: local worker processes and a Dask cluster, with a summary."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.bookgen import make_book
from narrator import cli as cli_module
from narrator.cli import cli
from narrator.library import find_books, render_library
from tests.conftest import BOOK_TEXT, preset_fake_engine


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / "harbour.txt").write_text(BOOK_TEXT, encoding="utf-8")
    (folder / "tide.md").write_text(make_book(800, chapters=3, seed=2), encoding="utf-8")
    quote = BOOK_TEXT.index('"He is late again,"')  # an edited script: not a book, used for harbour.txt
    (folder / "harbour.script.txt").write_text(f'[{quote}] Anna: "He is late again,"\n', encoding="utf-8")
    (folder / "notes.toml").write_text("", encoding="utf-8")
    return folder


def _mp3s(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.mp3"))}


def test_find_books_skips_scripts_and_other_files(library: Path) -> None:
    assert [p.name for p in find_books(library)] == ["harbour.txt", "tide.md"]


def test_local_library_renders_every_chapter_then_skips_them(library: Path, tmp_path: Path) -> None:
    (library / "broken.epub").write_bytes(b"not a zip")
    out = tmp_path / "out"
    first = render_library(library, output=out, engine=preset_fake_engine(), jobs=2)
    by_name = {b.path.name: b for b in first.books}
    assert (by_name["harbour.txt"].rendered, by_name["tide.md"].rendered) == (2, 3)
    assert by_name["broken.epub"].error and first.failed == 1 and first.rendered == 5
    assert all(b.playlist is not None and b.playlist.exists() for b in first.books if not b.error)
    again = render_library(library, output=out, engine=preset_fake_engine(), jobs=2)
    assert (again.rendered, again.skipped, again.stats.synthesized) == (0, 5, 0)


def test_cli_prints_a_summary(library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    result = CliRunner().invoke(cli, ["render-library", str(library), "-o", str(tmp_path / "out"),
                                      "--engine", "fake", "-q", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "2 books: 5 chapters rendered, 0 skipped, 0 failed" in result.output
    assert "tide.md: 3 rendered, 0 skipped, 0 failed" in result.output


def test_dask_local_cluster_renders_the_same_files_once(library: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    local = render_library(library, output=tmp_path / "local", engine=preset_fake_engine(), jobs=1,
                           cache_dir=tmp_path / "cache-local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        remote = render_library(library, output=tmp_path / "cluster", engine=preset_fake_engine(),
                                scheduler=client, cache_dir=tmp_path / "cache-cluster")
        assert (remote.rendered, remote.failed) == (5, 0)
        lines = local.stats.synthesized + local.stats.cached
        assert remote.stats.synthesized + remote.stats.cached == lines
        # a line two chapters share may be synthesized by both workers if they reach it at once
        assert local.stats.synthesized <= remote.stats.synthesized <= lines
        assert _mp3s(tmp_path / "cluster") == _mp3s(tmp_path / "local")
        # the same chapters again: skipped before anything is sent to the cluster
        again = render_library(library, output=tmp_path / "cluster", engine=preset_fake_engine(),
                               scheduler=cluster.scheduler_address, cache_dir=tmp_path / "cache-cluster")
        assert (again.rendered, again.skipped) == (0, 5)


def test_library_takes_render_output_options(library: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """render-library shares render's options: subtitles and loudness reach every book."""
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["render-library", str(library), "-o", str(out), "--engine", "fake", "-q",
                                      "--subtitles", "vtt", "--loudness", "off"])
    assert result.exit_code == 0, result.output
    assert len(list(out.rglob("*.vtt"))) == 5 and not list(out.rglob("*.srt"))
    louder = CliRunner().invoke(cli, ["render-library", str(library), "-o", str(out), "--engine", "fake", "-q",
                                      "--subtitles", "vtt"])
    assert "0 skipped" in louder.output and "5 chapters rendered" in louder.output  # loudness is in the fingerprint


def test_a_tls_scheduler_with_certificates(library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 10: jobs and results cross the scheduler connection as pickles; `--scheduler
    tls://…` with `--tls-*` certificates encrypts and authenticates it. Without them, a tls://
    scheduler is one line saying what to give."""
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    security = distributed.Security.temporary()  # a self-signed certificate, in memory
    pems = {}
    for name, text in (("ca", security.tls_ca_file), ("cert", security.tls_client_cert),
                       ("key", security.tls_client_key)):
        pems[name] = tmp_path / f"{name}.pem"
        pems[name].write_text(text, encoding="utf-8")
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tls://",
                                  security=security, dashboard_address=":0", silence_logs=40) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        command = ["render-library", str(library), "-o", str(tmp_path / "out"), "--engine", "fake", "-q",
                   "--scheduler", address, "--cache", str(tmp_path / "cache")]
        refused = CliRunner().invoke(cli, command)
        assert refused.exit_code == 1 and "Traceback" not in refused.output
        assert refused.output.strip().splitlines()[-1].startswith("Error: the scheduler tls://")
        assert "--tls-ca-file" in refused.output
        done = CliRunner().invoke(cli, [*command, "--tls-ca-file", str(pems["ca"]), "--tls-cert", str(pems["cert"]),
                                        "--tls-key", str(pems["key"])])
        assert done.exit_code == 0, done.output
        assert "2 books: 5 chapters rendered, 0 skipped, 0 failed" in done.output
    import dask.config

    assert dask.config.get("distributed.comm.tls.ca-file", None) is None  # the command's settings are gone
