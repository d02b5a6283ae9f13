"""Resolve a tag's mention to a character: a name via the alias index, "I" to the first-person
narrator, a distinctive description to a conversation partner or a new described speaker.
Pronouns and generic descriptions are left to the ranker (rank.py)."""

from __future__ import annotations

import re

from ..types import FIRST_PERSON
from .context import BookContext, PassState, per_book, pick_name
from .data import Decision, Paragraph, QuoteState, Tag
from .people import asks_name
from .tags import EVIDENCE, introduced_as
from .vocabulary import CONTINUATION_VERBS, ROLE_NOUNS, SPEECH_VERBS


def resolve_tag(state: PassState, para: Paragraph, q: QuoteState, tag: Tag) -> Decision | None:
    """The character a tag's mention refers to, or None when it cannot be resolved."""
    b, m, kind = state.book, tag.mention, tag.kind
    ev = EVIDENCE[kind]
    if m.kind == "name":
        name = pick_name(m, state.history)
        if name in q.addressees:
            return None
        return Decision(name, kind + ":name", f"{ev}: {snippet(b, m.start, kind)}")
    if m.kind == "pron" and m.gender == "first":
        name = b.narrator or FIRST_PERSON
        if not b.first_person and b.narrator is None:
            return None
        return Decision(
            name,
            kind + ":first",
            f"{ev}: {snippet(b, m.start, kind)} (first-person narrator)",
        )
    if m.kind == "desc" and not m.generic:
        return _resolve_description(state, para, q, tag)
    return None  # pronouns and generic descriptions go to the ranker


def _resolve_description(state: PassState, para: Paragraph, q: QuoteState, tag: Tag) -> Decision:
    """ "the happily deceived aunt" is usually someone in the conversation; "the strangely
    hooded man" with no named partner of his gender is a new, unnamed speaker."""
    b, m, kind = state.book, tag.mention, tag.kind
    ev = EVIDENCE[kind]
    if introduced_as(b, m) == m.label:
        label = state.describe(m)
        return Decision(label, kind + ":desc", f"{ev}: {snippet(b, m.start, kind)} (introduced as a new person)")
    prev_turn = para.prev_turn
    prev_spk = prev_turn.speaker if prev_turn is not None else None
    named = {t.speaker for t in para.recent if t.speaker in b.index.characters}
    if (
        prev_turn is not None
        and prev_spk is not None
        and q.seg.paragraph != prev_turn.paragraph
        and tag.verb not in CONTINUATION_VERBS
    ):
        named.discard(prev_spk)
    if m.label.rsplit(" ", 1)[-1] in ROLE_NOUNS:
        named = set()  # "said the maid": someone known by her job, not the named partner
    fits = [
        c
        for c in named
        if m.gender == "unknown" or state.gender_of(c) in (m.gender, "unknown")
    ]
    fits = [c for c in fits if c not in q.addressees]
    if len(fits) == 1:
        phrase = b.text[m.start : m.end]
        return Decision(
            fits[0],
            kind + ":desc-partner",
            f"{ev}: '{phrase}' = {fits[0]} (conversation partner)",
        )
    label = state.describe(m)
    return Decision(
        label, kind + ":desc", f"{ev}: {snippet(b, m.start, kind)} (described speaker)"
    )


@per_book
def snippet(b: BookContext, start: int, kind: str) -> str:
    """A few words of the tag whose mention starts at `start`, for the evidence string ("said
    Emma, laughing"); every hypothesis of the decoder quotes it the same."""
    if kind == "said-after":
        # include the verb that precedes the name ("said Emma")
        before = [
            w.strip(",;:") for w in b.text[max(0, start - 25) : start].split()
        ]
        lead = before[-1:] if before and before[-1].lower() in SPEECH_VERBS else []
        if lead and len(before) >= 2 and before[-2].endswith("ly"):
            lead = before[-2:]
        s = " ".join([*lead, *b.text[start : start + 80].split()])
    else:
        s = " ".join(b.text[start : start + 80].split())
    words = s.split(" ")[:5]
    cut = [i for i, w in enumerate(words) if w.startswith(('"', "“", "‘"))]
    if cut:
        words = words[: cut[0]]  # stop before the next quote
    return " ".join(words).rstrip(",.;:")


_SELF = re.compile(
    r"\b(?:I am|I'm|I’m|I m|It is I,?|it's me,?|my name(?:,[^,]{1,12},)? is|This is)\s+$",
    re.I,
)


def self_named(state: PassState, q: QuoteState) -> str | None:
    """ "Mary? I'm Katharine Hilbery!" / "It is I, McMurdo.": the speaker names herself."""
    b = state.book
    for m in b.mentions_between(q.seg.start, q.seg.end):
        if m.kind != "name" or m.possessive:
            continue
        lead = b.text[max(q.seg.start, m.start - 24) : m.start]
        if _SELF.search(lead):
            after = b.text[m.end : m.end + 2]
            if (
                after[:1] in ("!", ".", ",", "?", '"', "”", ";", "")
                or after[:1].isspace()
                and not after[1:2].islower()
            ):
                return pick_name(m, state.history)
    return None


def named_in_reply(state: PassState, para: Paragraph, q: QuoteState) -> str | None:
    """ '"What is your name?" I asked. / "Liza," she answered': a quote that is nothing but a
    name, answering the previous turn's question for a name, is the speaker's own name (when the
    gender of a pronoun tag fits)."""
    b, prev = state.book, para.prev_turn
    if prev is None or para.number - prev.paragraph > 2:
        return None
    if not asks_name(b.by_paragraph.get(prev.paragraph, ())):
        return None
    names = [m for m in b.mentions_between(q.seg.start, q.seg.end) if m.kind == "name"]
    if len(names) != 1 or names[0].possessive:
        return None
    m = names[0]
    if b.text[q.seg.start : m.start].strip(_QUOTE_PUNCT) or b.text[m.end : q.seg.end].strip(_QUOTE_PUNCT):
        return None
    name = pick_name(m, state.history)
    if q.pron_tag is not None and state.gender_of(name) not in (q.pron_tag.mention.gender, "unknown"):
        return None
    return name


_QUOTE_PUNCT = " \n,.!?;:'\"“”‘’«»—-"
