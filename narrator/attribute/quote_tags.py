"""Which tags speak for which quote.

tags.py reads one stretch of narration for a tag; this module decides, for each quote of a
paragraph, which of the tags around it are its own: the narration after it, the narration
before it (between the halves of a split quote, the first half's tag), the paragraph before,
or the start of the next one; a lead-in before a quote outranks a tag after it that introduces
the next quote. It also finds, ahead of the pass, the speaker each paragraph's named tag gives
(`named_speakers`), and groups a paragraph's undecided quotes under its pronoun tags
(`tag_groups`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..types import Segment
from .context import BookContext, PassState, pick_name
from .data import Paragraph, QuoteState, Tag
from .tags import (
    LEAD_IN_END,
    SPEECH_TAGS,
    STRENGTH,
    has_sentence_break,
    introduced_as,
    is_anaphor,
    tag_after,
    tag_before,
    tag_previous_paragraph,
)
from .vocabulary import GESTURES, SPEECH_VERBS

Paragraphs = list[tuple[int, int, list[Segment]]]
"""(chapter, paragraph number, segments) in text order."""


def quote_tags(state: PassState, para: Paragraph, q: QuoteState) -> list[Tag]:
    """The tags of quote q, strongest first."""
    b, segs = state.book, para.segments
    before = segs[q.index - 1] if q.index > 0 else None
    after = segs[q.index + 1] if q.index + 1 < len(segs) else None
    found = []
    if after is not None and after.text.strip():
        t = tag_after(b, after)
        if t:
            found.append(t)
    elif q is para.quotes[-1]:
        t = _tag_opening_next_paragraph(b, para.number)
        if t:
            found.append(t)
    if before is not None:
        t = _tag_before_quote(b, segs, q.index, before)
        if t:
            found.append(t)
    else:
        t = _tag_from_previous_paragraph(state, para)
        if t:
            found.append(t)
    found.sort(key=lambda t: STRENGTH[t.kind], reverse=True)
    if after is not None and _introduces_next_quote(b, segs, q.index + 1):
        found = _lead_ins_first(found, before, after)
    if found and is_anaphor(found[0].mention):
        found = _anaphor_as_named(state, found)
    if found and found[0].mention.kind == "desc" and found[0].mention.generic:
        label = introduced_as(b, found[0].mention)
        if label is not None:  # "…," said the man': the man the narration brought in
            top = found[0]
            found[0] = Tag(top.kind, replace(top.mention, generic=False, label=label), top.verb)
    return found


def _tag_opening_next_paragraph(b: BookContext, number: int) -> Tag | None:
    """ "…"¶So began Miss Bates; …: the tag opens the next paragraph (inverted only: "So began
    Miss Bates", "said he")."""
    nxt = b.by_paragraph.get(number + 1)
    if not nxt or nxt[0].kind != "narration" or _opens_own_quote(b, nxt, number + 1):
        return None
    t = tag_after(b, nxt[0])
    first = b.tokens[b.tindex.first_at_or_after(nxt[0].start)] if t else None
    if (
        t
        and t.kind == "said-after"
        and t.mention.kind in ("name", "pron")
        and first is not None
        and first.lower in SPEECH_VERBS | {"so", "thus"}
        and t.verb not in ("thought",)
    ):
        return t
    return None


def _opens_own_quote(b: BookContext, segs: Sequence[Segment], number: int) -> bool:
    """ "…"¶Says I:¶"…": a paragraph that opens with a tag ending in ":" (or a lead-in right
    before its own quote) announces the quote that follows it, not the one before."""
    text = segs[0].text.rstrip()
    if len(segs) > 1 and segs[1].kind == "quote":
        return bool(LEAD_IN_END.search(text))
    after = b.by_paragraph.get(number + 1)
    return text.endswith(":") and after is not None and bool(after) and after[0].kind == "quote"


def _tag_before_quote(b: BookContext, segs: Sequence[Segment], k: int, before: Segment) -> Tag | None:
    """The tag in the narration before quote k. When that narration sits between the halves of
    a split quote ('"…," he added, as she laughed, "…"'), it is the first half's tag and speaks
    for both, unless it is a lead-in of its own ("…" She turned. He said: "…")."""
    t = tag_before(b, before)
    if (
        k >= 2
        and segs[k - 2].kind == "quote"
        and not has_sentence_break(before.text)
        and not before.text.rstrip().endswith(":")
        and not (t and t.kind == "said-before" and t.verb not in GESTURES)
        and not (t and t.kind == "lead-in" and t.verb and t.verb not in GESTURES)
    ):
        t = tag_after(b, before) or t
    return t


def _tag_from_previous_paragraph(state: PassState, para: Paragraph) -> Tag | None:
    """A narration paragraph that announces speech ("Katharine saw it, and exclaimed:") tags
    the quote that opens the next one. After a quote, though, such narration mostly tags that
    quote: only a new person (or an open lead-in ending with ":") introduces the next one."""
    b, segs, prev_turn = state.book, para.segments, para.prev_turn
    t = tag_previous_paragraph(b, para.number)
    if not t or prev_turn is None or prev_turn.paragraph != para.number - 1:
        return t
    pm = t.mention
    trailing = b.by_paragraph[para.number - 1][-1]
    own = tag_after(b, trailing) if trailing.kind == "narration" else None
    opens = b.text[max(0, segs[0].start - 200) : segs[0].start].rstrip().endswith(":")
    if (
        pm.kind == "name"
        and pick_name(pm, state.history) == prev_turn.speaker
        and not opens
        and own is not None
        and own.mention.start == pm.start
    ):
        return None  # that narration is the previous quote's own tag
    if pm.kind == "pron" and not b.text[
        max(0, segs[0].start - 200) : segs[0].start
    ].rstrip().endswith((":", ",")):
        return None
    return t


def _anaphor_as_named(state: PassState, found: list[Tag]) -> list[Tag]:
    """ "…the six armed man chose to be the group's speaker.¶"…" The man's voice…": an anaphor
    refers to the speaker another tag of this quote names, when their genders agree."""
    pm = found[0].mention
    for other in found[1:]:
        m = other.mention
        if not is_anaphor(m) and m.kind in ("name", "desc"):
            g = state.gender_of(pick_name(m, state.history)) if m.kind == "name" else m.gender
            if pm.gender in (g, "unknown") or g == "unknown":
                return [other]
            break
    return found


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


def named_speakers(b: BookContext, paragraphs: Paragraphs) -> dict[int, str]:
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


def tag_groups(
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
