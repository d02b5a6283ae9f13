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

The manifest is read and written only here (`Manifest`, `record_chapter`), so that recording
more about a book folder (which source each file was made from, every file a chapter produced,
what only the subtitles depend on) changes this module, not the render loop.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .chapter import ChapterPlan, chapter_cues
from .engines import Engine
from .export import atomic_write_text
from .subtitles import MAX_CUE_CHARS, write_subtitles
from .synthesize import spoken_text
from .types import Book

MANIFEST = ".narrator.json"
"""Per-book record of what each chapter file was made from, so unchanged chapters are skipped."""
MANIFEST_LOCK = ".narrator.lock"
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

    def timeline(self, path: Path, fingerprint: str) -> tuple[list[tuple[int, int]], int] | None:
        """Where each line sounds in the chapter file at `path` (frames) and its sample rate, if
        the file exists and its audio was made from `fingerprint`'s audio part; else None."""
        entry = self.entries.get(Path(path).name, {})
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
        return float(self.entries[Path(path).name]["seconds"])

    def fingerprint(self, path: Path) -> str | None:
        return self.entries.get(Path(path).name, {}).get("fingerprint")


def record_chapter(directory: Path, path: Path, fingerprint: str, seconds: float,
                   timeline: Sequence[tuple[int, int]] = (), sample_rate: int = 0) -> None:
    """Note in the manifest of book folder `directory` that the chapter file at `path` was made
    from `fingerprint`, and where each line sounds in it (`timeline`, frames at `sample_rate`:
    what subtitles are written from), keeping whatever other processes recorded meanwhile."""
    directory = Path(directory)
    entry: dict[str, Any] = {"fingerprint": fingerprint, "seconds": seconds}
    if sample_rate > 0:
        entry.update(rate=sample_rate, lines=" ".join(f"{start}:{end}" for start, end in timeline))
    with manifest_lock(directory):
        manifest = read_manifest(directory)
        manifest[Path(path).name] = entry
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
    write_subtitles(plan.path, chapter_cues(plan, timeline, rate), plan.subtitles)
    record_chapter(directory, plan.path, fingerprint, manifest.seconds(plan.path), timeline, rate)
    return True


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


__all__ = ["FORMAT_VERSION", "MANIFEST", "Manifest", "audio_part", "fingerprint", "manifest_lock", "read_manifest",
           "record_chapter", "rewrite_subtitles"]
