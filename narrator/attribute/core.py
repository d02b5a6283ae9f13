"""The attribution pass: walk the book paragraph by paragraph, collect evidence for each quote,
resolve it to a character and record the decision with its evidence and confidence."""
from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..types import UNKNOWN, Book, Character, Line, Script, Segment
from ._text import FIRST_PRONOUNS, TokenIndex, last_sentence, tokenize
from .characters import CharacterIndex, discover, enrich_given
from .conversation import Conversation, Turn, vocatives
from .mentions import Mention, find_mentions
from . import rank
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
    pron_tag: tuple[str, Mention, str] | None = None


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
            chars = enrich_given(tuple(characters), discover(self.text, self.tokens, quote_spans))
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
        return first > 0.3 * third and first >= min(20, max(2, len(self.tokens) // 500))

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
            if v >= min(3, max(1, len(self.tokens) // 2000)) and v > 2 * narr[name]:
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

    def paragraph_names(self, para: int, history: History) -> list[str]:
        """Names in a narration-only paragraph (empty when it holds quotes or is unknown)."""
        segs = self.by_paragraph.get(para)
        if not segs or any(s.kind == "quote" for s in segs):
            return []
        out = []
        for s in segs:
            for m in self.mentions_between(s.start, s.end):
                if m.kind == "name":
                    out.append(_pick_name(m, history))
        return out

    def narration_names(self, para: int, history: History) -> set[str]:
        """Names in the narration of a paragraph (any paragraph)."""
        out = set()
        for s in self.by_paragraph.get(para, ()):
            if s.kind == "narration":
                for m in self.mentions_between(s.start, s.end):
                    if m.kind == "name":
                        out.add(_pick_name(m, history))
        return out

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
            elif m.kind == "pron" and m.gender == "first" and b.first_person and weight == SUBJECT:
                history.add(m.start, b.narrator or _NARRATOR_NAME, SUBJECT)
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
            if after is not None and after.text.strip():
                t = _tag_after(b, after)
                if t:
                    found.append(t)
            elif q is quotes[-1]:
                # "…"¶So began Miss Bates; …: the tag opens the next paragraph
                nxt = b.by_paragraph.get(para + 1)
                if nxt and nxt[0].kind == "narration":
                    t = _tag_after(b, nxt[0])
                    first = b.tokens[b.tindex.first_at_or_after(nxt[0].start)] if t else None
                    if (t and t[0] == "said-after" and t[1].kind in ("name", "pron") and first is not None
                            and first.lower in SPEECH_VERBS | {"so", "thus"} and t[2] not in ("thought",)):
                        found.append(t)  # inverted only: "So began Miss Bates", "said he"
            if before is not None:
                t = _tag_before(b, before)
                if (SPLIT_RULE and q.index >= 2 and segs[q.index - 2].kind == "quote"
                        and not _has_sentence_break(before.text) and not before.text.rstrip().endswith(":")
                        and not (t and t[0] == "said-before" and t[2] not in _GESTURES)):
                    # '"…," he added, as she laughed, "…"': one tag for both halves of a split quote
                    t = _tag_after(b, before) or t
                if t:
                    found.append(t)
            elif q.index == 0:
                t = _tag_previous_paragraph(b, para)
                if t and prev_turn is not None and prev_turn.paragraph == para - 1:
                    # after a quote, the narration mostly tags that quote: only a new person
                    # (or an open lead-in ending with ":") introduces the next one
                    pm = t[1]
                    if pm.kind == "name" and _pick_name(pm, history) == prev_turn.speaker:
                        t = None
                    elif pm.kind == "pron" and not b.text[max(0, segs[0].start - 200):segs[0].start].rstrip().endswith((":", ",")):
                        t = None
                if t:
                    found.append(t)
            found.sort(key=lambda t: _STRENGTH[t[0]], reverse=True)
            if found and _is_anaphor(found[0][1]):
                # "…the six armed man chose to be the group's speaker.¶"…" The man's voice…":
                # the anaphor refers to the speaker another tag of this quote names
                pm = found[0][1]
                for kind, m, verb in found[1:]:
                    if not _is_anaphor(m) and m.kind in ("name", "desc"):
                        g = b.gender_of(_pick_name(m, history)) if m.kind == "name" else m.gender
                        if pm.gender in (g, "unknown") or g == "unknown":
                            found = [(kind, m, verb)]
                        break
            for kind, m, verb in found:
                if _is_anaphor(m):
                    q.pron_tag = (kind, m, verb)  # left to the ranker, with every other cue
                    break
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
            if q.decision is None and q.pron_tag is None and tagged:
                src = min(tagged, key=lambda t: (abs(t.index - q.index), t.index > q.index))
                d = src.decision
                assert d is not None
                if d.speaker not in q.addressees:
                    q.decision = Decision(d.speaker, d.kind + "+para", d.evidence + " (same paragraph)")
        # 3. untagged paragraph: continuation, action beat, vocative reply, turn-taking
        if (CONTINUATION_RULE and prev_turn is not None and prev_turn.unclosed and prev_turn.paragraph == para - 1
                and quotes[0].index == 0 and quotes[0].decision is None and quotes[0].pron_tag is None
                and prev_turn.speaker != UNKNOWN):
            quotes[0].decision = Decision(prev_turn.speaker, "continued",
                                          f"quote continued from the previous paragraph ({prev_turn.speaker})")
        for q in quotes:
            if q.decision is None and q.pron_tag is None:
                me = _self_named(b, q, history)
                if me is not None:
                    q.decision = Decision(me, "self-named", f"introduces self: '{me}'")
        undecided = [q for q in quotes if q.decision is None]
        if undecided:
            tagq = next((q for q in undecided if q.pron_tag is not None), None)
            pos = tagq.pron_tag[1].start if tagq is not None else undecided[0].seg.start
            advance(pos)
            d = _rank(b, history, para, segs, quotes, tagq, prev_turn, recent, pos)
            if tagq is not None and d.speaker != UNKNOWN:
                resolved_tags[tagq.pron_tag[1].start] = d.speaker
            for q in undecided:
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
        if rank.RULES is not None:
            rank.RULES.append((s, d.kind))
        conf = d.confidence if d.confidence is not None else confidence_for(d.kind)
        lines.append(Line(ch, s, d.speaker, conf, d.evidence, q.addressees))

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


_STRENGTH = {"said-after": 6, "possessive": 6, "said-before": 5, "lead-in": 4, "beat-after": 3, "beat-before": 2,
             "lead-in-prev": 1}


_SELF = re.compile(r"\b(?:I am|I'm|I’m|I m|It is I,?|it's me,?|my name(?:,[^,]{1,12},)? is|This is)\s+$", re.I)


def _self_named(b: _Book, q: _Quote, history: History) -> str | None:
    """"Mary? I'm Katharine Hilbery!" / "It is I, McMurdo.": the speaker names herself."""
    for m in b.mentions_between(q.seg.start, q.seg.end):
        if m.kind != "name" or m.possessive:
            continue
        lead = b.text[max(q.seg.start, m.start - 24):m.start]
        if _SELF.search(lead):
            after = b.text[m.end:m.end + 2]
            if after[:1] in ("!", ".", ",", "?", "\"", "”", ";", "") or after[:1].isspace() and not after[1:2].islower():
                return _pick_name(m, history)
    return None


def _has_sentence_break(text: str) -> bool:
    off, _ = last_sentence(text.rstrip())
    return off > 0


def _is_anaphor(m: Mention) -> bool:
    return m.kind == "pron" and m.gender in ("male", "female") or (m.kind == "desc" and m.generic)


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
    if toks[j].lower in ("so", "thus") and j + 1 < len(toks) and toks[j + 1].lower in SPEECH_VERBS:
        j += 1  # "So began Miss Bates"
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
        # "This time the strangely hooded man was the one to speak."
        found = _speech_subject(b, p0, sent_end)
        if found is not None and found[0].kind in ("name", "desc"):
            return ("beat-after", found[0], found[1])
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
        clause = b.text[m.end:sent_end].lower()
        # "Archer heard Reggie Chivers say": the one heard speaking is the speaker
        for other in ms[1:]:
            if other.kind == "name" and other.tok_end < len(toks) and toks[other.tok_end].lower in SPEECH_VERBS:
                return ("beat-after", other, toks[other.tok_end].lower)
        if any(w in clause for w in _SILENT):
            return None  # "Mary was silent": an action beat of the listener
        return ("beat-after", m, "")
    return None


_GESTURES = frozenset("laugh laughed smile smiled nod nodded sigh sighed grin grinned think thought".split())
CONTINUATION_RULE = True
SPLIT_RULE = True
_SILENT = (" silent", "silence", "said nothing", "no answer", "did not answer", "made no reply", "did not reply")


_CLAUSE_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bM)(?<!\bMme)[.!?;](?=[\s\"”’']|$)|[\"“”]")


def _speech_subject(b: _Book, start: int, end: int) -> tuple[Mention, str] | None:
    """In narration [start, end): the mention nearest before the last speech word
    ("…, and the six armed man chose to be the group's speaker", "Katharine saw it and exclaimed:")."""
    toks = b.tokens
    rng = b.tindex.between(start, end)
    speech = None
    for k in reversed(rng):
        w = toks[k].lower
        if (w in SPEECH_VERBS and w not in _WEAK_SPEECH) or w in SPEECH_NOUNS or w in ("speak", "spoke", "speaker", "speaking"):
            speech = k
            break
    if speech is None:
        return None
    pos = toks[speech].start
    best = None
    for m in b.mentions_between(start, pos):
        if m.possessive and not (m.tok_end == speech or m.tok_end + 1 == speech):
            continue
        if m.kind == "pron" and toks[m.tok].lower not in ("he", "she", "i") and not m.possessive:
            continue  # "him", "her", "me" are objects
        if m.tok > 0 and toks[m.tok - 1].lower in ("to", "at", "with", "of", "for", "by", "from", "upon", "on") \
                and not m.possessive:
            continue  # "said to Emma"; but "roused by Miss Bates's saying" names the speaker
        best = m
    return (best, toks[speech].lower) if best is not None else None


_WEAK_SPEECH = frozenset("think thought read write wrote told tell note noted smile smiled nod nodded laugh laughed "
                         "sigh sighed return returned call called order ordered correct corrected".split())


def _first_clause(text: str) -> str:
    m = _CLAUSE_END.search(text.lstrip(" ,;:—–-") or text)
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
    for m in reversed(ms):  # the speaker nearest the quote: "A began, but B cried out, "
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


def _tag_previous_paragraph(b: _Book, para: int) -> tuple[str, Mention, str] | None:
    """A narration paragraph whose last sentence announces speech introduces the next quote
    ("Katharine saw it, too, and exclaimed:" / "…and the six armed man chose to be the group's
    speaker once again.")."""
    segs = b.by_paragraph.get(para - 1)
    if not segs:
        return None
    while len(segs) > 1 and segs[-1].kind == "narration" and not segs[-1].text.strip():
        segs = segs[:-1]
    if segs[-1].kind == "quote":
        return None
    start, end = segs[-1].start, segs[-1].end  # the narration after the paragraph's last quote
    text = b.text[start:end].rstrip()
    off, _ = last_sentence(text)
    found = _speech_subject(b, start + off, start + len(text))
    if found is None:
        return None
    return ("lead-in-prev", found[0], found[1])


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
        # "the happily deceived aunt" is usually someone in the conversation; "the strangely
        # hooded man" with no named partner of his gender is a new, unnamed speaker
        prev_spk = prev_turn.speaker if prev_turn is not None else None
        named = {t.speaker for t in recent if t.speaker in b.index.characters}
        if prev_spk is not None and q.seg.paragraph != prev_turn.paragraph and verb not in CONTINUATION_VERBS:
            named.discard(prev_spk)
        fits = [c for c in named if m.gender == "unknown" or b.gender_of(c) in (m.gender, "unknown")]
        fits = [c for c in fits if c not in q.addressees]
        if len(fits) == 1:
            return Decision(fits[0], kind + ":desc-partner",
                            f"{ev}: '{phrase}' = {fits[0]} (conversation partner)")
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
    "lead-in-prev": "introduced at the end of the previous paragraph",
}


def _snippet(b: _Book, m: Mention, kind: str) -> str:
    if kind == "said-after":
        # include the verb that precedes the name ("said Emma")
        before = [w.strip(",;:") for w in b.text[max(0, m.start - 25):m.start].split()]
        lead = before[-1:] if before and before[-1].lower() in SPEECH_VERBS else []
        if lead and len(before) >= 2 and before[-2].endswith("ly"):
            lead = before[-2:]
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


_SPEECH_TAGS = frozenset(("said-after", "said-before", "possessive", "lead-in", "lead-in-prev"))


def _rank(b: _Book, history: History, para: int, segs: list[Segment], quotes: list[_Quote],
          tagq: _Quote | None, prev_turn: Turn | None, recent: list[Turn], pos: int) -> Decision:
    """Rank candidate speakers of an untagged or pronoun-tagged paragraph."""
    sal = history.salience(pos)
    rank_of = {name: i for i, (name, _) in enumerate(sal)}
    dist_of = dict(sal)
    addressed_now = {a for q in quotes for a in q.addressees}
    adjacent = prev_turn is not None and prev_turn.paragraph >= para - 1
    prev_spk = prev_turn.speaker if prev_turn is not None else None
    partner = None
    if prev_turn is not None:
        partner = next((t.speaker for t in recent[1:] if t.speaker != prev_spk), None)
    recent_spk = [t.speaker for t in recent]
    participants = {x for x in (prev_spk, partner) if x is not None}
    strict_alt = (prev_turn is not None and prev_turn.paragraph == para - 1 and len(recent) >= 2
                  and recent[1].paragraph == para - 2 and recent[1].speaker == partner)
    prev_narr = b.paragraph_names(para - 1, history)
    next_narr = b.narration_names(para + 1, history)
    last_subject = history.last_subject(pos)
    addressed_prev = set(prev_turn.addressees) if prev_turn is not None else set()
    # names in this paragraph's narration and quotes
    named_para: list[str] = []
    subject_para: set[str] = set()
    in_quote: set[str] = set()
    for s in segs:
        for m in b.mentions_between(s.start, s.end):
            if m.kind == "desc" and not m.generic and s.kind == "narration":
                b.seen_description(m)
                name = m.label
            elif m.kind != "name":
                continue
            else:
                name = _pick_name(m, history)
            if s.kind == "narration":
                if tagq is not None and m.start == tagq.pron_tag[1].start:
                    continue
                named_para.append(name)
                if _is_subject(b, m):
                    subject_para.add(name)
            elif name not in addressed_now:
                in_quote.add(name)
    cands: list[str] = [n for n, _ in sal[:8]]
    for extra in (*recent_spk, *addressed_prev, *named_para):
        if extra not in cands and extra != UNKNOWN:
            cands.append(extra)
    if b.first_person:
        nar = b.narrator or _NARRATOR_NAME
        if nar not in cands:
            cands.append(nar)
    if not cands:
        return Decision(UNKNOWN, "none", "no evidence", 0.05)
    # pronoun tag: gender ranks among the salient
    tag_group = tag_gender = tag_verb = None
    grank: dict[str, int] = {}
    if tagq is not None:
        kind, m, tag_verb = tagq.pron_tag
        tag_group = "speech" if kind in _SPEECH_TAGS else "beat"
        tag_gender = m.gender if m.gender in ("male", "female") else "any"
        ordered = sorted(cands, key=lambda c: dist_of.get(c, 1e9))
        r = 0
        for c in ordered:
            g = b.gender_of(c)
            if tag_gender == "any" or g == tag_gender:
                grank[c] = r
                r += 1
    maxm = max((c.mentions for c in b.characters), default=1) or 1
    mentions = {c.name: c.mentions for c in b.characters}
    feats: list[dict[str, float]] = []
    for c in cands:
        f: dict[str, float] = {}
        rk = rank_of.get(c)
        if rk is not None and rk < 6:
            f[f"sal{rk}"] = 1.0
        else:
            f["sal6+"] = 1.0
        f["logdist"] = math.log1p(dist_of.get(c, 5000.0) / 100.0)
        if tag_group is not None:
            g = b.gender_of(c)
            if c in grank:
                f[f"tag_{tag_group}_grank{min(grank[c], 3)}"] = 1.0
            elif g == "unknown":
                f[f"tag_{tag_group}_gunknown"] = 1.0
            else:
                f[f"tag_{tag_group}_gmismatch"] = 1.0
            if tag_verb in CONTINUATION_VERBS and c == prev_spk:
                f["cont_verb_prev"] = 1.0
        else:
            f["notag"] = 1.0
        if tag_group is not None and c in grank:
            if c == partner:
                f["tag_gmatch_partner"] = 1.0
            if c == prev_spk:
                f["tag_gmatch_prev"] = 1.0
            if c in participants and sum(1 for p in participants if p in grank) == 1:
                f["tag_gmatch_only_participant"] = 1.0
        if c == partner and strict_alt:
            f["alt_strict"] = 1.0
        if c in prev_narr:
            f["named_prev_narr"] = 1.0
            if prev_narr[-1] == c:
                f["last_named_prev_narr"] = 1.0
        if c == last_subject:
            f["last_subject"] = 1.0
        if c in next_narr:
            f["named_next_para"] = 1.0
        if tag_group is not None and grank.get(c) == 0:
            if c == prev_spk and adjacent:
                f["grank0_prev"] = 1.0
            if c == partner:
                f["grank0_partner"] = 1.0
            if c == last_subject:
                f["grank0_subject"] = 1.0
        if c in recent_spk[2:4] and c not in (prev_spk, partner):
            f["third_party"] = 1.0
        if c == prev_spk:
            f["prev_spk" if adjacent else "prev_spk_gap"] = 1.0
            if prev_turn is not None and prev_turn.unclosed and adjacent:
                f["continuation"] = 1.0
        if c == partner:
            f["prev2_spk" if adjacent else "prev2_spk_gap"] = 1.0
        if c in addressed_now:
            f["addressed_now"] = 1.0
        if c in addressed_prev:
            f["addressed_prev" if adjacent else "addressed_prev_gap"] = 1.0
        if c in named_para:
            f["named_para"] = 1.0
            if named_para[0] == c:
                f["first_named_para"] = 1.0
            if c in subject_para:
                f["subject_para"] = 1.0
        if c in in_quote:
            f["named_in_quote"] = 1.0
        f["freq"] = math.log1p(mentions.get(c, 0)) / math.log1p(maxm)
        f["recent_spk"] = recent_spk.count(c) / 6.0
        if b.first_person and c == (b.narrator or _NARRATOR_NAME):
            f["narrator"] = 1.0
        if prev_turn is None:
            f["no_prev"] = f.get("sal0", 0.0)
        feats.append(f)
    top, prob, _ = rank.choose(cands, feats)
    if rank.TRACE is not None:
        rank.TRACE.append(([q.seg for q in quotes if q.decision is None], cands, feats))
    choice = cands[top]
    cue = rank.explain(feats[top])
    if tagq is not None:
        phrase = b.text[tagq.pron_tag[1].start:tagq.pron_tag[1].end]
        cue = f"{_EVIDENCE[tagq.pron_tag[0]]}: '{phrase}' = {choice} ({cue})"
    elif cue == "turn-taking" and prev_spk:
        cue = f"turn-taking with {prev_spk}"
    elif cue.startswith("vocative") and prev_spk:
        cue = f"vocative: {choice} was addressed by {prev_spk}"
    if choice in b.pending:
        b.describe_name(choice)
    return Decision(choice, "ranked", cue, round(prob, 3))
