"""One chapter, from script lines to a finished MP3.

`plan_chapter` decides what is said, by whom, with which pauses; `render_chapter` synthesizes
(through the line cache), matches loudness, assembles and encodes it, with chapter markers at the
chapter start and each scene break, and writes subtitles from the real line timings. A
`ChapterJob` holds only plain, picklable data, so chapters can be rendered in worker processes.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import loudness
from .assemble import Boundary, Pacing, boundary, iter_assembled
from .engines import cached_engine
from .engines.base import Engine
from .estimate import line_seconds
from .export import MP3_DELAY_FRAMES, Marker, Tags, split_series, write_mp3
from .lexicon import Lexicon
from .subtitles import Cue, write_subtitles
from .synthesize import LineCache, SynthesisStats, spoken_text, synthesize_line, word_count
from .types import UNKNOWN, Book, Cast, Chapter, Clip, Line, Script, Segment, VoiceProfile

_MARKUP = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)|^#+\s*", re.MULTILINE)
"""Markdown emphasis and heading marks: shown on the page, not spoken."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """One piece of a chapter's audio: a line (or the chapter title) and its voice."""

    line: Line
    text: str
    """As the book spells it (markup removed): what subtitles show."""
    voice: VoiceProfile
    is_title: bool = False
    said: str = ""
    """The text after the pronunciation lexicon, when that changed it ("" = `text`)."""

    @property
    def engine_text(self) -> str:
        """What is handed to synthesis (and so what the line cache is keyed by)."""
        return self.said or self.text


@dataclass(frozen=True, slots=True)
class ChapterPlan:
    chapter: Chapter
    utterances: tuple[Utterance, ...]
    pauses: tuple[float, ...]
    """`pauses[i]` is the silence after `utterances[i]` (one fewer than utterances)."""
    path: Path
    kinds: tuple[Boundary, ...]
    """`kinds[i]` is the boundary kind of `pauses[i]` (scene breaks become chapter markers)."""
    loudness: float | None
    """Integrated loudness (LUFS) every line is matched to; None leaves levels as rendered."""
    subtitles: str
    """"srt", "vtt" or "none": subtitles written beside the MP3."""

    @property
    def words(self) -> int:
        return sum(word_count(spoken_text(u.text)) for u in self.utterances)

    @property
    def estimated_seconds(self) -> float:
        """Length of the chapter's audio: each line at its voice's rate (`estimate.line_seconds`),
        plus the pauses."""
        return sum(line_seconds(spoken_text(u.engine_text), u.voice.rate) for u in self.utterances) \
            + sum(self.pauses)


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
    markers: tuple[Marker, ...] = ()
    subtitles: Path | None = None
    timeline: tuple[tuple[int, int], ...] = ()
    """(start, end) frame of each utterance in the audio (what subtitles are timed from)."""
    sample_rate: int = 0


def plan_chapter(
    script: Script,
    chapter: Chapter,
    cast: Cast,
    pacing: Pacing,
    path: Path,
    *,
    lexicon: Lexicon | None,
    loudness_target: float | None,
    subtitles: str,
) -> ChapterPlan:
    """What the chapter says: its spoken lines in order, each with a voice, and the pauses.

    The lexicon respells each line for the engine (`Utterance.said`); the book's spelling stays
    in `Utterance.text` for subtitles."""
    book = script.book
    out: list[Utterance] = []
    has_heading = chapter.heading_end > chapter.heading_start >= 0

    def said(text: str) -> str:
        if not lexicon:
            return ""
        respelled = lexicon.apply(text)
        return respelled if respelled != text else ""

    for line in script.chapter_lines(chapter.index):
        segment = line.segment
        if not book.is_spoken(segment.start, segment.end):
            if has_heading and segment.start == chapter.heading_start:
                out.append(Utterance(line, chapter.title, cast.voice_for(None), True, said(chapter.title)))
            continue
        text = _MARKUP.sub(" ", segment.text)
        if spoken_text(text):
            out.append(Utterance(line, text, cast.voice_for(line.speaker), False, said(text)))
    if not out:  # a chapter with nothing to say still has its title read
        title = chapter.title or book.title
        out.append(Utterance(_title_line(chapter), title, cast.voice_for(None), True, said(title)))
    kinds = _kinds(out, book.text)
    return ChapterPlan(chapter, tuple(out), tuple(pacing.seconds(k) for k in kinds), path,
                       tuple(kinds), loudness_target, subtitles)


def render_chapter(
    job: ChapterJob,
    engine: Engine | None = None,
    progress: Callable[[int], None] | None = None,
) -> ChapterOutcome:
    """Synthesize (or take from the cache) every line, join them with their pauses and write
    the MP3 atomically. `progress(n)` is called after each line; `engine` overrides all voices."""
    plan = job.plan
    cache = LineCache(job.cache_dir)
    gains = loudness.GainStore(cache.root / "loudness")
    stats = SynthesisStats()

    def engine_for(voice: VoiceProfile) -> Engine:
        if engine is not None:
            return engine
        return cached_engine(voice.engine)

    def clips() -> Iterator[Clip]:  # lines stream straight into the encoder
        for done, u in enumerate(plan.utterances, 1):
            clip = synthesize_line(u.engine_text, u.voice, engine_for(u.voice), cache, stats)
            yield loudness.match(clip, plan.loudness, gains)
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
    timeline: list[tuple[int, int]] = []
    found: list[Marker] = []

    def markers() -> list[Marker]:  # called once the audio is encoded and the timeline known
        found.extend(chapter_markers(plan, job.tags.title, timeline, frames, sample_rate))
        return found

    write_mp3(counted(iter_assembled(clips(), plan.pauses, sample_rate=sample_rate, trim=True,
                                     timeline=timeline)),
              sample_rate, plan.path, job.tags, markers=markers)
    subtitles = write_subtitles(plan.path, chapter_cues(plan, timeline, sample_rate), plan.subtitles)
    return ChapterOutcome(plan.path, frames / sample_rate, stats, tuple(found), subtitles, tuple(timeline), sample_rate)


def _seconds(frame: int, sample_rate: int) -> float:
    """Where a frame of the assembled PCM plays in the MP3 (after the decoder delay)."""
    return (frame + MP3_DELAY_FRAMES) / sample_rate


def chapter_markers(
    plan: ChapterPlan, title: str, timeline: Sequence[tuple[int, int]], frames: int, sample_rate: int
) -> list[Marker]:
    """A marker at the start of the file (the chapter) and one at each scene break, at the first
    sample of the scene's first line; the last ends where the audio ends."""
    starts = [(0, title)]
    scene = 1
    for i, kind in enumerate(plan.kinds):
        if kind == "scene_break" and i + 1 < len(timeline):
            scene += 1
            starts.append((int(round(_seconds(timeline[i + 1][0], sample_rate) * 1000)),
                           f"{title}, scene {scene}"))
    end_ms = int(round(_seconds(frames, sample_rate) * 1000))
    return [Marker(name, start, starts[n + 1][0] if n + 1 < len(starts) else end_ms)
            for n, (start, name) in enumerate(starts)]


def chapter_cues(plan: ChapterPlan, timeline: Sequence[tuple[int, int]], sample_rate: int) -> list[Cue]:
    """One cue per line that made a sound, from its real place in the audio; quotes labelled with
    their speaker (narration, titles and unattributed quotes are not)."""
    cues = []
    for u, (start, end) in zip(plan.utterances, timeline):
        text = spoken_text(u.text)
        if end <= start or not text:
            continue
        speaker = u.line.speaker if not u.is_title and u.line.speaker not in (None, UNKNOWN) else None
        cues.append(Cue(_seconds(start, sample_rate), _seconds(end, sample_rate), text, speaker))
    return cues


def chapter_tags(book: Book, chapter: Chapter) -> Tags:
    """Tags of one chapter file; titles are unique within the book (a repeated or missing title
    gets its chapter number), so players that list by title never show two the same."""
    series, series_index = split_series(book.series, book.series_index)
    return Tags(
        title=_unique_title(book, chapter),
        album=book.title,
        artist=book.author,
        album_artist=book.author,
        track=chapter.index,
        track_total=len(book.chapters),
        narrator="narrator",
        cover=book.cover,
        series=series,
        series_index=series_index,
    )


def _unique_title(book: Book, chapter: Chapter) -> str:
    title = chapter.title or book.title
    same = [c for c in book.chapters if (c.title or book.title) == title]
    return title if len(same) <= 1 else f"{title} ({chapter.index})"


def _kinds(utterances: Sequence[Utterance], text: str) -> list[Boundary]:
    kinds: list[Boundary] = []
    for prev, nxt in zip(utterances, utterances[1:]):
        between = text[prev.line.segment.end : nxt.line.segment.start]
        kind = boundary(prev.line, nxt.line, between, is_title=prev.is_title)
        if kind == "speaker_change" and prev.voice == nxt.voice:
            kind = "same_speaker"
        kinds.append(kind)
    return kinds


def _title_line(chapter: Chapter) -> Line:
    start = chapter.heading_start if chapter.heading_start >= 0 else chapter.start
    return Line(chapter.index, Segment(start, start, "narration", -1, ""), None)
