"""One chapter, from script lines to a finished MP3.

`plan_chapter` decides what is said, by whom, with which pauses; `render_chapter` synthesizes
(through the line cache), assembles and encodes it. A `ChapterJob` holds only plain, picklable
data, so chapters can be rendered in worker processes.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .assemble import Pacing, boundary, iter_assembled
from .engines import get_engine
from .engines.base import Engine
from .export import Tags, write_mp3
from .synthesize import LineCache, SynthesisStats, spoken_text, synthesize_line, word_count
from .types import Cast, Chapter, Clip, Line, Script, Segment, VoiceProfile

_MARKUP = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)|^#+\s*", re.MULTILINE)
"""Markdown emphasis and heading marks: shown on the page, not spoken."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """One piece of a chapter's audio: a line (or the chapter title) and its voice."""

    line: Line
    text: str
    voice: VoiceProfile
    is_title: bool = False


@dataclass(frozen=True, slots=True)
class ChapterPlan:
    chapter: Chapter
    utterances: tuple[Utterance, ...]
    pauses: tuple[float, ...]
    """`pauses[i]` is the silence after `utterances[i]` (one fewer than utterances)."""
    path: Path

    @property
    def words(self) -> int:
        return sum(word_count(spoken_text(u.text)) for u in self.utterances)

    @property
    def estimated_seconds(self) -> float:
        speech = sum(word_count(spoken_text(u.text)) * 60 / u.voice.rate for u in self.utterances)
        return speech + sum(self.pauses)


@dataclass(frozen=True, slots=True)
class ChapterJob:
    """Everything a worker needs to render one chapter."""

    plan: ChapterPlan
    tags: Tags
    cache_dir: Path | None = None
    engine: str | None = None
    """Engine name forced for every voice (None: each profile's own engine)."""


@dataclass(slots=True)
class ChapterOutcome:
    path: Path
    seconds: float
    stats: SynthesisStats = field(default_factory=SynthesisStats)


_ENGINES: dict[str, Engine] = {}
"""Engines of this process, by name (espeak keeps global state: one per process)."""


def plan_chapter(script: Script, chapter: Chapter, cast: Cast, pacing: Pacing, path: Path) -> ChapterPlan:
    """What the chapter says: its spoken lines in order, each with a voice, and the pauses."""
    book = script.book
    out: list[Utterance] = []
    has_heading = chapter.heading_end > chapter.heading_start >= 0
    for line in script.chapter_lines(chapter.index):
        segment = line.segment
        if not book.is_spoken(segment.start, segment.end):
            if has_heading and segment.start == chapter.heading_start:
                out.append(Utterance(line, chapter.title, cast.voice_for(None), True))
            continue
        text = _MARKUP.sub(" ", segment.text)
        if spoken_text(text):
            out.append(Utterance(line, text, cast.voice_for(line.speaker)))
    if not out:  # a chapter with nothing to say still has its title read
        out.append(Utterance(_title_line(chapter), chapter.title or book.title, cast.voice_for(None), True))
    return ChapterPlan(chapter, tuple(out), tuple(_pauses(out, book.text, pacing)), path)


def render_chapter(
    job: ChapterJob,
    engine: Engine | None = None,
    progress: Callable[[int], None] | None = None,
) -> ChapterOutcome:
    """Synthesize (or take from the cache) every line, join them with their pauses and write
    the MP3 atomically. `progress(n)` is called after each line; `engine` overrides all voices."""
    plan = job.plan
    cache = LineCache(job.cache_dir)
    stats = SynthesisStats()

    def engine_for(voice: VoiceProfile) -> Engine:
        if engine is not None:
            return engine
        return get_engine_cached(job.engine or voice.engine)

    def clips() -> Iterator[Clip]:  # lines stream straight into the encoder
        for done, u in enumerate(plan.utterances, 1):
            yield synthesize_line(u.text, u.voice, engine_for(u.voice), cache, stats)
            if progress:
                progress(done)

    frames = 0

    def counted(chunks: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal frames
        for chunk in chunks:
            frames += len(chunk) // 2
            yield chunk

    sample_rate = engine_for(plan.utterances[0].voice).sample_rate
    plan.path.parent.mkdir(parents=True, exist_ok=True)
    write_mp3(counted(iter_assembled(clips(), plan.pauses, sample_rate=sample_rate, trim=True)),
              sample_rate, plan.path, job.tags)
    return ChapterOutcome(plan.path, frames / sample_rate, stats)


def get_engine_cached(name: str) -> Engine:
    """This process's engine called `name`, created on first use."""
    if name not in _ENGINES:
        _ENGINES[name] = get_engine(name)
    return _ENGINES[name]


def _pauses(utterances: Sequence[Utterance], text: str, pacing: Pacing) -> list[float]:
    pauses = []
    for prev, nxt in zip(utterances, utterances[1:]):
        between = text[prev.line.segment.end : nxt.line.segment.start]
        kind = boundary(prev.line, nxt.line, between, is_title=prev.is_title)
        if kind == "speaker_change" and prev.voice == nxt.voice:
            kind = "same_speaker"
        pauses.append(pacing.seconds(kind))
    return pauses


def _title_line(chapter: Chapter) -> Line:
    start = chapter.heading_start if chapter.heading_start >= 0 else chapter.start
    return Line(chapter.index, Segment(start, start, "narration", -1, ""), None)
