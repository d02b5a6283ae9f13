"""Writing finished audio: MP3 encoding (lameenc, in-process, no ffmpeg, with the LAME Info tag
lameenc leaves out), ID3 tags, file names, playlists, and atomic file replacement.

Every file is written to a `<name>.<random>.part` temp file in the destination directory, fsynced
and renamed over the final name with `os.replace`, so a crash or kill never leaves a truncated
file under the final name. (A SIGKILL can leave a stray `.part` file behind; it is never mistaken
for a chapter because of its suffix, and the next render of the book removes it once it is an
hour old: a temp file that a live render is writing is never that stale.)
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    MVIN,
    MVNM,
    TALB,
    TCOM,
    TCON,
    TDRC,
    TIT1,
    TIT2,
    TPE1,
    TPE2,
    TRCK,
    TXXX,
    CTOCFlags,
)

from .errors import ExportError
from .lametag import TaggedStream
from .types import Clip

MAX_NAME_CHARS = 100
"""Longest sanitized name component in characters (before the track prefix and extension)."""
MAX_NAME_BYTES = 180
"""…and in UTF-8 bytes, well under the 255-byte limit of common file systems."""

MP3_BITRATES = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 192, 224, 256, 320)
"""CBR bitrates (kbps) MPEG audio defines; lameenc silently accepts others."""

_ENCODE_CHUNK = 1 << 20
"""Bytes of PCM handed to lameenc at a time, so huge chunks do not balloon the MP3 buffer."""

MP3_DELAY_FRAMES = 0
"""Samples a player puts before the first PCM sample of a narrator MP3: none. Every file starts
with a LAME Info tag (see `lametag`) that tells decoders to drop LAME's 576-sample encoder delay,
their own 529 and the padding at the end, so sample N of the assembled PCM plays at N / rate
(measured: ffmpeg decodes exactly the samples encoded, click at sample 1000 at 1000). Before the
tag this was 1105, and chapter markers and subtitles were shifted by it; players that ignore the
tag hear silence first: the empty tag frame (576 samples at 22.05 kHz) and both delays."""


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
    series: str | None = None
    """Series name: TXXX:SERIES and MVNM (Audiobookshelf, iTunes/Apple Books), TIT1 grouping."""
    series_index: str | None = None
    """Position in the series ("3", "2.5"): TXXX:SERIES-PART and MVIN."""


@dataclass(frozen=True, slots=True)
class Marker:
    """A chapter marker inside one MP3: an ID3 CHAP frame (times in ms from the file start)."""

    title: str
    start_ms: int
    end_ms: int


_IMAGE_KINDS = (
    (b"\x89PNG", "image/png", ".png"),
    (b"GIF8", "image/gif", ".gif"),
    (b"BM", "image/bmp", ".bmp"),
)


def image_type(data: bytes) -> tuple[str, str]:
    """(MIME type, file suffix) of cover bytes, by their magic number (JPEG when unrecognised)."""
    for magic, mime, suffix in _IMAGE_KINDS:
        if data.startswith(magic):
            return mime, suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return "image/jpeg", ".jpg"


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


STALE_PART_SECONDS = 3600


def remove_stale_parts(directory: Path, max_age: float = STALE_PART_SECONDS) -> int:
    """Delete temp files (`.<name>.<random>.part`) left in `directory` by a killed render, if
    untouched for `max_age` seconds; return how many were removed."""
    removed = 0
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in Path(directory).glob(".*.part"):
            with contextlib.suppress(OSError):
                if entry.is_file() and now - entry.stat().st_mtime > max_age:
                    entry.unlink()
                    removed += 1
    return removed


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


def _id3(tags: Tags, markers: Sequence[Marker] = ()) -> ID3:
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
    if tags.series:
        group = tags.series if not tags.series_index else f"{tags.series}, Book {tags.series_index}"
        id3.add(TIT1(encoding=enc, text=group))
        id3.add(TXXX(encoding=enc, desc="SERIES", text=tags.series))
        id3.add(MVNM(encoding=enc, text=tags.series))
        if tags.series_index:
            id3.add(TXXX(encoding=enc, desc="SERIES-PART", text=str(tags.series_index)))
            id3.add(MVIN(encoding=enc, text=str(tags.series_index)))
    if tags.cover:
        mime = image_type(tags.cover)[0]
        id3.add(APIC(encoding=enc, mime=mime, type=3, desc="Cover", data=tags.cover))
    _add_markers(id3, markers)
    id3.update_to_v23()  # TDRC → TYER etc.; save(v2_version=3) alone keeps v2.4-only frames
    return id3


def _add_markers(id3: ID3, markers: Sequence[Marker]) -> None:
    """CHAP frames (one per marker, in order, ends clamped to the next start) and a CTOC."""
    if not markers:
        return
    ids = []
    ordered = sorted(markers, key=lambda m: m.start_ms)
    for number, marker in enumerate(ordered):
        element = f"chp{number}"
        ids.append(element)
        end = ordered[number + 1].start_ms if number + 1 < len(ordered) else marker.end_ms
        id3.add(CHAP(element_id=element, start_time=max(0, int(marker.start_ms)),
                     end_time=max(int(marker.start_ms), int(end)),
                     start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                     sub_frames=[TIT2(encoding=1, text=marker.title)]))
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                 child_element_ids=ids, sub_frames=[TIT2(encoding=1, text="Chapters")]))


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
    markers: Sequence[Marker] | Callable[[], Sequence[Marker]] = (),
) -> Path:
    """Encode mono s16le PCM to a CBR MP3 at `path` with ID3v2.3 tags; return `path`.

    The first frame is a LAME Info tag (`lametag`): players read the exact length from it and
    drop the encoder delay and padding, so the file plays exactly the PCM given.

    `markers` become CHAP frames plus a CTOC table of contents. Pass a callable to decide them
    once the audio is encoded (timings known only after streaming); it is called after the last
    chunk and before the tags are written.

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
        frames = _encode_tagged(encoder, _pcm_chunks(pcm_chunks), handle, path, sample_rate, quality)
        if frames == 0:
            raise ExportError(f"could not write {path}: no audio to encode")
        handle.flush()
        chosen = markers() if callable(markers) else markers
        try:
            _id3(tags, chosen).save(tmp, v2_version=3)
        except MutagenError as exc:
            raise ExportError(f"could not tag {path}: {_oneline(exc)}") from exc
    return path


def _encode_tagged(encoder: Any, chunks: Iterable[bytes], handle: IO[bytes], path: Path,
                   sample_rate: int, quality: int) -> int:
    """Encode `chunks` into `handle` behind a LAME Info tag frame; return the samples encoded
    (0: nothing was written). Errors of the chunk iterable itself propagate unchanged."""
    stream = TaggedStream(handle)
    frames = 0
    for chunk in chunks:
        frames += len(chunk) // 2
        _described(stream.write, _encode(encoder, chunk, path), path=path)
    if frames:
        _described(stream.write, _encode(encoder, None, path), path=path)
        _described(stream.close, frames, sample_rate, quality, path=path)
    return frames


def _described(step: Callable[..., None], *args: Any, path: Path) -> None:
    """Run a step of `TaggedStream`: encoder output it cannot describe is an ExportError."""
    try:
        step(*args)
    except ValueError as exc:
        raise ExportError(f"could not encode {path}: {exc}") from exc


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


def book_dir(
    output: Path, author: str, title: str, series: str | None = None, series_index: str | None = None
) -> Path:
    """`output/<Author>/<Title>` with the names sanitized (the directory is not created).

    With a series, the Audiobookshelf layout: `output/<Author>/<Series>/Book <N> - <Title>`
    (`<Series>/<Title>` when the position in the series is unknown).
    """
    author_dir = Path(output) / sanitize_name(author, fallback="Unknown Author")
    if series and series.strip():
        folder = title
        if series_index is not None and str(series_index).strip():
            folder = f"Book {str(series_index).strip()} - {title}"
        return author_dir / sanitize_name(series, fallback="Series") / sanitize_name(folder, fallback="Untitled")
    return author_dir / sanitize_name(title, fallback="Untitled")


_SERIES_INDEX = re.compile(
    r"^(?P<name>.*?)[\s,]*(?:#|\b(?:book|vol(?:ume)?\.?|part|no\.?)\s*)(?P<index>\d+(?:\.\d+)?)\s*$",
    re.IGNORECASE,
)


def split_series(series: str | None, index: object = None) -> tuple[str | None, str | None]:
    """(series name, index as text): an explicit `index` wins, else one written in the name
    ("Discworld #3", "Discworld, Book 3", "Discworld vol. 3"). Whole-number floats lose ".0"."""
    if not series or not series.strip():
        return None, None
    name = " ".join(series.split())
    found = None
    match = _SERIES_INDEX.match(name)
    if match and match.group("name").strip():
        name, found = match.group("name").strip(), match.group("index")
    if index is not None and str(index).strip():
        found = str(index).strip()
    if found is not None:
        try:
            number = float(found)
            found = str(int(number)) if number.is_integer() else str(number)
        except ValueError:
            pass
    return name, found


def cover_path(directory: Path, cover: bytes) -> Path:
    """Where `write_cover` puts `cover`: `cover.jpg` (or `.png`, `.gif`…, by content)."""
    return Path(directory) / f"cover{image_type(cover)[1]}"


def write_cover(directory: Path, cover: bytes | None) -> Path | None:
    """The cover as `cover_path(directory, cover)`, written atomically; left untouched when it
    already holds these bytes. None when there is no cover. (A cover of another kind that an
    earlier render wrote is removed with the book's other stale files: narrator.resume.prune.)"""
    if not cover:
        return None
    path = cover_path(directory, cover)
    try:
        if path.read_bytes() == cover:
            return path
    except OSError:
        pass
    return atomic_write_bytes(path, cover)


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
    "MP3_DELAY_FRAMES", "Marker", "Tags", "atomic_write_bytes", "atomic_write_text", "book_dir",
    "chapter_filename", "cover_path", "image_type", "sanitize_name", "split_series", "write_cover", "write_mp3",
    "write_playlist",
]
