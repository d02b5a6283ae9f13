"""What is already done, so that a render does only the missing work.

Every book folder holds a manifest, `.narrator.json`: for each chapter file narrator wrote, the
*fingerprint* of everything the file is made of, its length in seconds and where each line
sounds in it. A chapter is done when its file exists and the manifest records the fingerprint the
chapter has now; it is then skipped, checked once by the render loop before any work is sent out,
and again by the worker just before it starts (another process may have finished it meanwhile).

A fingerprint has two parts, `AUDIO/SUBTITLES`. Anything that changes the chapter's audio file
changes the first: a line's spoken text or voice, the lexicon's respelling, pauses, loudness
target, tags, cover, engine version, and FORMAT_VERSION (how narrator writes files). That chapter
is encoded again, its unchanged lines still coming from the line cache. What only the subtitle
file shows changes the second: the subtitle format, a line's text as the book spells it, the
speaker a line is labelled with. Then only the subtitle file is written again, from the line
timings the manifest recorded with the audio (`rewrite_subtitles`): no line is synthesized and
the MP3 is not touched.

The manifest is replaced atomically under a lock (`.narrator.lock`: flock across processes, a
lock per folder across threads), so workers finishing chapters of one book at the same time keep
each other's entries.

The manifest also says which book the folder's audiobook is made from (`Source`: the book
file's path and a digest of its text, so a moved or an edited book is still the same book) and
every file narrator wrote there. A render into a folder another book owns is refused, or sent to
another folder by render-library (`claim`), and after a render the files narrator wrote earlier
that are no longer part of the book (chapters renamed or removed, the other `--format`, old
subtitles) are removed (`prune`). A file narrator did not write is never touched.

The manifest is read and written only here (`Manifest`, `claim`, `record_chapter`,
`record_files`, `prune`), so recording more about a book folder changes this module, not the
render loop.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .chapter import ChapterPlan, chapter_cues
from .engines import Engine
from .errors import ExportError, OutputError
from .export import atomic_write_text
from .subtitles import MAX_CUE_CHARS, write_subtitles
from .synthesize import spoken_text
from .types import Book

MANIFEST = ".narrator.json"
"""Per-book record of what each chapter file was made from, so unchanged chapters are skipped,
which book the folder holds and which files narrator wrote there."""
MANIFEST_LOCK = ".narrator.lock"
MANIFEST_VERSION = 2
"""1 (no "version" key): file name → chapter entry. 2: {"version", "source", "chapters", "files"}."""
FORMAT_VERSION = 2
"""How narrator writes a chapter file, in the audio fingerprint: bump it when the files change
for the same inputs, so books rendered before are written again once. 1: MP3s without a LAME
Info header (players guessed their length from the bitrate); 2: with it."""


def fingerprint(plan: ChapterPlan, book: Book, engine: Engine | None, title: str) -> str:
    """`AUDIO/SUBTITLES`: digests of everything chapter `plan`'s audio file, and its subtitle
    file, are made of (`title`: its unique title tag; see the module doc).

    `engine`: the engine forced on every voice, else None (then each voice names its own)."""
    return f"{_audio_digest(plan, book, engine, title)}/{_subtitle_digest(plan)}"


def _audio_digest(plan: ChapterPlan, book: Book, engine: Engine | None, title: str) -> str:
    h = hashlib.sha256()
    identity = engine.identity() if engine is not None else "profiles"
    h.update(json.dumps([FORMAT_VERSION, identity, book.title, book.author, len(book.chapters),
                         plan.chapter.title, plan.chapter.index, list(plan.pauses), book.cover is not None,
                         hashlib.sha256(book.cover or b"").hexdigest()]).encode())
    # Output settings: loudness target, markers (boundary kinds), series tags, titles.
    h.update(json.dumps([plan.loudness, list(plan.kinds), book.series, str(book.series_index), title]).encode())
    for u in plan.utterances:  # the lexicon's respelling is what is synthesized
        h.update(json.dumps([spoken_text(u.engine_text), asdict(u.voice)]).encode())
    return h.hexdigest()


def _subtitle_digest(plan: ChapterPlan) -> str:
    """What the subtitle file shows besides the timings: its format, each line as the book
    spells it and who it is labelled with."""
    h = hashlib.sha256(json.dumps([plan.subtitles, MAX_CUE_CHARS]).encode())
    for u in plan.utterances:
        h.update(json.dumps([spoken_text(u.text), u.line.speaker, u.is_title]).encode())
    return h.hexdigest()


def audio_part(fingerprint: str | None) -> str | None:
    """The audio digest of a fingerprint (a whole old-style one never matches a new one)."""
    return None if fingerprint is None else fingerprint.partition("/")[0]


@dataclass(frozen=True, slots=True)
class Source:
    """Which book a folder's audiobook is made from."""

    path: str
    """The book file, resolved."""
    text: str
    """SHA-256 of the book's decoded text."""

    @classmethod
    def of(cls, path: Path, text: str) -> Source:
        return cls(str(Path(path).resolve()), hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())

    def same_book(self, other: Source) -> bool:
        """The same file (edited since), or the same text (the file moved or copied)."""
        return self.path == other.path or self.text == other.text


def _read(directory: Path) -> dict[str, Any]:
    """The manifest of a book folder in the current form (an empty one when there is none or it
    cannot be read: then every chapter is rendered again)."""
    try:
        data = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    if data.get("version") != MANIFEST_VERSION:  # version 1: only chapter entries
        data = {"chapters": data}
    chapters = data.get("chapters")
    chapters = chapters if isinstance(chapters, dict) else {}
    files = data.get("files")
    files = files if isinstance(files, list) else []
    return {"version": MANIFEST_VERSION, "source": data.get("source"),
            "chapters": {k: v for k, v in chapters.items() if isinstance(v, dict)},
            "files": sorted(f for f in files if isinstance(f, str))}


def read_manifest(directory: Path) -> dict[str, dict]:
    """The chapter entries of a book folder's manifest (file path relative to the folder →
    {"fingerprint", "seconds"}); empty when there is none or it cannot be read."""
    return dict(_read(directory)["chapters"])


def _key(directory: Path, path: Path) -> str:
    """How the manifest names a file: its path inside the book folder."""
    try:
        return Path(path).relative_to(directory).as_posix()
    except ValueError:
        try:
            return Path(path).resolve().relative_to(Path(directory).resolve()).as_posix()
        except ValueError:
            return Path(path).name


@dataclass(frozen=True, slots=True)
class Manifest:
    """One book folder's manifest as read at one moment."""

    directory: Path
    entries: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Chapter entries by path inside the folder."""
    source: Source | None = None
    """The book the folder holds (None: not recorded, e.g. by an older narrator)."""
    files: frozenset[str] = frozenset()
    """Every file narrator wrote in the folder, chapters included, by path inside it."""

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        data = _read(directory)
        source = data["source"]
        owner = Source(str(source.get("path")), str(source.get("text"))) if isinstance(source, dict) else None
        return cls(Path(directory), data["chapters"], owner, frozenset(data["files"]) | set(data["chapters"]))

    def done(self, path: Path, fingerprint: str) -> float | None:
        """The skip decision: seconds of the chapter file at `path` if it exists and was made
        from exactly `fingerprint`, else None (render it)."""
        entry = self.entries.get(_key(self.directory, path), {})
        if entry.get("fingerprint") == fingerprint and Path(path).exists():
            return float(entry.get("seconds", 0.0))
        return None

    def timeline(self, path: Path, fingerprint: str) -> tuple[list[tuple[int, int]], int] | None:
        """Where each line sounds in the chapter file at `path` (frames) and its sample rate, if
        the file exists and its audio was made from `fingerprint`'s audio part; else None."""
        entry = self.entries.get(_key(self.directory, path), {})
        if audio_part(entry.get("fingerprint")) != audio_part(fingerprint) or not Path(path).exists():
            return None
        try:
            pairs = [tuple(int(n) for n in pair.split(":")) for pair in str(entry["lines"]).split()]
            rate = int(entry["rate"])
        except (KeyError, TypeError, ValueError):
            return None
        if rate <= 0 or any(len(pair) != 2 for pair in pairs):
            return None
        return [(pair[0], pair[1]) for pair in pairs], rate

    def seconds(self, path: Path) -> float:
        """Length of a chapter file this manifest records (KeyError if it records none)."""
        return float(self.entries[_key(self.directory, path)]["seconds"])

    def fingerprint(self, path: Path) -> str | None:
        return self.entries.get(_key(self.directory, path), {}).get("fingerprint")

    def wrote(self, path: Path) -> bool:
        """Whether narrator wrote the file at `path` (so it may replace or remove it)."""
        return _key(self.directory, path) in self.files


def claim(directory: Path, source: Source) -> Source | None:
    """Make book folder `directory` the home of `source`'s audiobook. None when it is (a new
    folder, one of an older narrator, or already this book's: the record follows a moved or
    edited book); otherwise the other book that owns it, and nothing is written.

    Raises OutputError when the folder cannot be written (read-only, not a folder)."""
    directory = Path(directory)
    try:
        with manifest_lock(directory):
            manifest = _read(directory)
            owner = manifest["source"]
            if isinstance(owner, dict):
                other = Source(str(owner.get("path")), str(owner.get("text")))
                if not other.same_book(source):
                    return other
            if owner != asdict(source):
                manifest["source"] = asdict(source)
                _write_manifest(directory, manifest)
    except (OSError, ExportError) as exc:
        raise OutputError(f"cannot write to {directory}: {_reason(exc)}; choose another --output") from exc
    return None


def _reason(exc: BaseException) -> str:
    cause = exc.__cause__ if isinstance(exc, ExportError) and isinstance(exc.__cause__, OSError) else exc
    text = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
    return text[:1].lower() + text[1:]


def record_chapter(directory: Path, path: Path, fingerprint: str, seconds: float,
                   timeline: Sequence[tuple[int, int]] = (), sample_rate: int = 0,
                   also: Iterable[Path] = ()) -> None:
    """Note in the manifest of book folder `directory` that the chapter file at `path` was made
    from `fingerprint`, where each line sounds in it (`timeline`, frames at `sample_rate`: what
    subtitles are written from) and that narrator wrote the files `also` (its subtitles),
    keeping whatever other processes recorded meanwhile."""
    directory = Path(directory)
    entry: dict[str, Any] = {"fingerprint": fingerprint, "seconds": seconds}
    if sample_rate > 0:
        entry.update(rate=sample_rate, lines=" ".join(f"{start}:{end}" for start, end in timeline))
    with manifest_lock(directory):
        manifest = _read(directory)
        manifest["chapters"][_key(directory, path)] = entry
        manifest["files"] = sorted({*manifest["files"], _key(directory, path), *(_key(directory, p) for p in also)})
        _write_manifest(directory, manifest)


def rewrite_subtitles(plan: ChapterPlan, directory: Path, fingerprint: str, manifest: Manifest) -> bool:
    """When only the subtitles of chapter `plan` changed (its audio is made from `fingerprint`'s
    audio part), write its subtitle file again (removing the other format's) from the line
    timings the manifest recorded, and record the new fingerprint. False when the audio must be
    made again (it changed, or its timings are not recorded or do not fit)."""
    found = manifest.timeline(plan.path, fingerprint)
    if found is None or len(found[0]) != len(plan.utterances):
        return False
    timeline, rate = found
    written = write_subtitles(plan.path, chapter_cues(plan, timeline, rate), plan.subtitles)
    record_chapter(directory, plan.path, fingerprint, manifest.seconds(plan.path), timeline, rate,
                   also=[written] if written else [])
    return True


def record_files(directory: Path, paths: Iterable[Path]) -> None:
    """Note that narrator wrote `paths` (playlist, cover, .m4b) in book folder `directory`."""
    directory = Path(directory)
    with manifest_lock(directory):
        manifest = _read(directory)
        manifest["files"] = sorted({*manifest["files"], *(_key(directory, p) for p in paths)})
        _write_manifest(directory, manifest)


def prune(directory: Path, keep: Iterable[Path]) -> list[Path]:
    """Remove the files narrator wrote in book folder `directory` that are not in `keep` (the
    files of the render just finished), and their manifest entries; return those removed.
    Files narrator did not write are never touched; folders it leaves empty are removed."""
    directory = Path(directory)
    kept = {_key(directory, p) for p in keep}
    removed = []
    with manifest_lock(directory):
        manifest = _read(directory)
        owned = set(manifest["files"]) | set(manifest["chapters"])
        for name in sorted(owned - kept):
            path = directory / name
            if ".." in Path(name).parts or Path(name).is_absolute():
                continue  # a manifest edited by hand: never reach outside the folder
            try:
                path.unlink()
                removed.append(path)
            except FileNotFoundError:
                pass
            except OSError:  # cannot remove it now: keep it on record, to retry next time
                kept.add(name)
                continue
            with contextlib.suppress(OSError):  # a folder it emptied, e.g. .chapters/ after m4b
                if path.parent != directory:
                    os.rmdir(path.parent)
        manifest["chapters"] = {k: v for k, v in manifest["chapters"].items() if k in kept}
        manifest["files"] = sorted(owned & kept)
        _write_manifest(directory, manifest)
    return removed


def _write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write_text(directory / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def manifest_lock(directory: Path) -> Iterator[None]:
    """Exclusive access to a book's manifest across threads and processes (flock; a no-op where
    the platform has none)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(str(directory.resolve()), threading.Lock())
    with thread_lock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        with open(directory / MANIFEST_LOCK, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


__all__ = ["FORMAT_VERSION", "MANIFEST", "Manifest", "Source", "audio_part", "claim", "fingerprint", "manifest_lock",
           "prune", "read_manifest", "record_chapter", "record_files", "rewrite_subtitles"]
