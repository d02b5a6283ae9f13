"""`narrator voices download`: Piper voices from the official voice repository, checked and resumable.

The voices live in the Hugging Face repository `rhasspy/piper-voices`; its `voices.json` lists
every voice with its files (the `.onnx` model, the `.onnx.json` config and a `MODEL_CARD` with
the licence), each with its size and MD5. A voice is downloaded into its own folder of the
user's Piper directory (`default_model_dir()`, which the Piper engine searches), e.g.
`~/.local/share/narrator/piper/en_US-lessac-medium/en_US-lessac-medium.onnx`.

How a file arrives: it is streamed into `.downloads/<voice>/<file>.part` beside the voices (a
name the engine never picks up), continued with an HTTP `Range` request when a `.part` is
already there (after a dropped connection, retried here up to RETRIES times, or on the next
run after an interruption), and checked against the index's size and MD5. Only when every
file of the voice checks out are they renamed into place, the model last, so the engine never
sees half a voice. `HF_ENDPOINT` (the Hugging Face clients' own variable) points it at a mirror.

Why not a library: piper-tts's `piper.download_voices` knows the URL scheme but fetches from a
fixed host straight into the final file (no checksum, progress or resume, and a cut download
leaves a truncated model that it then takes for a complete one). `huggingface_hub` resumes
and caches, but checks only the size (not the index's MD5, which we would still compute), keeps
files in its own cache (symlinked blobs, or a `.cache/huggingface` folder inside ours),
reports progress through tqdm rather than narrator's rich display, and would add hf-xet (a
native Xet client, the path real downloads of this repository then take and that no local test
server exercises), httpx, tqdm, PyYAML and a newer click to install two files. What is left
to write is a ranged GET with the standard library, which the tests run in full against a
local server.
"""
from __future__ import annotations

import contextlib
import difflib
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EngineError
from .piper import default_model_dir

DEFAULT_ENDPOINT = "https://huggingface.co"
REPOSITORY = "rhasspy/piper-voices"
REVISION = "main"
INDEX = "voices.json"
MAX_INDEX_BYTES = 32 * 1024 * 1024
"""voices.json is about 1 MB; anything far larger is not the index."""
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024
"""The largest Piper model is about 120 MB; an index entry above this is refused."""
RETRIES = 3
"""Times a dropped transfer is continued (with Range) before giving up until the next run."""
TIMEOUT = 30.0
"""Seconds without an answer (connecting or between reads) before a transfer counts as dropped."""
CHUNK = 1024 * 1024
PARTIAL_DIR = ".downloads"
USER_AGENT = "narrator (Piper voice download)"

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,200}$")
_MD5 = re.compile(r"^[0-9a-f]{32}$")

Progress = Callable[[str, int, int], None]
"""progress(voice, bytes done, bytes total) while a voice downloads."""


class DownloadError(EngineError):
    """A voice could not be listed, fetched or verified."""


@dataclass(frozen=True, slots=True)
class VoiceFile:
    path: str
    """Path in the repository, e.g. `en/en_US/lessac/medium/en_US-lessac-medium.onnx`."""
    size: int
    md5: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class RemoteVoice:
    key: str
    """Voice name, e.g. `en_US-lessac-medium`: what `--engine piper` profiles call it."""
    language: str
    quality: str
    speakers: int
    files: tuple[VoiceFile, ...]
    aliases: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


def endpoint_url(endpoint: str | None = None) -> str:
    """`endpoint`, else `$HF_ENDPOINT`, else huggingface.co (no trailing slash)."""
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def file_url(path: str, endpoint: str | None = None) -> str:
    return f"{endpoint_url(endpoint)}/{REPOSITORY}/resolve/{REVISION}/{urllib.parse.quote(path)}"


# --- the index ----------------------------------------------------------------------------------


def fetch_index(endpoint: str | None = None) -> dict[str, RemoteVoice]:
    """Every voice in the repository's voices.json, by name."""
    url = file_url(INDEX, endpoint)
    try:
        with _open(url) as response:
            data = response.read(MAX_INDEX_BYTES + 1)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _unreachable(url, exc) from exc
    if len(data) > MAX_INDEX_BYTES:
        raise DownloadError(f"{url} is larger than {MAX_INDEX_BYTES // 2**20} MB; it is not the Piper voice index")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DownloadError(f"{url} is not the Piper voice index (not JSON: {exc})") from exc
    if not isinstance(raw, dict):
        raise DownloadError(f"{url} is not the Piper voice index (not a JSON object)")
    return {key: parse_entry(key, entry) for key, entry in raw.items()}


def parse_entry(key: str, entry: Any) -> RemoteVoice:
    """One voices.json entry, checked: names that are safe file names, sizes and MD5s that parse,
    exactly one model with its config."""
    def bad(why: str) -> DownloadError:
        return DownloadError(f"the Piper voice index has a malformed entry {str(key)[:80]!r}: {why}")

    if not isinstance(key, str) or not _SAFE_NAME.match(key) or not isinstance(entry, dict):
        raise bad("not a voice name with a table")
    files = []
    for path, info in (entry.get("files") or {}).items():
        parts = path.split("/") if isinstance(path, str) else []
        if not parts or any(p in ("", ".", "..") for p in parts) or not _SAFE_NAME.match(parts[-1]):
            raise bad(f"unsafe file path {str(path)[:80]!r}")
        size, md5 = (info or {}).get("size_bytes"), (info or {}).get("md5_digest")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_FILE_BYTES:
            raise bad(f"bad size for {parts[-1]}")
        if not isinstance(md5, str) or not _MD5.match(md5):
            raise bad(f"bad md5 for {parts[-1]}")
        files.append(VoiceFile(path, size, md5))
    names = [f.name for f in files]
    models = [n for n in names if n.endswith(".onnx")]
    if len(models) != 1 or models[0] + ".json" not in names or len(set(names)) != len(names):
        raise bad("it needs exactly one .onnx model and its .onnx.json")
    language = entry.get("language")
    code = str(language.get("code", "")) if isinstance(language, dict) else ""
    aliases = tuple(a for a in entry.get("aliases") or () if isinstance(a, str))
    speakers = entry.get("num_speakers", 1)
    return RemoteVoice(key, code, str(entry.get("quality", "")),
                       speakers if isinstance(speakers, int) and speakers > 0 else 1,
                       tuple(sorted(files, key=_install_order)), aliases)


def _install_order(f: VoiceFile) -> tuple[int, str]:
    """Model card, then config, then the model: the engine lists a voice once its .onnx exists."""
    return (2 if f.name.endswith(".onnx") else 1 if f.name.endswith(".onnx.json") else 0, f.name)


def find_voice(index: Mapping[str, RemoteVoice], name: str) -> RemoteVoice:
    """The voice called `name` (or one of its aliases); DownloadError naming close matches."""
    name = name.strip().removesuffix(".onnx")
    if name in index:
        return index[name]
    for voice in index.values():
        if name in voice.aliases:
            return voice
    close = difflib.get_close_matches(name, list(index), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise DownloadError(f"no Piper voice called {name!r} in the voice index; {hint}"
                        "`narrator voices download --list` shows them all")


def installed(voice: RemoteVoice, directory: Path | None = None) -> bool:
    """Whether every file of `voice` is in place with its listed size (a cheap check, no MD5)."""
    folder = (directory or default_model_dir()) / voice.key
    return all(_size(folder / f.name) == f.size for f in voice.files)


# --- downloading --------------------------------------------------------------------------------


def download_voices(names: Iterable[str], directory: Path | None = None, *, endpoint: str | None = None,
                    progress: Progress | None = None) -> list[Path]:
    """Download the voices called `names` into `directory` (default: the Piper voice folder).

    Returns each voice's `.onnx` path. Voices already in place with the right checksums are not
    fetched again; the index is read once.
    """
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not wanted:
        raise DownloadError("name a voice to download, e.g. en_US-lessac-medium; "
                            "`narrator voices download --list` shows them all")
    index = fetch_index(endpoint)
    voices = [find_voice(index, name) for name in wanted]
    return [download_voice(v, directory, endpoint=endpoint, progress=progress) for v in voices]


def download_voice(voice: RemoteVoice, directory: Path | None = None, *, endpoint: str | None = None,
                   progress: Progress | None = None) -> Path:
    """Fetch (or resume) every file of `voice`, verify them all, then move them into place."""
    root = Path(directory) if directory is not None else default_model_dir()
    target = root / voice.key
    staging = root / PARTIAL_DIR / voice.key
    done = 0
    ready: list[tuple[Path, Path]] = []
    for f in voice.files:
        final = target / f.name
        if _size(final) == f.size and _md5(final) == f.md5:
            done += f.size
        else:
            part = staging / (f.name + ".part")
            _fetch(f, part, endpoint, _reporter(progress, voice, done))
            _verify(f, part)
            ready.append((part, final))
            done += f.size
        if progress:
            progress(voice.key, done, voice.size)
    target.mkdir(parents=True, exist_ok=True)
    for part, final in ready:  # install order: the model last
        os.replace(part, final)
    _fsync_dir(target)
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        (root / PARTIAL_DIR).rmdir()  # only when no other voice is half done
    return target / next(f.name for f in voice.files if f.name.endswith(".onnx"))


def _reporter(progress: Progress | None, voice: RemoteVoice, before: int) -> Callable[[int], object]:
    """Bytes of one file -> progress of the whole voice (the files before it are `before` bytes)."""
    def report(done: int) -> None:
        if progress is not None:
            progress(voice.key, before + done, voice.size)
    return report


def _fetch(f: VoiceFile, part: Path, endpoint: str | None, report: Callable[[int], object]) -> None:
    """Bring `part` to `f.size` bytes, continuing what is there; up to RETRIES more tries while a
    dropped transfer keeps making progress."""
    part.parent.mkdir(parents=True, exist_ok=True)
    url = file_url(f.path, endpoint)
    error: BaseException | None = None
    for _ in range(RETRIES + 1):
        have = max(0, _size(part))
        if have == f.size:
            return
        if have > f.size:
            part.unlink()
            continue
        try:
            _transfer(url, part, have, f.size, report)
            continue
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:  # the server cannot continue this .part: start afresh
                part.unlink()
                continue
            raise _unreachable(url, exc) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            error = exc
            if _size(part) <= have:  # nothing arrived: offline, or the server is gone
                break
    got = max(0, _size(part))
    if got == f.size:
        return
    if got == 0:
        raise _unreachable(url, error)
    raise DownloadError(f"the download of {f.name} stopped at {got / 2**20:.1f} of {f.size / 2**20:.1f} MB "
                        f"({_reason(error)}); run the command again to resume it")


def _transfer(url: str, part: Path, have: int, size: int, report: Callable[[int], object]) -> None:
    """One GET (ranged when `have` bytes are already there), appended to `part`."""
    with _open(url, {"Range": f"bytes={have}-"} if have else {}) as response:
        start = _range_start(response)
        if start not in (0, have):  # a range we did not ask for: drop the .part, start afresh
            part.unlink()
            raise http.client.HTTPException(f"the server sent bytes from {start}, not {have}")
        written = start
        with open(part, "ab" if start else "wb") as out:
            report(written)
            while written <= size:
                chunk = response.read(min(CHUNK, size + 1 - written))
                if not chunk:
                    break
                out.write(chunk)
                written += len(chunk)
                report(min(written, size))
            out.flush()
            os.fsync(out.fileno())
    if written < size:
        raise http.client.IncompleteRead(b"", size - written)


def _range_start(response: Any) -> int:
    """Where a response body starts: the Content-Range start of a 206, else 0 (a full 200 body)."""
    if getattr(response, "status", 200) != 206:
        return 0
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else -1


def _verify(f: VoiceFile, part: Path) -> None:
    size, md5 = _size(part), _md5(part)
    if size == f.size and md5 == f.md5:
        return
    part.unlink(missing_ok=True)
    raise DownloadError(f"{f.name} arrived damaged (size {size}, md5 {md5}; the index says {f.size}, "
                        f"{f.md5}); nothing was installed: run the command again to download it afresh")


def _open(url: str, headers: Mapping[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    return urllib.request.urlopen(request, timeout=TIMEOUT)  # follows the CDN redirect, keeps Range


def _unreachable(url: str, exc: BaseException | None) -> DownloadError:
    host = urllib.parse.urlsplit(url).netloc or url
    if isinstance(exc, urllib.error.HTTPError):
        return DownloadError(f"{url} answered {exc.code} {exc.reason}; check the voice name, "
                             "or HF_ENDPOINT if you set it")
    return DownloadError(f"cannot reach {host} ({_reason(exc)}); check your internet connection "
                         "(or set HF_ENDPOINT to a Hugging Face mirror) and run the command again")


def _reason(exc: BaseException | None) -> str:
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, socket.gaierror):
        return "name lookup failed: offline?"
    text = str(reason).strip() or type(reason).__name__
    return " ".join(text.split())[:120]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
