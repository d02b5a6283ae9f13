"""One-file audiobook: `Title.m4b` (AAC in MP4) with a chapter per book chapter and the cover.

Built from the chapter MP3s narrator renders anyway (so unchanged chapters still come from the
manifest and the line cache), with ffmpeg: the static binary the optional `imageio-ffmpeg`
package ships (`pip install 'narrator[m4b]'`), else an `ffmpeg` on PATH. Chapters come from an
FFMETADATA file whose times are the chapter MP3s' exact durations (from their LAME tags), the
cover goes in as an attached picture, and the file is written to a temp name and renamed, like
every output.

The chapter MP3s of an M4B render live in the hidden `.chapters/` folder of the book, so a
library scanner (Audiobookshelf ignores dot folders) sees one book file, not two copies.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .errors import ExportError
from .export import Tags, _atomic, image_type

CHAPTER_DIR = ".chapters"
"""Where an M4B render keeps its chapter MP3s (inside the book folder)."""
STAMP = "m4b.json"
"""Beside the chapter MP3s: what the .m4b was made from (so an unchanged book is not encoded again)."""
AAC_BITRATE = "64k"
_GAPLESS = ("-af", "asetpts=N/SR/TB")
"""Stamp the joined chapters by their sample count. ffmpeg drops each MP3's encoder delay and
padding (its LAME tag says how much) but starts the book at the first file's trimmed start
(1105 samples), so without this the AAC priming stayed in and the book played 1024 samples late."""
INSTALL_HINT = "M4B output needs ffmpeg: pip install 'narrator[m4b]' (imageio-ffmpeg), or render with --format mp3"


def ffmpeg_exe() -> str:
    """Path of an ffmpeg binary: imageio-ffmpeg's, else one on PATH; ExportError if neither."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        pass
    found = shutil.which("ffmpeg")
    if found:
        return found
    raise ExportError(INSTALL_HINT)


def mp3_seconds(path: Path) -> float:
    from mutagen.mp3 import MP3

    info = MP3(path).info
    if info is None:
        raise ExportError(f"{path.name} is not a readable MP3.")
    return float(info.length)


def _meta_escape(value: str) -> str:
    out = " ".join(str(value).split())
    for ch in "\\=;#":
        out = out.replace(ch, "\\" + ch)
    return out


def ffmetadata(tags: Tags, titles: Sequence[str], seconds: Sequence[float]) -> str:
    """FFMETADATA1 text: book tags and one [CHAPTER] per file, times in ms, tiling the book."""
    rows = [";FFMETADATA1"]
    book = {
        "title": tags.album or tags.title, "album": tags.album or tags.title, "artist": tags.artist,
        "album_artist": tags.album_artist if tags.album_artist is not None else tags.artist,
        "composer": tags.narrator or "", "genre": tags.genre, "comment": tags.comment or "",
        "date": str(tags.year or ""),
        "grouping": (f"{tags.series}, Book {tags.series_index}" if tags.series_index else tags.series or ""),
    }
    rows += [f"{key}={_meta_escape(value)}" for key, value in book.items() if value]
    at, elapsed = 0, 0.0
    for title, length in zip(titles, seconds):
        elapsed += length  # each boundary rounded from the exact sum, so rounding never drifts
        end = max(at + 1, int(round(elapsed * 1000)))
        rows += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={at}", f"END={end}", f"title={_meta_escape(title)}"]
        at = end
    return "\n".join(rows) + "\n"


def _concat_line(path: Path) -> str:
    return "file '" + str(Path(path).resolve()).replace("'", "'\\''") + "'"


def write_m4b(files: Sequence[Path], titles: Sequence[str], path: Path, tags: Tags,
              key: str | None = None) -> Path:
    """Encode `files` (chapter MP3s, in order) into one chaptered M4B at `path`, atomically.

    With a `key` (what the inputs were made from), an existing M4B made from the same key is
    kept as is; the key is stored in `<CHAPTER_DIR>/m4b.json` beside the inputs.
    """
    if not files or len(files) != len(titles):
        raise ValueError("write_m4b needs one title per chapter file, and at least one file")
    path = Path(path)
    stamp = Path(files[0]).parent / STAMP
    full_key = hashlib.sha256(json.dumps([key, path.name, repr(tags)]).encode()).hexdigest() if key else None
    if full_key and path.exists():
        try:
            if json.loads(stamp.read_text(encoding="utf-8")).get("key") == full_key:
                return path
        except (OSError, ValueError, AttributeError):
            pass
    exe = ffmpeg_exe()
    seconds = [mp3_seconds(f) for f in files]
    with tempfile.TemporaryDirectory(prefix="narrator-m4b-") as work:
        workdir = Path(work)
        (workdir / "list.txt").write_text("\n".join(_concat_line(f) for f in files) + "\n", encoding="utf-8")
        (workdir / "meta.txt").write_text(ffmetadata(tags, titles, seconds), encoding="utf-8")
        inputs = ["-f", "concat", "-safe", "0", "-i", str(workdir / "list.txt"), "-i", str(workdir / "meta.txt")]
        maps = ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        if tags.cover:
            cover = workdir / f"cover{image_type(tags.cover)[1]}"
            cover.write_bytes(tags.cover)
            inputs += ["-i", str(cover)]
            # MP4 cover art is JPEG or PNG; anything else (GIF, WebP, BMP) is converted to JPEG.
            # No `-frames:v 1`: ffmpeg 7+ then ends the whole output after the picture, leaving an
            # empty audio track; the muxer keeps only the first frame of an attached picture anyway.
            codec = "copy" if cover.suffix in (".jpg", ".png") else "mjpeg"
            maps += ["-map", "2:v", "-c:v", codec, "-disposition:v:0", "attached_pic"]
        with _atomic(path) as (tmp, _handle):
            command = [exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *inputs, *maps,
                       *_GAPLESS, "-c:a", "aac", "-b:a", AAC_BITRATE, "-ac", "1", "-movflags", "+faststart",
                       "-f", "mp4", str(tmp)]
            try:
                done = subprocess.run(command, capture_output=True, text=True, check=False)
            except OSError as exc:
                raise ExportError(f"could not run ffmpeg ({exe}): {exc.strerror or exc}; {INSTALL_HINT}") from exc
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no message"])[-1]
                raise ExportError(f"ffmpeg could not write {path}: {last}")
    if full_key:
        try:
            stamp.write_text(json.dumps({"key": full_key}), encoding="utf-8")
        except OSError:
            pass
    return path


__all__ = ["CHAPTER_DIR", "STAMP", "ffmetadata", "ffmpeg_exe", "write_m4b"]
