"""What the attribution pass knows: `BookContext`, fixed before the pass starts (tokens, mentions,
characters, paragraphs, the first-person narrator), and `PassState`, what the pass learns as it
reads (who is in focus, the conversation, unnamed speakers, each quote's decision)."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeAlias, TypeVar

from ..types import FIRST_PERSON, Book, Character, Gender, Segment
from ._text import Token, TokenIndex, tokenize
from .characters import CharacterIndex, discover, enrich_given
from .conversation import Conversation, vocatives
from .data import JOINT, OTHER, SUBJECT, History, Mention, QuoteState
from .kin import Families
from .mentions import find_mentions, joined_by_and, tag_nouns
from .style import StyleModel, build
from .vocabulary import CLAUSE_OPENERS
from .weights import Trace, Weights

_AS_GENDER: dict[str, Gender] = {"male": "male", "female": "female"}
QUOTATION_DASHES = ("—", "―", "–", "--")
"""A quote opened by a dash runs to a tag or its paragraph's end: it never continues into the next."""

_UNREAD = -1.0
"""narration_weight: not computed yet."""

FIRST_PERSON_SHARE = 0.3
"""A book is told in the first person when its narration says "I" more than this share of the
times it says "he" or "she" …"""
TOKENS_PER_I = 500
"""… and at least once per this many tokens (no fewer than 2, no more than 20 times)."""


def is_subject(b: BookContext, m: Mention) -> bool:
    """The mention starts a sentence, or follows "and", "when", "who"… with a lower-case word
    after it ("…, and Emma went"): a subject, which stays in focus longer."""
    toks = b.tokens
    t = toks[m.tok]
    if t.initial:
        return True
    prev = toks[m.tok - 1] if m.tok > 0 else None
    if prev is not None and prev.lower in CLAUSE_OPENERS:
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


def read_context(
    book: Book,
    segments: Mapping[int, Sequence[Segment]],
    characters: Sequence[Character] | None,
) -> BookContext:
    """Tokenize the book, find (or take) its characters and every mention of a person."""
    text = book.text
    tokens = tokenize(text)
    ordered = tuple((ch, s) for ch in sorted(segments) for s in segments[ch])
    by_paragraph: dict[int, list[Segment]] = {}
    for _, s in ordered:
        by_paragraph.setdefault(s.paragraph, []).append(s)
    quote_spans = [(s.start, s.end) for _, s in ordered if s.kind == "quote"]
    if characters is None:
        chars = discover(text, tokens, quote_spans)
    else:
        chars = enrich_given(tuple(characters), discover(text, tokens, quote_spans))
    index = CharacterIndex(chars)
    speaking = tag_nouns(text, tokens)
    mentions = find_mentions(text, tokens, index, speaking)
    return BookContext(
        text,
        tokens,
        TokenIndex(tokens),
        ordered,
        {para: tuple(segs) for para, segs in by_paragraph.items()},
        [a for a, _ in quote_spans],
        [b for _, b in quote_spans],
        index,
        tuple(chars),
        mentions,
        [m.start for m in mentions],
        speaking,
    )


def with_characters(
    b: BookContext,
    characters: Sequence[Character],
    epithets: Mapping[str, str] | None = None,
    **changes: Any,
) -> BookContext:
    """The context with another list of characters (their aliases and `epithets` indexed, every
    mention found again; the epithets stay the context's unless given), and any other fields in
    `changes`."""
    index = CharacterIndex(characters, b.index.epithets if epithets is None else epithets)
    mentions = find_mentions(b.text, list(b.tokens), index, b.tag_nouns)
    return replace(
        b,
        index=index,
        characters=tuple(characters),
        mentions=mentions,
        mention_starts=[m.start for m in mentions],
        **changes,
    )


_UNSEEN = object()
"""per_book: not computed yet (None is an answer)."""
P = ParamSpec("P")
R = TypeVar("R")


def per_book(fn: Callable[Concatenate[BookContext, P], R]) -> Callable[Concatenate[BookContext, P], R]:
    """Remember fn(b, *args) in the book context's memo: a reading that depends only on the book
    (a tag in a stretch of narration) is the same in every hypothesis of the sequence decoder,
    so it is computed once. The arguments must be hashable, the result never changed."""

    @wraps(fn)
    def once(b: BookContext, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (fn, args, tuple(kwargs.items())) if kwargs else (fn, args)
        memo = b._memo
        found = memo.get(key, _UNSEEN)  # one lookup: hashing a segment is not free
        if found is _UNSEEN:
            found = memo[key] = fn(b, *args, **kwargs)
        return found

    return once


@dataclass(frozen=True, eq=False)
class BookContext:
    """Everything about the book the attribution pass needs, computed once before it starts and
    never changed (`read_context` builds it)."""

    text: str
    tokens: Sequence[Token]
    tindex: TokenIndex
    ordered: Sequence[tuple[int, Segment]]
    """(chapter, segment) for every segment, in text order."""
    by_paragraph: Mapping[int, Sequence[Segment]]
    quote_starts: Sequence[int]
    quote_ends: Sequence[int]
    index: CharacterIndex
    characters: Sequence[Character]
    mentions: Sequence[Mention]
    mention_starts: Sequence[int]
    tag_nouns: Mapping[str, Gender]
    """Nouns no list holds that the quote tags make speakers (mentions.tag_nouns), read once."""
    renames: Mapping[str, str] = field(default_factory=dict)
    """A described speaker's label, or `FIRST_PERSON` → the name the cast file gives them
    (applied to the script)."""
    narrator: str | None = None
    """The first-person narrator's character, when the text (or the cast file) names them
    (people.py); None: they speak as `FIRST_PERSON`."""
    first_person: bool = field(init=False)
    """The narration says "I" often enough to be told by a character."""
    _memo: dict[Any, Any] = field(init=False, repr=False, default_factory=dict)
    """What the methods below computed, by their arguments: the book is read the same way by
    every hypothesis of the sequence decoder, so each answer is computed once."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_person", self._first_person())

    def in_quote(self, pos: int) -> bool:
        i = bisect_left(self.quote_starts, pos + 1) - 1
        return i >= 0 and self.quote_starts[i] <= pos < self.quote_ends[i]

    def mentions_between(self, start: int, end: int) -> list[Mention]:
        """The mentions inside [start, end) (a new list: the caller may change it)."""
        key = ("between", start, end)
        found = self._memo.get(key)
        if found is None:
            lo = bisect_left(self.mention_starts, start)
            hi = bisect_left(self.mention_starts, end)
            found = self._memo[key] = tuple(m for m in self.mentions[lo:hi] if m.end <= end)
        return list(found)

    @per_book
    def addressees(self, quote: Segment) -> tuple[str, ...]:
        """The characters a quote addresses by name (its vocatives)."""
        ms = self.mentions_between(quote.start, quote.end)
        return vocatives(self.text, quote.start, quote.end, ms, self.tokens)

    def narration_weight(self, i: int) -> float | None:
        """Focus weight of mention i: SUBJECT or OTHER in the narration, None inside a quote."""
        weights = self._memo.get("weights")
        if weights is None:
            weights = self._memo["weights"] = [_UNREAD] * len(self.mentions)
        w = weights[i]
        if w is _UNREAD:
            m = self.mentions[i]
            if self.in_quote(m.start):
                w = None
            else:
                w = JOINT if self._joint(i) else SUBJECT if is_subject(self, m) else OTHER
            weights[i] = w
        return w

    def _joint(self, i: int) -> bool:
        """Name mention i is joined by "and" to a name of the same gender ("Holmes and Jones")."""
        ms = self.mentions
        for a, b in ((i - 1, i), (i, i + 1)):
            if 0 <= a and b < len(ms) and joined_by_and(self.text, ms[a], ms[b]):
                g = self._name_gender(ms[a])
                if g is not None and g == self._name_gender(ms[b]):
                    return True
        return False

    def _name_gender(self, m: Mention) -> str | None:
        """The gender every character the name may mean shares (None: unknown or mixed)."""
        genders = {self.index.gender(n) for n in m.names}
        return genders.pop() if len(genders) == 1 and genders <= {"male", "female"} else None

    def _first_person(self) -> bool:
        """The narration (quotes aside) says "I" often enough to be told by a character."""
        first = third = 0
        for m in self.mentions:
            if m.kind != "pron" or self.in_quote(m.start):
                continue
            if m.gender == "first":
                first += 1
            else:
                third += 1
        return first > FIRST_PERSON_SHARE * third and first >= min(20, max(2, len(self.tokens) // TOKENS_PER_I))

    def paragraph_names(self, para: int, history: History) -> list[str]:
        """Names in a narration-only paragraph (empty when it holds quotes or is unknown)."""
        segs = self.by_paragraph.get(para)
        if not segs or any(s.kind == "quote" for s in segs):
            return []
        return [pick_name(m, history) for m in self._names_in(para, ("narration", "quote"))]

    def narration_names(self, para: int, history: History) -> set[str]:
        """Names in the narration of a paragraph (any paragraph)."""
        return {pick_name(m, history) for m in self._names_in(para, ("narration",))}

    @per_book
    def _names_in(self, para: int, kinds: tuple[str, ...]) -> tuple[Mention, ...]:
        """The name mentions in the paragraph's segments of these kinds, in text order."""
        return tuple(
            m
            for s in self.by_paragraph.get(para, ())
            if s.kind in kinds
            for m in self.mentions_between(s.start, s.end)
            if m.kind == "name"
        )


SINCE_QUOTE_SPAN = 1500
"""subjects_since_quote looks back at most this many characters."""


@per_book
def subjects_since_quote(b: BookContext, pos: int) -> tuple[Mention, ...]:
    """The names the narration made a sentence's subject between the end of the last quote
    before `pos` and `pos` (at most SINCE_QUOTE_SPAN characters back), in text order: the
    people the narrator has just spoken of since anyone last spoke. Two people of one gender
    named together ("Holmes and Jones sat") are left out, as a pronoun skips them."""
    i = bisect_left(b.quote_ends, pos + 1) - 1
    start = max(b.quote_ends[i] if i >= 0 else 0, pos - SINCE_QUOTE_SPAN)
    lo = bisect_left(b.mention_starts, start)
    hi = bisect_left(b.mention_starts, pos)
    return tuple(
        b.mentions[k] for k in range(lo, hi) if b.mentions[k].kind == "name" and b.narration_weight(k) == SUBJECT
    )


Decided: TypeAlias = "tuple[Decided, Sequence[QuoteState]] | None"
"""A linked list of decided paragraphs: (older paragraphs, this paragraph's quotes)."""


class PassState:
    """What one attribution pass learns while it reads the book in order. BookContext is what
    the book fixes; this is what changes, paragraph by paragraph."""

    def __init__(
        self,
        book: BookContext,
        named_speakers: Mapping[int, str],
        weights: Weights,
        trace: Trace | None,
    ) -> None:
        self.book = book
        self.named_speakers = named_speakers
        """Paragraph → speaker named by its first quote's tag, found before the pass so that an
        untagged turn can look at the turns that follow it."""
        self.style: StyleModel = build(book.by_paragraph, named_speakers)
        """Each named speaker's way of speaking, learned from those paragraphs (style.py)."""
        self.weights = weights
        self.trace = trace
        self.families = Families.of(book.characters)
        """The characters by surname, for kin nouns ("her father")."""
        self.history = History()
        self.conversation = Conversation()
        self.pending: dict[str, Character] = {}
        """Unnamed people the narration described ("the six armed man") who have not spoken yet."""
        self.described: dict[str, Character] = {}
        """Unnamed people who spoke, in order of their first quote: characters of the script."""
        self.resolved_tags: dict[int, str] = {}
        """Start of a tag's mention → the speaker it was resolved to."""
        self.used: Counter = Counter()
        """Speaker → number of quotes given to them."""
        self.mention_ptr = 0
        """Mentions before this index have been entered in the history."""
        self.decided: Decided = None
        """The decided paragraphs' quotes, newest first (shared between hypotheses)."""
        self.score = 0.0
        """Log-probability of the ranked choices so far (the sequence decoder's score)."""

    def clone(self) -> PassState:
        """Another hypothesis of the sequence decoder (decode.py), from here on independent: what
        the pass learns is copied, what the book fixes is shared. A field added to __init__ that
        changes during the pass must be copied here (tests/test_attribute.py checks)."""
        new = PassState.__new__(PassState)
        new.__dict__.update(self.__dict__)
        new.history = self.history.copy()
        new.conversation = replace(self.conversation, turns=self.conversation.turns.copy())
        new.pending = self.pending.copy()
        new.described = self.described.copy()
        new.resolved_tags = self.resolved_tags.copy()
        new.used = self.used.copy()
        return new

    def seen_description(self, m: Mention) -> None:
        """Remember an unnamed, described person ("the six armed man") as a possible speaker."""
        if m.label not in self.pending and m.label not in self.described:
            self.pending[m.label] = Character(
                m.label,
                (" ".join(self.book.text[m.start : m.end].split()),),
                _AS_GENDER.get(m.gender, "unknown"),
                0,
            )

    def describe(self, m: Mention) -> str:
        """The cast name of a described speaker (a character of the script from now on)."""
        self.seen_description(m)
        self.promote(m.label)
        return m.label

    def promote(self, label: str) -> None:
        """A described person the narration met has spoken: they join the script's characters."""
        if label in self.pending:
            self.described[label] = self.pending.pop(label)

    def gender_of(self, name: str) -> str:
        """male, female, unknown, or first (the first-person narrator)."""
        if name == self.book.narrator or name == FIRST_PERSON:
            return "first"  # the narration calls the narrator "I", never "he" or "she"
        if name in self.pending:
            return self.pending[name].gender
        if name in self.described:
            return self.described[name].gender
        return self.book.index.gender(name)


@per_book
def ends_narrating(b: BookContext, para: int) -> bool:
    """The paragraph ends with narration that opens a sentence of its own after its last quote
    ("…," said Cassandra, looking at the book. She sighed.): the narrator stays with the
    speaker after the words, so a pronoun tag next is most likely theirs again."""
    segs = b.by_paragraph.get(para)
    if not segs or segs[-1].kind != "narration" or not any(s.kind == "quote" for s in segs):
        return False
    last = segs[-1]
    toks = b.tokens
    words = b.tindex.between(last.start, last.end)
    return any(toks[k].initial for k in words[1:])
