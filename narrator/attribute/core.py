"""The attribution pass: walk the book paragraph by paragraph, collect the tags next to each
quote, decide named tags by rule and everything else with the ranker, and record every decision
with its evidence and confidence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from ..types import NARRATOR, UNKNOWN, Book, Character, Line, Script, Segment
from .context import CLOSING_MARKS, BookContext, is_subject, pick_name
from .conversation import Conversation, vocatives
from .data import OTHER, SPEAKER, SUBJECT, Decision, History, QuoteState, Tag, Turn
from .rank import rank_paragraph
from .resolve import resolve_tag, self_named
from .tags import (
    LEAD_IN_END,
    SPEECH_TAGS,
    STRENGTH,
    has_sentence_break,
    is_anaphor,
    tag_after,
    tag_before,
    tag_previous_paragraph,
)
from .vocabulary import GESTURES, SPEECH_VERBS, THOUGHT_VERBS
from .weights import Trace, Weights, shipped_weights


def attribute(
    book: Book,
    segments: Mapping[int, Sequence[Segment]],
    characters: Sequence[Character] | None = None,
    *,
    weights: Weights | None = None,
    trace: Trace | None = None,
) -> Script:
    """Attribute every quote of the book to a speaker; narration lines have speaker None.

    `characters` replaces discovery (enriched with the name forms discovery finds for them);
    `weights` replaces the shipped weights.json; a `trace` records every ranked choice and the
    rule behind each quote (for training)."""
    if weights is None:
        weights = shipped_weights()
    b = BookContext(book, segments, characters)
    history = History(b.gender_of)
    conversation = Conversation()
    mention_ptr = 0
    by_segment: dict[int, QuoteState] = {}
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
            weight = SUBJECT if is_subject(b, m) else OTHER
            if m.start in resolved_tags:
                history.add(m.start, resolved_tags[m.start], SPEAKER)
            elif m.kind == "name":
                history.add(m.start, pick_name(m, history), weight)
            elif m.kind == "desc" and not m.generic:
                b.seen_description(m)
                history.add(m.start, m.label, weight)
            elif (
                m.kind == "pron"
                and m.gender == "first"
                and b.first_person
                and weight == SUBJECT
            ):
                history.add(m.start, b.narrator or NARRATOR, SUBJECT)
            elif (
                m.kind == "pron"
                and m.gender in ("male", "female")
                and weight == SUBJECT
            ):
                # a subject pronoun keeps its referent in focus
                ranked = history.ranked(m.gender, m.start)
                if ranked and b.gender_of(ranked[0]) == m.gender:
                    history.add(m.start, ranked[0], SUBJECT)

    b.named_speakers = _named_speakers(b, paragraphs)
    for ch, para, segs in paragraphs:
        quotes = [QuoteState(ch, s, k) for k, s in enumerate(segs) if s.kind == "quote"]
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
                t = tag_after(b, after)
                if t:
                    found.append(t)
            elif q is quotes[-1]:
                # "…"¶So began Miss Bates; …: the tag opens the next paragraph
                nxt = b.by_paragraph.get(para + 1)
                if nxt and nxt[0].kind == "narration":
                    t = tag_after(b, nxt[0])
                    first = (
                        b.tokens[b.tindex.first_at_or_after(nxt[0].start)]
                        if t
                        else None
                    )
                    if (
                        t
                        and t.kind == "said-after"
                        and t.mention.kind in ("name", "pron")
                        and first is not None
                        and first.lower in SPEECH_VERBS | {"so", "thus"}
                        and t.verb not in ("thought",)
                    ):
                        found.append(
                            t
                        )  # inverted only: "So began Miss Bates", "said he"
            if before is not None:
                t = tag_before(b, before)
                if (
                    q.index >= 2
                    and segs[q.index - 2].kind == "quote"
                    and not has_sentence_break(before.text)
                    and not before.text.rstrip().endswith(":")
                    and not (t and t.kind == "said-before" and t.verb not in GESTURES)
                    and not (t and t.kind == "lead-in" and t.verb and t.verb not in GESTURES)
                ):
                    # '"…," he added, as she laughed, "…"': one tag for both halves of a split quote
                    t = tag_after(b, before) or t
                if t:
                    found.append(t)
            elif q.index == 0:
                t = tag_previous_paragraph(b, para)
                if t and prev_turn is not None and prev_turn.paragraph == para - 1:
                    # after a quote, the narration mostly tags that quote: only a new person
                    # (or an open lead-in ending with ":") introduces the next one
                    pm = t.mention
                    trailing = b.by_paragraph[para - 1][-1]
                    own = tag_after(b, trailing) if trailing.kind == "narration" else None
                    opens = b.text[max(0, segs[0].start - 200) : segs[0].start].rstrip().endswith(":")
                    if (
                        pm.kind == "name"
                        and pick_name(pm, history) == prev_turn.speaker
                        and not opens
                        and own is not None
                        and own.mention.start == pm.start
                    ):
                        t = None  # that narration is the previous quote's own tag
                    elif pm.kind == "pron" and not b.text[
                        max(0, segs[0].start - 200) : segs[0].start
                    ].rstrip().endswith((":", ",")):
                        t = None
                if t:
                    found.append(t)
            found.sort(key=lambda t: STRENGTH[t.kind], reverse=True)
            if after is not None and _introduces_next_quote(b, segs, q.index + 1):
                found = _lead_ins_first(found, before, after)
            if found and is_anaphor(found[0].mention):
                # "…the six armed man chose to be the group's speaker.¶"…" The man's voice…":
                # the anaphor refers to the speaker another tag of this quote names
                pm = found[0].mention
                for other in found[1:]:
                    m = other.mention
                    if not is_anaphor(m) and m.kind in ("name", "desc"):
                        g = (
                            b.gender_of(pick_name(m, history))
                            if m.kind == "name"
                            else m.gender
                        )
                        if pm.gender in (g, "unknown") or g == "unknown":
                            found = [other]
                        break
            for tag in found:
                m = tag.mention
                if is_anaphor(m):
                    q.pron_tag = tag  # left to the ranker, with every other cue
                    break
                advance(m.start)
                d = resolve_tag(b, history, m, tag.kind, tag.verb, q, prev_turn, recent)
                if d is not None:
                    q.decision = d
                    if d.speaker != UNKNOWN:
                        resolved_tags[m.start] = d.speaker
                    if tag.verb in THOUGHT_VERBS:
                        q.addressees = ()  # '"Well done, Mrs. Martin!" thought Emma': she is not there
                    break
        # 2. quotes without a tag of their own share their paragraph's best tag
        tagged = [q for q in quotes if q.decision is not None]
        for q in quotes:
            if q.decision is None and q.pron_tag is None and tagged:
                src = min(
                    tagged, key=lambda t: (abs(t.index - q.index), t.index > q.index)
                )
                d = src.decision
                assert d is not None
                if d.speaker not in q.addressees:
                    q.decision = Decision(
                        d.speaker, d.kind + "+para", d.evidence + " (same paragraph)"
                    )
        # 3. untagged paragraph: continuation, action beat, vocative reply, turn-taking
        if (
            prev_turn is not None
            and prev_turn.unclosed
            and prev_turn.paragraph == para - 1
            and quotes[0].index == 0
            and quotes[0].decision is None
            and quotes[0].pron_tag is None
            and prev_turn.speaker != UNKNOWN
        ):
            quotes[0].decision = Decision(
                prev_turn.speaker,
                "continued",
                f"quote continued from the previous paragraph ({prev_turn.speaker})",
            )
        for q in quotes:
            if q.decision is None and q.pron_tag is None:
                me = self_named(b, q, history)
                if me is not None:
                    q.decision = Decision(me, "self-named", f"introduces self: '{me}'")
        undecided = [q for q in quotes if q.decision is None]
        if undecided:
            for tagq, group in _tag_groups(undecided, segs[0].start):
                pron_tag = tagq.pron_tag if tagq is not None else None
                pos = pron_tag.mention.start if pron_tag is not None else group[0].seg.start
                advance(pos)
                d = rank_paragraph(
                    b, history, para, segs, quotes, tagq, prev_turn, recent, pos, weights=weights, trace=trace
                )
                if pron_tag is not None and d.speaker != UNKNOWN:
                    resolved_tags[pron_tag.mention.start] = d.speaker
                for q in group:
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
        unclosed = (
            not last.text.rstrip().endswith(tuple(CLOSING_MARKS))
            or len(last.text.strip()) < 2
        )
        if last_speaker is not None:
            conversation.add(
                Turn(
                    para,
                    last_speaker,
                    tuple(a for q in quotes for a in q.addressees),
                    unclosed,
                )
            )
        for q in quotes:
            by_segment[id(q.seg)] = q

    # build lines in text order
    lines: list[Line] = []
    for ch, s in b.ordered:
        if s.kind != "quote":
            lines.append(Line(ch, s, None, 1.0, ""))
            continue
        state = by_segment.get(id(s))
        if state is None or state.decision is None:
            lines.append(Line(ch, s, UNKNOWN, 0.1, "no evidence"))
            continue
        d = state.decision
        if trace is not None:
            trace.rules.append((s, d.kind))
        conf = d.confidence if d.confidence is not None else weights.confidence_for(d.kind)
        lines.append(Line(ch, s, d.speaker, conf, d.evidence, state.addressees))

    chars = list(b.characters)
    if b.narrator is None and b.first_person and used.get(NARRATOR):
        chars.append(Character(NARRATOR, ("I",), "unknown", used[NARRATOR]))
    chars.extend(b.described.values())
    return Script(book, tuple(chars), tuple(lines))


def _tag_groups(
    undecided: list[QuoteState], para_start: int
) -> list[tuple[QuoteState | None, list[QuoteState]]]:
    """The paragraph's undecided quotes, grouped under the pronoun tag that decides them.

    One speaker per paragraph is the rule, and its strongest pronoun tag speaks for it
    ('…and heard him saying, "…" Her arm was pressed again, as he added, "…"' is his). When
    the tags disagree in gender, the paragraph holds two speakers ('"Oh, my friend!" She laid
    her hand on his arm, and he pleaded: "Ellen…"'): each quote goes with its own tag, or the
    nearest one. Only "he" and "she" count as disagreeing: "his armchair" is no speaker."""
    tagged = [(q, q.pron_tag) for q in undecided if q.pron_tag is not None]
    subjects = [
        (q, tag)
        for q, tag in tagged
        if tag.mention.kind == "pron"
        and not tag.mention.possessive
        and tag.kind in SPEECH_TAGS
        and tag.mention.start >= para_start  # a lead-in from the paragraph before is weaker
    ]
    if len({tag.mention.gender for _, tag in subjects}) <= 1:
        best = max(tagged, key=lambda qt: STRENGTH[qt[1].kind], default=None)
        return [(best[0] if best else None, undecided)]
    own = {id(q) for q, _ in subjects}
    groups: dict[int, list[QuoteState]] = {}
    for q in undecided:
        src = q if id(q) in own else min(
            (t for t, _ in subjects), key=lambda t: (abs(t.index - q.index), t.index > q.index)
        )
        groups.setdefault(id(src), []).append(q)
    order = [q for q, _ in sorted(subjects, key=lambda qt: qt[1].mention.start)]
    return [(t, groups[id(t)]) for t in order if id(t) in groups]


def _lead_ins_first(
    found: list[Tag], before: Segment | None, after: Segment
) -> list[Tag]:
    """'When A said, "…" B answered, "…"': the narration after this quote opens the next one, so
    a lead-in before this quote (right before it, or closing the paragraph before) is its tag."""

    def own(t: Tag) -> bool:
        start = t.mention.start
        if t.kind not in ("said-before", "possessive", "lead-in") or after.start <= start < after.end:
            return False
        if before is None or not before.start <= start < before.end:
            return True
        return bool(LEAD_IN_END.search(before.text.rstrip()))

    lead_ins = [t for t in found if own(t)]
    return lead_ins + [t for t in found if t not in lead_ins]


def _introduces_next_quote(b: BookContext, segs: Sequence[Segment], k: int) -> bool:
    """Segment k is narration that ends in a lead-in right before another quote: ', "' or ':
    "' in the same paragraph, or ':' or a dash at the end of the paragraph before a quote."""
    if k >= len(segs) or segs[k].kind != "narration":
        return False
    text = segs[k].text.rstrip()
    if not text:
        return False
    if k + 1 < len(segs):
        nxt_text = segs[k + 1].text.lstrip("\"“'‘ ")
        return (
            segs[k + 1].kind == "quote"
            and "\n\n" not in segs[k].text
            and bool(LEAD_IN_END.search(text))
            and not nxt_text[:1].islower()  # '"No," he said, "it was not that."': one split quote
        )
    nxt = b.by_paragraph.get(segs[k].paragraph + 1)
    return nxt is not None and bool(nxt) and nxt[0].kind == "quote" and text.endswith((":", "-", "—", "–"))


def _named_speakers(b: BookContext, paragraphs: list[tuple[int, int, list[Segment]]]) -> dict[int, str]:
    """Paragraph → the speaker its first quote's named tag gives ("…," said Emma), found ahead
    of the main pass so that an untagged turn can look at the turns that follow it."""
    out: dict[int, str] = {}
    for _, para, segs in paragraphs:
        for k, s in enumerate(segs):
            if s.kind != "quote":
                continue
            after = segs[k + 1] if k + 1 < len(segs) else None
            before = segs[k - 1] if k > 0 else None
            found = [t for t in (tag_after(b, after) if after is not None and after.text.strip() else None,
                                 tag_before(b, before) if before is not None else None) if t]
            found = [t for t in found if t.kind in ("said-after", "said-before", "possessive", "lead-in")]
            found.sort(key=lambda t: STRENGTH[t.kind], reverse=True)
            if found and found[0].mention.kind == "name" and len(found[0].mention.names) == 1:
                out[para] = found[0].mention.names[0]
            break
    return out
