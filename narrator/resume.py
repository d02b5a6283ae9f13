"""What is already done, so that a render does only the missing work.

Every book folder holds a manifest, `.narrator.json`: for each chapter file narrator wrote, the
*fingerprint* of everything the file is made of and its length in seconds. A chapter is done
when its file exists and the manifest records the fingerprint the chapter has now; it is then
skipped, checked once by the render loop before any work is sent out, and again by the worker
just before it starts (another process may have finished it meanwhile). Anything that changes
the file changes the fingerprint: a line's text or speaker, a voice setting, the lexicon's
respelling, pauses, loudness target, subtitle format, tags, cover, engine version. That chapter
is encoded again, its unchanged lines still coming from the line cache.

The manifest is replaced atomically under a lock (`.narrator.lock`: flock across processes, a
lock per folder across threads), so workers finishing chapters of one book at the same time keep
each other's entries.

The manifest is read and written only here (`Manifest`, `record_chapter`), so that recording
more about a book folder (which source each file was made from, every file a chapter produced,
what only the subtitles depend on) changes this module, not the render loop.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .chapter import ChapterPlan
from .engines import Engine
from .export import atomic_write_text
from .synthesize import spoken_text
from .types import Book

MANIFEST = ".narrator.json"
"""Per-book record of what each chapter file was made from, so unchanged chapters are skipped."""
MANIFEST_LOCK = ".narrator.lock"


def fingerprint(plan: ChapterPlan, book: Book, engine: Engine | None, title: str) -> str:
    """Digest of everything chapter `plan`'s file is made of (`title`: its unique title tag).

    `engine`: the engine forced on every voice, else None (then each voice names its own)."""
    h = hashlib.sha256()
    identity = engine.identity() if engine is not None else "profiles"
    h.update(json.dumps([identity, book.title, book.author, len(book.chapters), plan.chapter.title,
                         plan.chapter.index, list(plan.pauses), book.cover is not None,
                         hashlib.sha256(book.cover or b"").hexdigest()]).encode())
    # Output settings: loudness target, subtitles, markers (boundary kinds), series tags, titles.
    h.update(json.dumps([plan.loudness, plan.subtitles, list(plan.kinds), book.series,
                         str(book.series_index), title]).encode())
    for u in plan.utterances:
        # engine_text: the lexicon's respelling is what is synthesized; text: what subtitles show
        h.update(json.dumps([spoken_text(u.engine_text), spoken_text(u.text), u.line.speaker,
                             asdict(u.voice)]).encode())
    return h.hexdigest()


def read_manifest(directory: Path) -> dict[str, dict]:
    """The manifest of a book folder as stored (file name → {"fingerprint", "seconds"}); empty
    when there is none or it cannot be read (then every chapter is rendered again)."""
    try:
        data = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True, slots=True)
class Manifest:
    """One book folder's manifest as read at one moment."""

    directory: Path
    entries: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        return cls(Path(directory), read_manifest(directory))

    def done(self, path: Path, fingerprint: str) -> float | None:
        """The skip decision: seconds of the chapter file at `path` if it exists and was made
        from exactly `fingerprint`, else None (render it)."""
        entry = self.entries.get(Path(path).name, {})
        if entry.get("fingerprint") == fingerprint and Path(path).exists():
            return float(entry.get("seconds", 0.0))
        return None

    def seconds(self, path: Path) -> float:
        """Length of a chapter file this manifest records (KeyError if it records none)."""
        return float(self.entries[Path(path).name]["seconds"])

    def fingerprint(self, path: Path) -> str | None:
        return self.entries.get(Path(path).name, {}).get("fingerprint")


def record_chapter(directory: Path, path: Path, fingerprint: str, seconds: float) -> None:
    """Note in the manifest of book folder `directory` that the chapter file at `path` was made
    from `fingerprint`, keeping whatever other processes recorded meanwhile."""
    directory = Path(directory)
    with manifest_lock(directory):
        manifest = read_manifest(directory)
        manifest[Path(path).name] = {"fingerprint": fingerprint, "seconds": seconds}
        _write_manifest(directory, manifest)


def _write_manifest(directory: Path, manifest: dict[str, dict]) -> None:
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


__all__ = ["MANIFEST", "Manifest", "fingerprint", "manifest_lock", "read_manifest", "record_chapter"]
