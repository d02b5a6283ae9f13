"""Writing finished audio: MP3 encoding (lameenc, in-process, no ffmpeg), ID3 tags, file names,
playlists, and atomic file replacement.

Every file is written to a `<name>.<random>.part` temp file in the destination directory, fsynced
and renamed over the final name with `os.replace`, so a crash or kill never leaves a truncated
file under the final name. (A SIGKILL can leave a stray `.part` file behind; it is never mistaken
for a chapter because of its suffix.)
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mutagen import MutagenError
from mutagen.id3 import APIC, COMM, ID3, TALB, TCOM, TCON, TDRC, TIT2, TPE1, TPE2, TRCK

from .errors import ExportError
from .types import Clip

MAX_NAME_CHARS = 100
"""Longest sanitized name component in characters (before the track prefix and extension)."""
MAX_NAME_BYTES = 180
"""…and in UTF-8 bytes, well under the 255-byte limit of common file systems."""

MP3_BITRATES = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320)
"""CBR bitrates (kbps) MPEG audio defines; lameenc silently accepts others."""

_ENCODE_CHUNK = 1 << 20
"""Bytes of PCM handed to lameenc at a time, so huge chunks do not balloon the MP3 buffer."""


@dataclass(frozen=True, slots=True)
class Tags:
    """ID3 metadata of one chapter file."""

    title: str
    album: str = ""
    artist: str = ""
    album_artist: str | None = None
    """Defaults to `artist` when None."""
    track: int | None = None
    track_total: int | None = None
    genre: str = "Audiobook"
    narrator: str | None = None
    """Written as TCOM (composer), where most audiobook players look for the reader."""
    comment: str | None = None
    year: int | str | None = None
    cover: bytes | None = None
    """JPEG or PNG bytes, written as the front cover (APIC type 3)."""


# --------------------------------------------------------------------------- atomic writes


def _file_mode() -> int:
    """Mode a plain `open()` would create files with (mkstemp makes them 0600)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for row in status:
                if row.startswith("Umask:"):
                    return 0o666 & ~int(row.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; not possible (nor needed) on every platform."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _oneline(exc: BaseException) -> str:
    if exc.args and isinstance(exc.args[0], OSError):  # mutagen wraps OSError in MutagenError
        exc = exc.args[0]
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[tuple[Path, IO[bytes]]]:
    """Yield (temp path, open binary file) next to `path`; on success fsync and replace `path`.

    On any error the temp file is removed; OSErrors become a one-line `ExportError`, narrator
    errors and everything else (e.g. a bug in a PCM generator, KeyboardInterrupt) propagate as is.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False
        )
        tmp = Path(handle.name)
        with handle:
            yield tmp, handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as exc:
        raise ExportError(f"could not write {path}: {_oneline(exc)}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically (temp file + fsync + rename). Creates parent dirs."""
    path = Path(path)
    with _atomic(path) as (_, handle):
        handle.write(data)
    return path


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically, with "\\n" line endings on every platform."""
    return atomic_write_bytes(path, text.encode(encoding))


# --------------------------------------------------------------------------- MP3


def _pcm_chunks(pcm: Iterable[bytes]) -> Iterator[bytes]:
    """Re-chunk into even-length pieces of at most `_ENCODE_CHUNK` bytes.

    Upstream chunks may split a sample between them (e.g. when read from a pipe); the odd byte is
    carried over. A stream that ends mid-sample is an error.
    """
    carry = b""
    for chunk in pcm:
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError(f"PCM chunks must be bytes, got {type(chunk).__name__}")
        if carry:
            chunk = carry + bytes(chunk)
            carry = b""
        if len(chunk) % 2:
            carry = bytes(chunk[-1:])
            chunk = chunk[:-1]
        view = memoryview(chunk)
        for i in range(0, len(view), _ENCODE_CHUNK):
            yield bytes(view[i : i + _ENCODE_CHUNK])
    if carry:
        raise ExportError("audio ends in the middle of a sample (odd number of PCM bytes)")


def _id3(tags: Tags) -> ID3:
    id3 = ID3()
    enc = 1  # UTF-16 with BOM: ID3v2.3 has no UTF-8
    id3.add(TIT2(encoding=enc, text=tags.title))
    if tags.album:
        id3.add(TALB(encoding=enc, text=tags.album))
    if tags.artist:
        id3.add(TPE1(encoding=enc, text=tags.artist))
    album_artist = tags.album_artist if tags.album_artist is not None else tags.artist
    if album_artist:
        id3.add(TPE2(encoding=enc, text=album_artist))
    if tags.track is not None:
        track = str(tags.track) if tags.track_total is None else f"{tags.track}/{tags.track_total}"
        id3.add(TRCK(encoding=enc, text=track))
    if tags.genre:
        id3.add(TCON(encoding=enc, text=tags.genre))
    if tags.narrator:
        id3.add(TCOM(encoding=enc, text=tags.narrator))
    if tags.comment:
        id3.add(COMM(encoding=enc, lang="eng", desc="", text=tags.comment))
    if tags.year is not None and str(tags.year).strip():
        id3.add(TDRC(encoding=enc, text=str(tags.year).strip()))
    if tags.cover:
        mime = "image/png" if tags.cover.startswith(b"\x89PNG") else "image/jpeg"
        id3.add(APIC(encoding=enc, mime=mime, type=3, desc="Cover", data=tags.cover))
    id3.update_to_v23()  # TDRC → TYER etc.; save(v2_version=3) alone keeps v2.4-only frames
    return id3


def _lameenc() -> Any:
    """The MP3 encoder, imported when first needed so a missing one is a clear error."""
    try:
        import lameenc
    except ImportError as exc:
        raise ExportError("the MP3 encoder is missing; install it with `pip install lameenc`") from exc
    return lameenc


def write_mp3(
    pcm_chunks: Iterable[bytes] | Clip,
    sample_rate: int,
    path: Path,
    tags: Tags,
    bitrate: int = 64,
    quality: int = 7,
) -> Path:
    """Encode mono s16le PCM to a CBR MP3 at `path` with ID3v2.3 tags; return `path`.

    `pcm_chunks` is a Clip or any iterable of byte chunks (e.g. `assemble.iter_assembled(...)`),
    encoded as it arrives so a chapter never has to sit in memory whole. The file appears under
    its final name only when complete; on failure nothing is left behind and an `ExportError`
    (one line) is raised. Errors raised by the chunk iterable itself propagate unchanged.
    """
    path = Path(path)
    if isinstance(pcm_chunks, Clip):
        if pcm_chunks.sample_rate != sample_rate:
            raise ValueError(
                f"clip is {pcm_chunks.sample_rate} Hz but sample_rate={sample_rate} was given"
            )
        pcm_chunks = (pcm_chunks.pcm,)
    if bitrate not in MP3_BITRATES or not 0 <= quality <= 9 or sample_rate <= 0:
        raise ExportError(
            f"bad MP3 encoder settings ({sample_rate} Hz, {bitrate} kbps, quality {quality}): "
            f"bitrate must be one of {', '.join(map(str, MP3_BITRATES))} and quality 0–9"
        )
    try:
        encoder = _lameenc().Encoder()
        encoder.set_channels(1)
        encoder.set_in_sample_rate(int(sample_rate))
        encoder.set_bit_rate(int(bitrate))
        encoder.set_quality(int(quality))
    except (RuntimeError, ValueError, TypeError) as exc:
        raise ExportError(
            f"could not set up the MP3 encoder ({sample_rate} Hz, {bitrate} kbps, q{quality}): "
            f"{_oneline(exc)}"
        ) from exc

    with _atomic(path) as (tmp, handle):
        frames = 0
        for chunk in _pcm_chunks(pcm_chunks):
            frames += len(chunk) // 2
            handle.write(_encode(encoder, chunk, path))
        if frames == 0:
            raise ExportError(f"could not write {path}: no audio to encode")
        handle.write(_encode(encoder, None, path))
        handle.flush()
        try:
            _id3(tags).save(tmp, v2_version=3)
        except MutagenError as exc:
            raise ExportError(f"could not tag {path}: {_oneline(exc)}") from exc
    return path


def _encode(encoder: Any, chunk: bytes | None, path: Path) -> bytes:
    try:
        return bytes(encoder.encode(chunk) if chunk is not None else encoder.flush())
    except (RuntimeError, ValueError) as exc:
        raise ExportError(f"could not encode {path}: {_oneline(exc)}") from exc


# --------------------------------------------------------------------------- names


_WINDOWS_RESERVED = re.compile(
    r"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$", re.IGNORECASE
)
_REPLACE = str.maketrans({
    ":": " - ", "/": "-", "\\": "-", '"': "'", "*": "", "?": "", "<": "", ">": "", "|": "-",
})


def sanitize_name(name: str, fallback: str, max_chars: int = MAX_NAME_CHARS) -> str:
    """One path component that is valid on Windows, macOS and Linux, or `fallback` if empty.

    Forbidden characters are replaced (":" → " - ", "/\\|" → "-", '"' → "'", "*?<>" dropped),
    control characters and runs of whitespace become one space, leading dots/spaces and trailing
    dots/spaces are removed, reserved Windows device names get a "_" appended, and the result is
    cut to `max_chars` characters and `MAX_NAME_BYTES` UTF-8 bytes.
    """
    text = unicodedata.normalize("NFC", name).translate(_REPLACE)
    text = "".join(_clean_char(ch) for ch in text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(?: - ){2,}|(?: -){2,}", " - ", text)  # "a:: b" → "a - b"
    text = re.sub(r"\s+", " ", text)
    text = _trim(text)
    if len(text) > max_chars:
        text = _trim(text[:max_chars])
    while len(text.encode("utf-8")) > MAX_NAME_BYTES:
        text = _trim(text[:-1])
    if not text:
        return fallback
    if _WINDOWS_RESERVED.match(text):
        text += "_"
    return text


def _clean_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category in ("Cc", "Zl", "Zp"):  # tabs, newlines, NUL…
        return " "
    if category in ("Cf", "Cs"):  # soft hyphens, zero-width marks, lone surrogates
        return ""
    return ch


def _trim(text: str) -> str:
    return text.strip(" ").lstrip(".").rstrip(". ").strip(" ")


def chapter_filename(index: int, total: int, title: str) -> str:
    """"01 - Chapter Title.mp3": the index zero-padded to the digits of `total` (at least 2)."""
    width = max(2, len(str(max(total, index))))
    safe = sanitize_name(title, fallback=f"Chapter {index}")
    return f"{index:0{width}d} - {safe}.mp3"


def book_dir(output: Path, author: str, title: str) -> Path:
    """`output/<Author>/<Title>` with both names sanitized (the directory is not created)."""
    return (
        Path(output)
        / sanitize_name(author, fallback="Unknown Author")
        / sanitize_name(title, fallback="Untitled")
    )


# --------------------------------------------------------------------------- playlist


def write_playlist(
    paths: Sequence[Path], playlist: Path, titles: Sequence[str], durations: Sequence[float]
) -> Path:
    """Write an extended M3U (UTF-8) listing `paths` relative to the playlist's directory.

    Relative entries of `paths` are taken relative to the current directory, like any path.

    Durations are whole seconds, rounded, as the original #EXTINF format requires.
    """
    if not len(paths) == len(titles) == len(durations):
        raise ValueError(
            f"paths, titles and durations differ in length "
            f"({len(paths)}, {len(titles)}, {len(durations)})"
        )
    playlist = Path(playlist)
    base = playlist.parent.resolve()
    rows = ["#EXTM3U"]
    for path, title, seconds in zip(paths, titles, durations):
        target = Path(path).resolve()
        try:
            rel = Path(os.path.relpath(target, base)).as_posix()
        except ValueError:  # another drive on Windows
            rel = target.as_posix()
        clean_title = " ".join(str(title).split())
        rows.append(f"#EXTINF:{max(0, int(round(seconds)))},{clean_title}")
        rows.append(rel)
    return atomic_write_text(playlist, "\n".join(rows) + "\n")


__all__ = [
    "Tags", "atomic_write_bytes", "atomic_write_text", "book_dir", "chapter_filename",
    "sanitize_name", "write_mp3", "write_playlist",
]
