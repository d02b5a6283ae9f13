"""What the attribution pass knows about a book, computed once: tokens, mentions, characters,
paragraphs, the first-person narrator, described (unnamed) speakers."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence

from ..types import NARRATOR, Book, Character, Gender, Segment
from ._text import TokenIndex, tokenize
from .characters import CharacterIndex, discover, enrich_given
from .conversation import vocatives
from .data import History, Mention
from .mentions import find_mentions

_AS_GENDER: dict[str, Gender] = {"male": "male", "female": "female"}
CLOSING_MARKS = "\"”’'»"


_SUBJECT_LEAD = frozenset("and but when while as then that so who".split())


def is_subject(b: BookContext, m: Mention) -> bool:
    toks = b.tokens
    t = toks[m.tok]
    if t.initial:
        return True
    prev = toks[m.tok - 1] if m.tok > 0 else None
    if prev is not None and prev.lower in _SUBJECT_LEAD:
        nxt = toks[m.tok_end] if m.tok_end < len(toks) else None
        return nxt is not None and not nxt.cap
    return False


def pick_name(m: Mention, history: History) -> str:
    """The character a name mention means; a shared alias goes to the one most recently in focus."""
    if len(m.names) == 1:
        return m.names[0]
    for entry in reversed(history.entries[-40:]):
        if entry[1] in m.names:
            return entry[1]
    return m.names[0]


class BookContext:
    """Everything about the book the attribution pass needs, computed once."""

    def __init__(
        self,
        book: Book,
        segments: Mapping[int, Sequence[Segment]],
        characters: Sequence[Character] | None,
    ) -> None:
        self.text = book.text
        self.tokens = tokenize(self.text)
        self.tindex = TokenIndex(self.tokens)
        ordered: list[tuple[int, Segment]] = []
        for ch in sorted(segments):
            for s in segments[ch]:
                ordered.append((ch, s))
        self.ordered = ordered
        self.by_paragraph: dict[int, list[Segment]] = {}
        for _, s in ordered:
            self.by_paragraph.setdefault(s.paragraph, []).append(s)
        quote_spans = [(s.start, s.end) for _, s in ordered if s.kind == "quote"]
        self.quote_starts = [a for a, _ in quote_spans]
        self.quote_ends = [b for _, b in quote_spans]
        discovered = None
        if characters is None:
            discovered = discover(self.text, self.tokens, quote_spans)
            chars = discovered
        else:
            chars = enrich_given(
                tuple(characters), discover(self.text, self.tokens, quote_spans)
            )
        self.index = CharacterIndex(chars)
        self.mentions = find_mentions(self.text, self.tokens, self.index)
        self.mention_starts = [m.start for m in self.mentions]
        self.first_person = self._first_person()
        self.named_speakers: dict[int, str] = {}
        """Paragraph → speaker named by its first quote's tag (filled by the attribution pass)."""
        self.described: dict[str, Character] = {}
        self.pending: dict[str, Character] = {}
        self.narrator = self._narrator_name() if self.first_person else None
        self.characters = list(chars)

    def in_quote(self, pos: int) -> bool:
        i = bisect_left(self.quote_starts, pos + 1) - 1
        return i >= 0 and self.quote_starts[i] <= pos < self.quote_ends[i]

    def mentions_between(self, start: int, end: int) -> list[Mention]:
        lo = bisect_left(self.mention_starts, start)
        hi = bisect_left(self.mention_starts, end)
        return [m for m in self.mentions[lo:hi] if m.end <= end]

    def _first_person(self) -> bool:
        first = third = 0
        for m in self.mentions:
            if m.kind != "pron" or self.in_quote(m.start):
                continue
            if m.gender == "first":
                first += 1
            else:
                third += 1
        return first > 0.3 * third and first >= min(20, max(2, len(self.tokens) // 500))

    def _narrator_name(self) -> str | None:
        """In a first-person book, the character others address by name but the narration never
        names (it says "I")."""
        voc: Counter = Counter()
        narr: Counter = Counter()
        for _, s in self.ordered:
            if s.kind == "quote":
                ms = self.mentions_between(s.start, s.end)
                for name in vocatives(self.text, s.start, s.end, ms, self.tokens):
                    voc[name] += 1
            else:
                for m in self.mentions_between(s.start, s.end):
                    if m.kind == "name" and len(m.names) == 1:
                        narr[m.names[0]] += 1
        best, best_score = None, 0.0
        for name, v in voc.items():
            if v >= min(3, max(1, len(self.tokens) // 2000)) and v > 2 * narr[name]:
                score = v / (1 + narr[name])
                if score > best_score:
                    best, best_score = name, score
        return best

    def seen_description(self, m: Mention) -> None:
        """Remember an unnamed, described person ("the six armed man") as a possible speaker."""
        if m.label not in self.pending and m.label not in self.described:
            self.pending[m.label] = Character(
                m.label,
                (self.text[m.start : m.end],),
                _AS_GENDER.get(m.gender, "unknown"),
                0,
            )

    def describe(self, m: Mention) -> str:
        """The cast name of a described speaker (created on first use)."""
        if m.label not in self.described:
            if m.label in self.pending:
                self.described[m.label] = self.pending.pop(m.label)
            else:
                self.described[m.label] = Character(
                    m.label,
                    (self.text[m.start : m.end],),
                    _AS_GENDER.get(m.gender, "unknown"),
                    0,
                )
        return m.label

    def describe_name(self, label: str) -> None:
        if label in self.pending:
            self.described[label] = self.pending.pop(label)

    def paragraph_names(self, para: int, history: History) -> list[str]:
        """Names in a narration-only paragraph (empty when it holds quotes or is unknown)."""
        segs = self.by_paragraph.get(para)
        if not segs or any(s.kind == "quote" for s in segs):
            return []
        out = []
        for s in segs:
            for m in self.mentions_between(s.start, s.end):
                if m.kind == "name":
                    out.append(pick_name(m, history))
        return out

    def narration_names(self, para: int, history: History) -> set[str]:
        """Names in the narration of a paragraph (any paragraph)."""
        out = set()
        for s in self.by_paragraph.get(para, ()):
            if s.kind == "narration":
                for m in self.mentions_between(s.start, s.end):
                    if m.kind == "name":
                        out.add(pick_name(m, history))
        return out

    def gender_of(self, name: str) -> str:
        if name == self.narrator or name == NARRATOR:
            return "first"  # the narration calls the narrator "I", never "he" or "she"
        if name in self.pending:
            return self.pending[name].gender
        if name in self.described:
            return self.described[name].gender
        return self.index.gender(name)
