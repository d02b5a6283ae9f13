"""The Python API: the pipeline stages wired together, as the CLI uses them.

    from narrator.pipeline import render
    result = render(Path("book.txt"), output=Path("output"))
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .assemble import Pacing
from .attribute import attribute
from .cast import CastMember, cast_members
from .engines.base import Engine
from .errors import CastError, NarratorError
from .chapter import ChapterJob, ChapterOutcome, ChapterPlan, get_engine_cached, plan_chapter, render_chapter
from .export import Tags, atomic_write_text, book_dir, chapter_filename, write_playlist
from .ingest import read_book
from .script_file import apply_speaker_edits, read_speaker_edits
from .segment import segment_book
from .synthesize import SynthesisStats, spoken_text
from .types import Book, Cast, Chapter, Character, Script
from .voices import VoiceConfig, load_voices

CAST_SUFFIX = ".cast.toml"
MANIFEST = ".narrator.json"
"""Per-book record of what each chapter file was made from, so unchanged chapters are skipped."""


@dataclass(frozen=True, slots=True)
class RenderPlan:
    script: Script
    members: tuple[CastMember, ...]
    chapters: tuple[ChapterPlan, ...]
    book_dir: Path
    warnings: tuple[str, ...] = ()

    @property
    def lines(self) -> int:
        return sum(len(c.utterances) for c in self.chapters)


@dataclass(slots=True)
class RenderResult:
    files: list[Path] = field(default_factory=list)
    playlist: Path | None = None
    stats: SynthesisStats = field(default_factory=SynthesisStats)
    chapters_written: int = 0
    chapters_unchanged: int = 0
    audio_seconds: float = 0.0

    def add(self, outcome: ChapterOutcome) -> None:
        """Count a freshly written chapter."""
        self.chapters_written += 1
        for name in ("synthesized", "cached", "skipped", "retried"):
            setattr(self.stats, name, getattr(self.stats, name) + getattr(outcome.stats, name))


ProgressFn = Callable[[str, int, int], None]
"""progress(what, done, total): what is "line" (done/total over the book) or "chapter"."""


def load_book(path: Path, *, title: str | None = None, author: str | None = None) -> Book:
    """Read any supported book file."""
    return read_book(Path(path), title=title, author=author)


def make_script(book: Book, *, characters: Sequence[Character] | None = None) -> Script:
    """Segment and attribute a book: the script `narrator script` prints."""
    return attribute(book, segment_book(book), characters=characters)


def default_cast_file(book_path: Path) -> Path:
    return Path(book_path).with_name(Path(book_path).stem + CAST_SUFFIX)


def build_script(
    book_path: Path,
    config: VoiceConfig,
    *,
    script_file: Path | None = None,
    title: str | None = None,
    author: str | None = None,
) -> Script:
    """Read and attribute a book, honouring the cast file's characters and an edited script."""
    book = load_book(book_path, title=title, author=author)
    script = make_script(book, characters=_cast_characters(config) or None)
    if script_file is not None:
        script = apply_speaker_edits(script, read_speaker_edits(script_file), str(script_file))
    return script


def load_config(book_path: Path, voices: Sequence[Path] = (), cast_file: Path | None = None) -> VoiceConfig:
    """Presets, then `--voices` files, then the book's cast file (explicit, or `BOOK.cast.toml`)."""
    files = list(voices)
    if cast_file is not None:
        files.append(cast_file)
    elif default_cast_file(book_path).exists():
        files.append(default_cast_file(book_path))
    return load_voices(files)


def prepare(
    book_path: Path,
    *,
    output: Path = Path("output"),
    voices: Sequence[Path] = (),
    cast_file: Path | None = None,
    script_file: Path | None = None,
    title: str | None = None,
    author: str | None = None,
    engine: Engine | None = None,
) -> RenderPlan:
    """Everything up to synthesis: the book, script, cast, and what each chapter will say."""
    config = load_config(book_path, voices, cast_file)
    script = build_script(book_path, config, script_file=script_file, title=title, author=author)
    book = script.book
    members = cast_members(script, config)
    _check_voices(members, engine)
    cast = Cast({m.name: m.voice for m in members})
    pacing = Pacing.from_dict(config.pacing)
    directory = book_dir(output, book.author, book.title)
    total = len(book.chapters)
    plans = [
        plan_chapter(script, chapter, cast, pacing, directory / chapter_filename(chapter.index, total, chapter.title))
        for chapter in book.chapters
    ]
    return RenderPlan(script, members, tuple(plans), directory, book.warnings)


def render(
    book_path: Path,
    *,
    output: Path = Path("output"),
    voices: Sequence[Path] = (),
    cast_file: Path | None = None,
    script_file: Path | None = None,
    title: str | None = None,
    author: str | None = None,
    engine: Engine | None = None,
    cache_dir: Path | None = None,
    progress: ProgressFn | None = None,
    plan: RenderPlan | None = None,
) -> RenderResult:
    """Render a book to tagged chapter MP3s and a playlist; unchanged chapters are skipped."""
    plan = plan or prepare(book_path, output=output, voices=voices, cast_file=cast_file,
                           script_file=script_file, title=title, author=author, engine=engine)
    book = plan.script.book
    result = RenderResult()
    manifest = _read_manifest(plan.book_dir)
    total_lines = plan.lines
    done_before = 0
    for number, chapter_plan in enumerate(plan.chapters, 1):
        if progress:
            progress("chapter", number - 1, len(plan.chapters))
        fingerprint = _fingerprint(chapter_plan, book, engine)
        key = chapter_plan.path.name
        if manifest.get(key, {}).get("fingerprint") == fingerprint and chapter_plan.path.exists():
            result.chapters_unchanged += 1
        else:
            job = ChapterJob(chapter_plan, chapter_tags(book, chapter_plan.chapter), cache_dir)
            tick = (lambda n, before=done_before: progress("line", before + n, total_lines)) if progress else None
            outcome = render_chapter(job, engine, tick)
            manifest[key] = {"fingerprint": fingerprint, "seconds": outcome.seconds}
            _write_manifest(plan.book_dir, manifest)
            result.add(outcome)
        result.audio_seconds += manifest[key]["seconds"]
        result.files.append(chapter_plan.path)
        done_before += len(chapter_plan.utterances)
        if progress:
            progress("line", done_before, total_lines)
    if progress:
        progress("chapter", len(plan.chapters), len(plan.chapters))
    titles = [c.chapter.title for c in plan.chapters]
    durations = [manifest[c.path.name]["seconds"] for c in plan.chapters]
    result.playlist = write_playlist(result.files, plan.book_dir / f"{plan.book_dir.name}.m3u",
                                     titles, durations)
    return result


def chapter_tags(book: Book, chapter: Chapter) -> Tags:
    return Tags(
        title=chapter.title or book.title,
        album=book.title,
        artist=book.author,
        album_artist=book.author,
        track=chapter.index,
        track_total=len(book.chapters),
        narrator="narrator",
        cover=book.cover,
    )


def _check_voices(members: Sequence[CastMember], override: Engine | None) -> None:
    """Every voice exists before anything is synthesized (a typo fails now, not at line 900)."""
    for m in members:
        engine = override or get_engine_cached(m.voice.engine)
        if not engine.has_voice(m.voice.voice):
            raise CastError(
                f"Unknown {engine.name} voice {m.voice.voice!r} for {m.name!r}; "
                "run `narrator voices` to list the voices you can use."
            )


def _cast_characters(config: VoiceConfig) -> tuple[Character, ...]:
    """Characters a cast file describes (names, aliases, genders) for the attributor."""
    return tuple(
        Character(e.name, e.aliases, e.gender or "unknown", e.lines)
        for e in config.characters.values()
    )


def _fingerprint(plan: ChapterPlan, book: Book, engine: Engine | None) -> str:
    h = hashlib.sha256()
    identity = engine.identity() if engine is not None else "profiles"
    h.update(json.dumps([identity, book.title, book.author, len(book.chapters), plan.chapter.title,
                         plan.chapter.index, list(plan.pauses), book.cover is not None,
                         hashlib.sha256(book.cover or b"").hexdigest()]).encode())
    for u in plan.utterances:
        h.update(json.dumps([spoken_text(u.text), asdict(u.voice)]).encode())
    return h.hexdigest()


def _read_manifest(directory: Path) -> dict[str, dict]:
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_manifest(directory: Path, manifest: dict[str, dict]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write_text(directory / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))


__all__ = ["NarratorError", "RenderPlan", "RenderResult", "load_book", "make_script", "prepare", "render"]
