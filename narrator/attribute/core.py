"""The attribution pass: walk the book paragraph by paragraph, collect evidence for each quote,
resolve it to a character and record the decision with its evidence and confidence."""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..types import UNKNOWN, Book, Character, Line, Script, Segment
from ._text import FIRST_PRONOUNS, TokenIndex, last_sentence, tokenize
from .characters import CharacterIndex, discover, merge_extra
from .conversation import Conversation, Turn, vocatives
from .mentions import Mention, find_mentions
from .rank import Decision, confidence_for
from .resolve import OTHER, SPEAKER, SUBJECT, History
from .tags import CONTINUATION_VERBS, LEAD_IN_END, SPEECH_NOUNS, SPEECH_VERBS

_ADVERB = re.compile(r"ly$")
_AUX = frozenset("had has was is then now at last only just once again also still soon".split())
_CLOSING = "\"”’'»"


@dataclass
class _Quote:
    chapter: int
    seg: Segment
    index: int  # position in the paragraph's segment list
    addressees: tuple[str, ...] = ()
    decision: Decision | None = None


class _Book:
    """Everything about the book the attribution pass needs, computed once."""

    def __init__(self, book: Book, segments: Mapping[int, Sequence[Segment]],
                 characters: Sequence[Character] | None) -> None:
        self.text = book.text
        self.tokens = tokenize(self.text)
        self.tindex = TokenIndex(self.tokens)
        ordered: list[tuple[int, Segment]] = []
        for ch in sorted(segments):
            for s in segments[ch]:
                ordered.append((ch, s))
        self.ordered = ordered
        quote_spans = [(s.start, s.end) for _, s in ordered if s.kind == "quote"]
        self.quote_starts = [a for a, _ in quote_spans]
        self.quote_ends = [b for _, b in quote_spans]
        discovered = None
        if characters is None:
            discovered = discover(self.text, self.tokens, quote_spans)
            chars = discovered
        else:
            chars = tuple(characters)
        self.index = CharacterIndex(chars)
        self.mentions = find_mentions(self.text, self.tokens, self.index)
        self.mention_starts = [m.start for m in self.mentions]
        self.first_person = self._first_person()
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
        return first > 0.3 * third and first > 20

    def _narrator_name(self) -> str | None:
        """In a first-person book, the character others address by name but the narration never
        names (it says "I")."""
        voc: Counter = Counter()
        narr: Counter = Counter()
        for ch, s in self.ordered:
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
            if v >= 3 and v > 2 * narr[name]:
                score = v / (1 + narr[name])
                if score > best_score:
                    best, best_score = name, score
        return best

    def seen_description(self, m: Mention) -> None:
        """Remember an unnamed, described person ("the six armed man") as a possible speaker."""
        if m.label not in self.pending and m.label not in self.described:
            self.pending[m.label] = Character(m.label, (self.text[m.start:m.end],), m.gender, 0)

    def describe(self, m: Mention) -> str:
        """The cast name of a described speaker (created on first use)."""
        if m.label not in self.described:
            self.described[m.label] = self.pending.pop(m.label, None) or Character(
                m.label, (self.text[m.start:m.end],), m.gender, 0)
        return m.label

    def describe_name(self, label: str) -> None:
        if label in self.pending:
            self.described[label] = self.pending.pop(label)

    def gender_of(self, name: str) -> str:
        if name == self.narrator or name == _NARRATOR_NAME:
            return "first"  # the narration calls the narrator "I", never "he" or "she"
        if name in self.pending:
            return self.pending[name].gender
        if name in self.described:
            return self.described[name].gender
        return self.index.gender(name)


def attribute(book: Book, segments: Mapping[int, Sequence[Segment]], *,
              characters: Sequence[Character] | None = None) -> Script:
    """Attribute every quote of the book to a speaker; narration lines have speaker None."""
    b = _Book(book, segments, characters)
    history = History(b.gender_of)
    conversation = Conversation()
    mention_ptr = 0
    by_segment: dict[int, _Quote] = {}
    resolved_tags: dict[int, str] = {}
    used: Counter = Counter()

    # group segments into paragraphs, in text order
    paragraphs: list[tuple[int, int, list[Segment]]] = []
    for ch, s in b.ordered:
        if paragraphs and paragraphs[-1][1] == s.paragraph and paragraphs[-1][0] == ch:
            paragraphs[-1][2].append(s)
        else:
            paragraphs.append((ch, s.paragraph, [s]))

    def advance(pos: int) -> None:
        nonlocal mention_ptr
        ms = b.mentions
        while mention_ptr < len(ms) and ms[mention_ptr].start < pos:
            m = ms[mention_ptr]
            mention_ptr += 1
            if b.in_quote(m.start):
                continue
            weight = SUBJECT if _is_subject(b, m) else OTHER
            if m.start in resolved_tags:
                history.add(m.start, resolved_tags[m.start], SPEAKER)
            elif m.kind == "name":
                history.add(m.start, _pick_name(m, history), weight)
            elif m.kind == "desc" and not m.generic:
                b.seen_description(m)
                history.add(m.start, m.label, weight)
            elif m.kind == "pron" and m.gender in ("male", "female") and weight == SUBJECT:
                # a subject pronoun keeps its referent in focus
                ranked = history.ranked(m.gender, m.start)
                if ranked and b.gender_of(ranked[0]) == m.gender:
                    history.add(m.start, ranked[0], SUBJECT)

    for ch, para, segs in paragraphs:
        quotes = [_Quote(ch, s, k) for k, s in enumerate(segs) if s.kind == "quote"]
        if not quotes:
            continue
        for q in quotes:
            ms = b.mentions_between(q.seg.start, q.seg.end)
            q.addressees = vocatives(b.text, q.seg.start, q.seg.end, ms, b.tokens)
        recent = conversation.recent(para)
        prev_turn = recent[0] if recent and recent[0].paragraph < para else None
        # 1. explicit and anaphoric tags next to each quote
        for q in quotes:
            before = segs[q.index - 1] if q.index > 0 else None
            after = segs[q.index + 1] if q.index + 1 < len(segs) else None
            found = []
            if after is not None:
                t = _tag_after(b, after)
                if t:
                    found.append(t)
            if before is not None:
                t = _tag_before(b, before)
                if t:
                    found.append(t)
            found.sort(key=lambda t: _STRENGTH[t[0]], reverse=True)
            for kind, m, verb in found:
                advance(m.start)
                d = _resolve(b, history, m, kind, verb, q, prev_turn, recent)
                if d is not None:
                    q.decision = d
                    if d.speaker != UNKNOWN:
                        resolved_tags[m.start] = d.speaker
                    break
        # 2. quotes without a tag of their own share their paragraph's best tag
        tagged = [q for q in quotes if q.decision is not None]
        for q in quotes:
            if q.decision is None and tagged:
                src = min(tagged, key=lambda t: (abs(t.index - q.index), t.index > q.index))
                d = src.decision
                assert d is not None
                if d.speaker not in q.addressees:
                    q.decision = Decision(d.speaker, d.kind + "+para", d.evidence + " (same paragraph)")
        # 3. untagged paragraph: continuation, action beat, vocative reply, turn-taking
        if any(q.decision is None for q in quotes):
            advance(segs[0].start)
            addressed = set().union(*(q.addressees for q in quotes))
            d = _untagged(b, history, segs, quotes, prev_turn, recent, addressed)
            for q in quotes:
                if q.decision is None:
                    q.decision = d
        # record
        last_speaker = None
        for q in quotes:
            d = q.decision
            assert d is not None
            if d.speaker != UNKNOWN:
                advance(q.seg.start)
                history.add(q.seg.end, d.speaker, SPEAKER)
                used[d.speaker] += 1
            last_speaker = d.speaker
        last = quotes[-1].seg
        unclosed = not last.text.rstrip().endswith(tuple(_CLOSING)) or len(last.text.strip()) < 2
        if last_speaker is not None:
            conversation.add(Turn(para, last_speaker, tuple(a for q in quotes for a in q.addressees), unclosed))
        for q in quotes:
            by_segment[id(q.seg)] = q

    # build lines in text order
    lines: list[Line] = []
    for ch, s in b.ordered:
        if s.kind != "quote":
            lines.append(Line(ch, s, None, 1.0, ""))
            continue
        q = by_segment.get(id(s))
        if q is None or q.decision is None:
            lines.append(Line(ch, s, UNKNOWN, 0.1, "no evidence"))
            continue
        d = q.decision
        lines.append(Line(ch, s, d.speaker, confidence_for(d.kind), d.evidence, q.addressees))

    chars = list(b.characters)
    if b.narrator is None and b.first_person and used.get(_NARRATOR_NAME):
        chars.append(Character(_NARRATOR_NAME, ("I",), "unknown", used[_NARRATOR_NAME]))
    chars.extend(b.described.values())
    return Script(book, tuple(chars), tuple(lines))


_NARRATOR_NAME = "Narrator"

PARTICIPANT_BOOST = 0.6
PREV_SPEAKER_PENALTY = 1.5
_SUBJECT_LEAD = frozenset("and but when while as then that so who".split())


def _is_subject(b: _Book, m: Mention) -> bool:
    toks = b.tokens
    t = toks[m.tok]
    if t.initial:
        return True
    prev = toks[m.tok - 1] if m.tok > 0 else None
    if prev is not None and prev.lower in _SUBJECT_LEAD:
        nxt = toks[m.tok_end] if m.tok_end < len(toks) else None
        return nxt is not None and not nxt.cap
    return False


_STRENGTH = {"said-after": 6, "possessive": 6, "said-before": 5, "lead-in": 4, "beat-after": 3, "beat-before": 2}


def _pick_name(m: Mention, history: History) -> str:
    if len(m.names) == 1:
        return m.names[0]
    recent = [n for _, n in reversed(history.entries[-40:])]
    for n in recent:
        if n in m.names:
            return n
    return m.names[0]


def _first_mention(b: _Book, start: int, end: int) -> Mention | None:
    for m in b.mentions_between(start, end):
        return m
    return None


def _tag_after(b: _Book, seg: Segment) -> tuple[str, Mention, str] | None:
    """Tag in the narration right after a quote: `said X`, `X said`, `X's reply`, `X frowned`."""
    text = seg.text
    lead = len(text) - len(text.lstrip(" \t\n,;:—–-"))
    if "\n\n" in text[:lead]:
        return None
    p0 = seg.start + lead
    toks = b.tokens
    i = b.tindex.first_at_or_after(p0)
    if i >= len(toks) or toks[i].start >= seg.end or toks[i].start - p0 > 1:
        return None
    sent_end = seg.start + len(_first_clause(text))
    ms = [m for m in b.mentions_between(p0, sent_end)]
    # verb first: "said Emma", "asked he", "cried his wife", "said the young man"
    j = i
    if _ADVERB.search(toks[j].lower) and j + 1 < len(toks) and toks[j + 1].lower in SPEECH_VERBS:
        j += 1
    if toks[j].lower in SPEECH_VERBS and not toks[j].cap or (toks[j].lower in SPEECH_VERBS and j == i):
        verb = toks[j].lower
        k = j + 1
        while k < len(toks) and toks[k].lower in ("out", "up", "back", "again", "in") and k < j + 2:
            k += 1
        for m in ms:
            if m.tok == k and (m.kind != "pron" or m.gender in ("male", "female", "first")):
                return ("said-after", m, verb)
    # subject first
    if not ms or ms[0].tok != i:
        # allow "and then X said"
        return None
    m = ms[0]
    k = m.tok_end
    if m.possessive:
        for kk in range(k, min(k + 4, len(toks))):
            if toks[kk].lower in SPEECH_NOUNS:
                return ("possessive", m, toks[kk].lower)
            if toks[kk].start >= sent_end:
                break
        return ("beat-after", m, "")
    # skip a parenthetical ", stubborn as always,"
    rest = b.text[m.end:sent_end]
    if rest.startswith(","):
        close = rest.find(",", 1)
        if 0 < close < 70 and not any(c in rest[:close] for c in "\"“”"):
            k = b.tindex.first_at_or_after(m.end + close + 1)
    steps = 0
    while k < len(toks) and steps < 3 and (_ADVERB.search(toks[k].lower) or toks[k].lower in _AUX):
        k += 1
        steps += 1
    if k < len(toks) and toks[k].start < sent_end and toks[k].lower in SPEECH_VERBS:
        return ("said-after", m, toks[k].lower)
    if k < len(toks) and toks[k].start < sent_end and not toks[k].cap:
        return ("beat-after", m, "")
    return None


def _first_clause(text: str) -> str:
    m = re.search(r"[.!?;](?=[\s\"”’']|$)|[\"“”]", text.lstrip(" ,;:—–-") or text)
    off = len(text) - len(text.lstrip(" ,;:—–-"))
    return text[: off + m.start() + 1] if m else text


def _tag_before(b: _Book, seg: Segment) -> tuple[str, Mention, str] | None:
    """Tag in the narration right before a quote: `X called out, "`, `X sighed. "`."""
    text = seg.text.rstrip()
    if not text.strip():
        return None
    off, sent = last_sentence(text)
    start = seg.start + off
    end = seg.start + len(text)
    ms = [m for m in b.mentions_between(start, end)]
    if not ms:
        return None
    lead_in = bool(LEAD_IN_END.search(text))
    toks = b.tokens
    for m in ms:
        if m.possessive:
            continue
        k = m.tok_end
        steps = 0
        while k < len(toks) and steps < 3 and (_ADVERB.search(toks[k].lower) or toks[k].lower in _AUX):
            k += 1
            steps += 1
        if k < len(toks) and toks[k].start < end and toks[k].lower in SPEECH_VERBS:
            if m.kind == "desc" and m.generic and m.gender == "unknown":
                continue
            return ("said-before", m, toks[k].lower)
    m = ms[0]
    return ("lead-in" if lead_in else "beat-before", m, "")


def _resolve(b: _Book, history: History, m: Mention, kind: str, verb: str, q: _Quote,
             prev_turn: Turn | None, recent: list[Turn]) -> Decision | None:
    """The character a tag's mention refers to, or None when it cannot be resolved."""
    phrase = b.text[m.start:m.end]
    ev = _EVIDENCE[kind]
    if m.kind == "name":
        name = _pick_name(m, history)
        if name in q.addressees:
            return None
        return Decision(name, kind + ":name", f"{ev}: {_snippet(b, m, kind)}")
    if m.kind == "pron" and m.gender == "first":
        name = b.narrator or _NARRATOR_NAME
        if not b.first_person and b.narrator is None:
            return None
        return Decision(name, kind + ":first", f"{ev}: {_snippet(b, m, kind)} (first-person narrator)")
    if m.kind == "desc" and not m.generic:
        label = b.describe(m)
        return Decision(label, kind + ":desc", f"{ev}: {_snippet(b, m, kind)} (described speaker)")
    # pronoun or generic description: most salient gender-compatible character in focus
    gender = m.gender if m.gender in ("male", "female") else "any"
    boost: dict[str, float] = {}
    for t in recent:
        boost.setdefault(t.speaker, PARTICIPANT_BOOST)
    if (prev_turn is not None and verb not in CONTINUATION_VERBS and q.seg.paragraph != prev_turn.paragraph
            and q.index == 0):
        boost[prev_turn.speaker] = PREV_SPEAKER_PENALTY
    cands = [c for c in history.ranked(gender, m.start, boost) if c not in q.addressees]
    if not cands:
        if m.kind == "desc":
            label = b.describe(m)
            return Decision(label, kind + ":desc", f"{ev}: {_snippet(b, m, kind)} (described speaker)")
        return None
    choice = cands[0]
    if choice in b.pending:
        b.describe_name(choice)
    note = f"'{phrase}' = {choice} (last {m.gender if gender != 'any' else ''} character in focus)".replace("  ", " ")
    if prev_turn is not None and choice != prev_turn.speaker and b.gender_of(prev_turn.speaker) == b.gender_of(choice) \
            and boost.get(prev_turn.speaker) == PREV_SPEAKER_PENALTY:
        note = f"'{phrase}' = {choice} (turn-taking with {prev_turn.speaker})"
    return Decision(choice, kind + ":" + m.kind, f"{ev}: {note}")


_EVIDENCE = {
    "said-after": "said-tag after quote",
    "said-before": "said-tag before quote",
    "possessive": "possessive tag",
    "lead-in": "lead-in before quote",
    "beat-after": "action beat after quote",
    "beat-before": "action beat before quote",
}


def _snippet(b: _Book, m: Mention, kind: str) -> str:
    if kind == "said-after":
        # include the verb that precedes the name ("said Emma")
        before = b.text[max(0, m.start - 25):m.start].split()
        lead = before[-2:] if len(before) >= 2 and before[-1].islower() and before[-2].endswith("ly") else before[-1:]
        s = " ".join([*lead, *b.text[m.start:m.start + 40].split()])
    else:
        s = " ".join(b.text[m.start:m.start + 40].split())
    return " ".join(s.split(" ")[:5]).rstrip(",.;:")


def _untagged(b: _Book, history: History, segs: list[Segment], quotes: list[_Quote],
              prev_turn: Turn | None, recent: list[Turn], addressed: set[str]) -> Decision:
    # a quote running on from the previous paragraph (no closing mark there)
    if prev_turn is not None and prev_turn.unclosed and prev_turn.paragraph == segs[0].paragraph - 1:
        return Decision(prev_turn.speaker, "continued", f"quote continued from previous paragraph ({prev_turn.speaker})")
    # an action beat: a character named in this paragraph's narration
    for s in segs:
        if s.kind != "narration":
            continue
        for m in b.mentions_between(s.start, s.end):
            if m.kind == "name":
                name = _pick_name(m, history)
                if name not in addressed:
                    return Decision(name, "paragraph:name", f"named in the paragraph: {_snippet(b, m, 'x')}")
            elif m.kind == "desc" and not m.generic:
                return Decision(b.describe(m), "paragraph:desc", f"described in the paragraph: {m.label}")
            else:
                continue
            break
    # the one addressed in the previous turn replies
    if prev_turn is not None:
        for a in prev_turn.addressees:
            if a not in addressed and a != prev_turn.speaker:
                return Decision(a, "vocative-reply", f"vocative: {a} was addressed by {prev_turn.speaker}")
    # alternation A/B
    if prev_turn is not None:
        for t in recent[1:]:
            if t.speaker != prev_turn.speaker and t.speaker not in addressed and t.speaker != UNKNOWN:
                return Decision(t.speaker, "turn-taking", f"turn-taking with {prev_turn.speaker}")
        other = history.latest(exclude={prev_turn.speaker, *addressed}, before=segs[0].start)
        if other is not None:
            return Decision(other, "reply", f"reply to {prev_turn.speaker}: last other character in focus")
    other = history.latest(exclude=addressed, before=segs[0].start)
    if other is not None:
        return Decision(other, "focus", "last character in focus")
    return Decision(UNKNOWN, "none", "no evidence")
