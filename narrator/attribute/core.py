"""The attribution pass: walk the book paragraph by paragraph, collect the tags next to each
quote, decide named tags by rule and everything else with the ranker, and record every decision
with its evidence and confidence.

Per paragraph with quotes, in order:
  1. each quote's own tags: a named one decides it, an anaphoric one ("he said") waits;
  2. quotes without a tag share the decision of the nearest tagged quote of the paragraph;
  3. a quote left open in the previous paragraph goes on with the same speaker;
  4. a quote whose speaker names themself ("I'm Katharine Hilbery!");
  5. the ranker decides the rest, one choice per group of quotes under one pronoun tag;
then the decisions enter the focus history and the conversation.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass, replace

from ..types import FIRST_PERSON, UNKNOWN, Book, Character, Line, Script, Segment
from ._text import Token
from .calibrate import Decided, cues
from .context import QUOTATION_DASHES, BookContext, PassState, per_book, pick_name
from .data import SPEAKER, SUBJECT, Decision, Paragraph, QuoteState, Tag, Turn
from .decode import DEFAULT, GREEDY, Beam, Choices, decode
from .kin import kin_referent
from .mentions import listed_genders
from .people import read_people
from .quote_tags import Paragraphs, named_speakers, quote_tags, tag_groups
from .rank import RankQuery, rank_choices, rank_paragraph
from .resolve import named_in_reply, resolve_tag, self_named
from .tags import EVIDENCE, is_anaphor
from .vocabulary import CLOSING_MARKS, THOUGHT_VERBS
from .weights import Trace, Weights, shipped_weights

_CLOSERS = tuple(CLOSING_MARKS)


def attribute(
    book: Book,
    segments: Mapping[int, Sequence[Segment]],
    characters: Sequence[Character] | None = None,
    *,
    cast: Sequence[Character] | None = None,
    weights: Weights | None = None,
    trace: Trace | None = None,
    beam: Beam | None = None,
) -> Script:
    """Attribute every quote of the book to a speaker; narration lines have speaker None.

    `characters` replaces discovery (enriched with the name forms discovery finds for them);
    `cast` (a cast file's characters) is laid over the characters: it renames, merges and adds
    people without changing anyone else's lines; `weights` replaces the shipped weights.json; a
    `trace` records every ranked choice and the rule behind each quote (for training: the pass is
    then greedy, as the ranker learns from its own decisions); `beam` replaces the sequence
    decoder's settings (decode.DEFAULT)."""
    with collector_paused():
        state, with_quotes = start_pass(book, segments, characters, cast, weights, trace)
        if trace is not None:
            beam = GREEDY
        return script_of(book, decode(state, with_quotes, decide_step, DEFAULT if beam is None else beam))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the pass, as it was again afterwards. The
    pass builds no reference cycles (tests/test_attribute.py checks: a PassState must not point
    back at itself), so every run of the collector during it only walks the tokens, mentions
    and memos it builds, for nothing: 5-15 % of the pass's CPU time. Its other garbage is freed
    as usual, by reference counting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def start_pass(
    book: Book,
    segments: Mapping[int, Sequence[Segment]],
    characters: Sequence[Character] | None = None,
    cast: Sequence[Character] | None = None,
    weights: Weights | None = None,
    trace: Trace | None = None,
) -> tuple[PassState, Paragraphs]:
    """The pass's state before the first paragraph, and the paragraphs with quotes it decides
    (each given to `decide_step`)."""
    b = read_people(book, segments, characters, cast)
    paragraphs = _paragraphs(b.ordered)
    if weights is None:
        weights = shipped_weights()
    state = PassState(b, named_speakers(b, paragraphs), weights, trace)
    return state, [p for p in paragraphs if any(s.kind == "quote" for s in p[2])]


def _paragraphs(ordered: Sequence[tuple[int, Segment]]) -> Paragraphs:
    """The segments grouped into paragraphs, in text order."""
    paragraphs: Paragraphs = []
    for ch, s in ordered:
        if paragraphs and paragraphs[-1][1] == s.paragraph and paragraphs[-1][0] == ch:
            paragraphs[-1][2].append(s)
        else:
            paragraphs.append((ch, s.paragraph, [s]))
    return paragraphs


def decide_step(state: PassState, item: tuple[int, int, list[Segment]], branch: int, margin: float) -> Choices:
    """Decide one paragraph in one hypothesis of the decoder (decode.py) as far as the ranked
    choices it branches on; `Choices.grow` applies the ones the decoder keeps."""
    chapter, number, segs = item
    quotes = [QuoteState(chapter, s, k) for k, s in enumerate(segs) if s.kind == "quote"]
    return _decide_paragraph(state, _paragraph(state, chapter, number, segs, quotes), branch, margin)


def _paragraph(
    state: PassState, chapter: int, number: int, segs: list[Segment], quotes: list[QuoteState]
) -> Paragraph:
    """The paragraph's quotes with the names they address, and the conversation so far."""
    for q in quotes:
        q.addressees = state.book.addressees(q.seg)
    recent = state.conversation.recent(number)
    prev_turn = recent[0] if recent and recent[0].paragraph < number else None
    return Paragraph(chapter, number, segs, quotes, prev_turn, recent)


def _decide_paragraph(state: PassState, para: Paragraph, branch: int, margin: float) -> Choices:
    quotes = para.quotes
    for q in quotes:
        _decide_by_tags(state, para, q)
    _share_paragraph_decision(quotes)
    _continue_open_quote(para)
    for q in quotes:
        if q.decision is None and q.pron_tag is None:
            me = self_named(state, q)
            if me is not None:
                q.decision = Decision(me, "self-named", f"introduces self: '{me}'")
        if q.decision is None:
            me = named_in_reply(state, para, q)
            if me is not None:
                q.decision = Decision(me, "self-named", f"answers with their name: '{me}'")
    return _rank_undecided(state, para, branch, margin)


def _decide_by_tags(state: PassState, para: Paragraph, q: QuoteState) -> None:
    """The first of the quote's tags that resolves decides it; an anaphoric tag before it is
    left to the ranker, with every other cue."""
    for tag in quote_tags(state, para, q):
        m = tag.mention
        if is_anaphor(m):
            if not _decide_by_kin(state, q, tag):
                q.pron_tag = tag
            return
        _advance(state, m.start)
        d = resolve_tag(state, para, q, tag)
        if d is not None:
            q.decision = d
            if d.speaker != UNKNOWN:
                state.resolved_tags[m.start] = d.speaker
            if tag.verb in THOUGHT_VERBS:
                q.addressees = ()  # '"Well done, Mrs. Martin!" thought Emma': she is not there
            return


def _decide_by_kin(state: PassState, q: QuoteState, tag: Tag) -> bool:
    """'said her father': the possessor's father, when the family's surname names him (kin.py)."""
    m = tag.mention
    if m.kind != "desc":
        return False
    _advance(state, m.start)
    kin = kin_referent(state.families, state.history, state.gender_of, m)
    if kin is None or kin in q.addressees:
        return False
    phrase = state.book.text[m.start : m.end]
    q.decision = Decision(kin, tag.kind + ":kin", f"{EVIDENCE[tag.kind]}: '{phrase}' = {kin} (family)")
    state.resolved_tags[m.start] = kin
    return True


def _share_paragraph_decision(quotes: Sequence[QuoteState]) -> None:
    """Quotes without a tag of their own take the decision of the nearest tagged quote of the
    paragraph (the one before it on a tie), unless they address that speaker."""
    tagged = [q for q in quotes if q.decision is not None]
    for q in quotes:
        if q.decision is None and q.pron_tag is None and tagged:
            src = min(tagged, key=lambda t: (abs(t.index - q.index), t.index > q.index))
            d = src.decision
            assert d is not None
            if d.speaker not in q.addressees:
                q.decision = Decision(d.speaker, d.kind + "+para", d.evidence + " (same paragraph)")


def _continue_open_quote(para: Paragraph) -> None:
    """A paragraph that opens with an untagged quote, right after a paragraph whose last quote
    had no closing mark, goes on with that quote's speaker."""
    first, prev_turn = para.quotes[0], para.prev_turn
    if (
        prev_turn is not None
        and prev_turn.unclosed
        and prev_turn.paragraph == para.number - 1
        and first.index == 0
        and first.decision is None
        and first.pron_tag is None
        and prev_turn.speaker != UNKNOWN
    ):
        first.decision = Decision(
            prev_turn.speaker,
            "continued",
            f"quote continued from the previous paragraph ({prev_turn.speaker})",
        )


def _rank_undecided(state: PassState, para: Paragraph, branch: int, margin: float) -> Choices:
    """The ranker's choices for the quotes no rule decided, one choice per group of quotes under
    one pronoun tag. Its runners-up for the first group (up to `branch` choices within `margin`)
    start hypotheses of their own, grown only when the decoder keeps them: a clone of the state
    with its own copy of the quotes. Each choice tells the speaker of the paragraph's turn (which
    the decoder merges on) unless a later group, ranked in the choice's context, speaks last."""
    undecided = [q for q in para.quotes if q.decision is None]
    last = para.quotes[-1]

    def grow_decided(chosen: Sequence[int]) -> list[PassState]:
        assert list(chosen) == [0]
        _record(state, para)
        return [state]

    if not undecided:
        speaker = last.decision.speaker if last.decision is not None else None
        return Choices(state, para.number, (0.0,), (speaker,), grow_decided)
    groups = tag_groups(undecided, para.segments[0].start)
    tagq, _ = groups[0]
    pos = _group_position(tagq, groups[0][1])
    _advance(state, pos)
    choices = rank_choices(RankQuery(state, para, tagq, pos), branch, margin)

    def grow(chosen: Sequence[int]) -> list[PassState]:
        runs = [(state, para)] + [_fork(state, para) for _ in chosen[1:]]
        for (run, run_para), i in zip(runs, chosen, strict=True):
            _decide_groups(run, groups, para, run_para, choices[i][0])
            _record(run, run_para)
        return [run for run, _ in runs]

    if last.decision is not None:
        speakers: list[str | None] = [last.decision.speaker] * len(choices)
    elif any(q is last for q in groups[0][1]):
        speakers = [d.speaker for d, _ in choices]
    else:  # decided in the choice's own context
        speakers = [None] * len(choices)
    return Choices(state, para.number, tuple(logp for _, logp in choices), tuple(speakers), grow)


def _decide_groups(
    run: PassState,
    groups: list[tuple[QuoteState | None, list[QuoteState]]],
    para: Paragraph,
    run_para: Paragraph,
    d: Decision,
) -> None:
    """Decide the paragraph's groups in one hypothesis: the first by the choice `d`, the others
    ranked in the hypothesis's context."""
    run.promote(d.speaker)
    for k, (tq, group) in enumerate(_in_paragraph(groups, para, run_para)):
        if k > 0:
            pos = _group_position(tq, group)
            _advance(run, pos)
            d = rank_paragraph(RankQuery(run, run_para, tq, pos))
        _decide_group(run, tq, group, d)


def _group_position(tagq: QuoteState | None, group: list[QuoteState]) -> int:
    """Where the ranker measures focus for a group: its tag's mention, else its first quote."""
    pron_tag = tagq.pron_tag if tagq is not None else None
    return pron_tag.mention.start if pron_tag is not None else group[0].seg.start


def _decide_group(state: PassState, tagq: QuoteState | None, group: list[QuoteState], d: Decision) -> None:
    """The ranked decision for a group of quotes; its pronoun tag now names that speaker."""
    pron_tag = tagq.pron_tag if tagq is not None else None
    if pron_tag is not None and d.speaker != UNKNOWN:
        state.resolved_tags[pron_tag.mention.start] = d.speaker
    for q in group:
        q.decision = d


def _fork(state: PassState, para: Paragraph) -> tuple[PassState, Paragraph]:
    """Another hypothesis for the paragraph: a clone of the state, a copy of the quotes."""
    return state.clone(), replace(para, quotes=[copy(q) for q in para.quotes])


def _in_paragraph(
    groups: list[tuple[QuoteState | None, list[QuoteState]]], para: Paragraph, run_para: Paragraph
) -> list[tuple[QuoteState | None, list[QuoteState]]]:
    """The groups with the quotes of `run_para` (a fork's copies) in place of `para`'s."""
    if run_para is para:
        return groups
    mine = {id(q): c for q, c in zip(para.quotes, run_para.quotes, strict=True)}
    return [(mine[id(t)] if t is not None else None, [mine[id(q)] for q in g]) for t, g in groups]


def _record(state: PassState, para: Paragraph) -> None:
    """The decided speakers enter the focus history; the paragraph becomes a conversation turn."""
    quotes = para.quotes
    last_speaker = None
    for q in quotes:
        d = q.decision
        assert d is not None
        if d.speaker != UNKNOWN:
            _advance(state, q.seg.start)
            state.history.add(q.seg.end, d.speaker, SPEAKER)
            state.used[d.speaker] += 1
        last_speaker = d.speaker
    last = quotes[-1].seg
    unclosed = (
        not last.text.rstrip().endswith(_CLOSERS)
        or len(last.text.strip()) < 2
    ) and not last.text.lstrip().startswith(QUOTATION_DASHES)
    if last_speaker is not None:
        addressees = tuple(a for q in quotes for a in q.addressees)
        state.conversation.add(Turn(para.number, last_speaker, addressees, unclosed))
    state.decided = (state.decided, quotes)


def _advance(state: PassState, pos: int) -> None:
    """Enter the narration's mentions before `pos` into the focus history: names, described
    people, the narrator's "I", and a subject "he"/"she" (which keeps its referent in focus)."""
    b, history = state.book, state.history
    ms = b.mentions
    i = state.mention_ptr
    while i < len(ms) and ms[i].start < pos:
        m = ms[i]
        weight = b.narration_weight(i)
        i += 1
        if weight is None:
            continue
        if m.start in state.resolved_tags:
            history.add(m.start, state.resolved_tags.pop(m.start), SPEAKER)
        elif m.kind == "name":
            history.add(m.start, pick_name(m, history), weight)
        elif m.kind == "desc" and not m.generic:
            state.seen_description(m)
            history.add(m.start, m.label, weight)
        elif m.kind == "desc" and (kin := kin_referent(state.families, history, state.gender_of, m)):
            history.add(m.start, kin, weight)
        elif m.kind == "pron" and m.gender == "first" and b.first_person and weight == SUBJECT:
            history.add(m.start, b.narrator or FIRST_PERSON, SUBJECT)
        elif m.kind == "pron" and m.gender in ("male", "female") and weight == SUBJECT:
            referent = history.most_salient(m.gender, m.start, state.gender_of)
            if referent is not None:
                history.add(m.start, referent, SUBJECT)
    state.mention_ptr = i


def script_of(book: Book, state: PassState) -> Script:
    """A line for every segment in text order; the cast adds the first-person narrator and the
    described speakers the pass met. Confidences are calibrated after decoding (calibrate.py)."""
    b, trace = state.book, state.trace
    by_segment: dict[int, QuoteState] = {}
    decided = state.decided
    while decided is not None:
        decided, quotes = decided
        by_segment.update((id(q.seg), q) for q in quotes)
    named = _named_by_reply(state, by_segment)
    rows: list[Line | tuple[int, Segment, str, str, tuple[str, ...]]] = []
    # a narration line, or a quote's line but for its confidence (calibrated once all are known)
    judged: list[Decided] = []  # what calibrates each quote's confidence, in text order
    for ch, s in b.ordered:
        if s.kind != "quote":
            rows.append(Line(ch, s, None, 1.0, ""))
            continue
        q = by_segment.get(id(s))
        if q is None or q.decision is None:
            judged.append((ch, s.paragraph, "none", 0.1, UNKNOWN))
            rows.append((ch, s, UNKNOWN, "no evidence", ()))
            continue
        d = q.decision
        if trace is not None:
            trace.rules.append((s, d.kind))
        conf = d.confidence if d.confidence is not None else state.weights.confidence_for(d.kind)
        kind = "ranked:tag" if d.kind == "ranked" and q.pron_tag is not None else d.kind
        speaker = b.renames.get(d.speaker) or named.get(d.speaker, d.speaker)
        judged.append((ch, s.paragraph, kind, conf, speaker))
        rows.append((ch, s, speaker, d.evidence, q.addressees))
    calibrated = iter(state.weights.calibration.apply(cues(judged)))
    lines: list[Line] = []
    for row in rows:
        if not isinstance(row, Line):
            ch, s, speaker, evidence, addressees = row
            row = Line(ch, s, speaker, next(calibrated), evidence, addressees)
        lines.append(row)
    chars = list(b.characters)
    more = _voiced(b.text, b.tokens, list(state.described.values()))
    if b.narrator is None and b.first_person and state.used.get(FIRST_PERSON):
        more.insert(0, Character(FIRST_PERSON, (), "unknown", state.used[FIRST_PERSON]))
    chars.extend(replace(c, name=b.renames.get(c.name, c.name)) for c in more if c.name not in named)
    return Script(book, tuple(chars), tuple(lines))


def _named_by_reply(state: PassState, by_segment: Mapping[int, QuoteState]) -> dict[str, str]:
    """Described speakers the conversation names: "the stout woman" speaks, the man who answered
    her says "A fine child, Mrs. Smith!" (or asks the one who spoke before or answers "Is there a
    bench inside, Mrs. Hale?"), and Mrs. Smith had neither spoken nor been named by the narration
    before: she is one person with one voice, named as the text names her. Only within one
    exchange (no gap of more than three paragraphs), when no one else of her gender spoke in it.
    Described label → name (none the user's cast renames)."""
    b = state.book
    turns: list[_Turn] = []
    for ch, s in b.ordered:
        q = by_segment.get(id(s))
        if q is None or q.decision is None:
            continue
        if not turns or turns[-1].paragraph != s.paragraph:
            turns.append(_Turn(ch, s.paragraph, q.decision.speaker, [], s.start))
        if len(s.text.split()) > 3:  # "Klumpey-Dumpey!" alone is a cry, not a name said to someone
            turns[-1].addressees.extend(q.addressees)
    named: dict[str, str] = {}
    spoke: set[str] = set()
    for j, t in enumerate(turns):
        spoke.add(t.speaker)
        if len(t.addressees) != 1:
            continue
        x = t.addressees[0]
        if x in spoke or x in state.described or _first_narrated(b).get(x, t.start) < t.start:
            continue  # Ralph, whom the narration has already met, merely has not spoken yet
        k = j  # the exchange's first turn in the window, back from the vocative's
        while k > max(0, j - REPLY_NAMING_TURNS) and _same_exchange(turns[k - 1], turns[k]):
            k -= 1
        after = turns[j + 1] if j + 1 < len(turns) and _same_exchange(t, turns[j + 1]) else None
        window = turns[k : j + 1] + ([after] if after is not None else [])
        gender = state.gender_of(x)
        if after is not None and after.speaker == x:
            # "A fine child, Mrs. Smith!" and Mrs. Smith answers: the one the namer answered
            found = {w.speaker for w, n in zip(window, window[1:]) if n.speaker == t.speaker}
        else:
            # "Is there a bench inside, Mrs. Hale?": the one who spoke before, or answers
            found = {w.speaker for w in (turns[j - 1] if j > k else None, after) if w is not None}
        fits = {d for d in found if d in state.described and state.gender_of(d) in (gender, "unknown")}
        others = {w.speaker for w in window if state.gender_of(w.speaker) == gender} - fits - {t.speaker, x}
        if len(fits) == 1 and not others:
            (d,) = fits
            if d not in named and d not in b.renames:
                named[d] = x
    return named


REPLY_NAMING_TURNS = 8
"""How many turns back a described speaker may have spoken to be the one a vocative names."""


@dataclass
class _Turn:
    chapter: int
    paragraph: int
    speaker: str
    addressees: list[str]
    """Named in the paragraph's quotes of more than three words."""
    start: int


@per_book
def _first_narrated(b: BookContext) -> dict[str, int]:
    """Character → where the narration first names them (one pass over the book's mentions)."""
    first: dict[str, int] = {}
    for m in b.mentions:
        if m.kind == "name" and not b.in_quote(m.start):
            for name in m.names:
                first.setdefault(name, m.start)
    return first


def _same_exchange(a: _Turn, b: _Turn) -> bool:
    return a.chapter == b.chapter and b.paragraph - a.paragraph <= 3


def _voiced(text: str, tokens: Sequence[Token], described: list[Character]) -> list[Character]:
    """Described speakers of either sex ("the cook") with the gender the book gives their noun
    ("…, and as soon as he saw"), so that the voice fits; the ranking kept them open to both."""
    if all(c.gender != "unknown" for c in described):
        return described
    genders = listed_genders(text, tokens)
    return [
        replace(c, gender=genders.get(c.name.rsplit(" ", 1)[-1], "unknown")) if c.gender == "unknown" else c
        for c in described
    ]
