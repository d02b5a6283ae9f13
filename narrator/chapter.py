"""One chapter, from script lines to a finished MP3.

`plan_chapter` decides what is said, by whom, with which pauses; `render_chapter` synthesizes
(through the line cache), matches loudness, assembles and encodes it, with chapter markers at the
chapter start and each scene break, and writes subtitles from the real line timings. A
`ChapterJob` holds only plain, picklable data, so chapters can be rendered in worker processes.
"""
from __future__ import annotations

import re
from collections import Counter
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
class Emptied:
    """A line a lexicon rule left with nothing to say: it is read as the book spells it."""

    rule: str
    """The rule, as lexicon messages name it (file, section, pattern)."""
    chapter: int
    offset: int
    """Where the line starts in `Book.text` (the `[offset]` of the script's text form)."""
    text: str


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
    emptied: tuple[Emptied, ...] = ()
    """Lines the lexicon would have silenced (read as the book has them instead)."""

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

    A line longer than `MAX_UTTERANCE_CHARS` is said in pieces (`split_long`), each its own
    utterance of the same line. The lexicon respells each piece for the engine
    (`Utterance.said`); the book's spelling stays in `Utterance.text` for subtitles."""
    book = script.book
    out: list[Utterance] = []
    emptied: list[Emptied] = []
    has_heading = chapter.heading_end > chapter.heading_start >= 0

    def say(line: Line, text: str, voice: VoiceProfile, is_title: bool = False) -> None:
        for piece in split_long(text) if not is_title else [text]:
            if is_title or spoken_text(piece):
                out.append(Utterance(line, piece, voice, is_title, _respelled(lexicon, piece, line, emptied)))

    for line in script.chapter_lines(chapter.index):
        segment = line.segment
        if not book.is_spoken(segment.start, segment.end):
            if has_heading and segment.start == chapter.heading_start:
                say(line, chapter.title, cast.voice_for(None), is_title=True)
            continue
        say(line, _MARKUP.sub(" ", segment.text), cast.voice_for(line.speaker))
    if not out:  # a chapter with nothing to say still has its title read
        say(_title_line(chapter), chapter.title or book.title, cast.voice_for(None), is_title=True)
    kinds = _kinds(out, book.text)
    return ChapterPlan(chapter, tuple(out), tuple(pacing.seconds(k) for k in kinds), path,
                       tuple(kinds), loudness_target, subtitles, tuple(emptied))


def _respelled(lexicon: Lexicon | None, text: str, line: Line, emptied: list[Emptied]) -> str:
    """What the lexicon makes of `text` ("" when nothing changed). A respelling with nothing left
    to say is not taken: the line is read as written and noted in `emptied` (a lexicon changes
    how words sound, never whether they are read)."""
    if not lexicon:
        return ""
    respelled = lexicon.apply(text)
    if respelled == text:
        return ""
    if spoken_text(respelled) or not spoken_text(text):
        return respelled
    rule = next((rule for rule, after in lexicon.steps(text) if not spoken_text(after)), str(lexicon.source))
    emptied.append(Emptied(rule, line.chapter, line.segment.start, text))
    return ""


MAX_UTTERANCE_CHARS = 2000
"""Longest text handed to the engine at once (about 350 words, two minutes of speech). A longer
line, e.g. a 10,000-word paragraph of a hard-wrapped book, is spoken in pieces, so memory follows
this bound, not the paragraph. A line this long or shorter is one piece, as it always was."""
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+")
_CLAUSE_END = re.compile(r"[,;:][\"'”’»)\]]*\s+|\s+[-–—]+\s+|[–—]\s*")
_SPACE = re.compile(r"\s+")


def split_long(text: str, limit: int = MAX_UTTERANCE_CHARS) -> list[str]:
    """`text` as pieces of at most `limit` characters that join back into `text`: each cut is
    after the window's last sentence end, else its last clause (comma, semicolon, dash), else
    its last space; a run of `limit` characters without any of them is cut where it reaches the
    limit. Linear: each window is searched once per kind of cut."""
    pieces = []
    start = 0
    while len(text) - start > limit:
        stop = start + limit
        cut = next((c for c in (_last_end(p, text, start, stop) for p in (_SENTENCE_END, _CLAUSE_END, _SPACE))
                    if c > start), stop)
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _last_end(pattern: re.Pattern[str], text: str, start: int, stop: int) -> int:
    last = start
    for match in pattern.finditer(text, start, stop):
        last = match.end()
    return last


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


def chapter_tags(book: Book, chapter: Chapter, title: str | None = None) -> Tags:
    """Tags of one chapter file. `title`: its entry of `chapter_titles(book)` (computed here when
    not given; pass it when tagging every chapter, so a book of many chapters stays linear)."""
    series, series_index = split_series(book.series, book.series_index)
    return Tags(
        title=title if title is not None else chapter_titles(book)[chapter.index - 1],
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


def chapter_titles(book: Book) -> list[str]:
    """The title tag of each chapter, in order, unique within the book (a repeated or missing
    title gets its chapter number), so players that list by title never show two the same."""
    titles = [c.title or book.title for c in book.chapters]
    counts = Counter(titles)
    return [t if counts[t] <= 1 else f"{t} ({c.index})" for t, c in zip(titles, book.chapters)]


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
