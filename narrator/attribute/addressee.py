"""Whom a turn's narration says the speaker spoke to: "she said, turning to Mary", "he asked
Emma", "said John to Mrs. Weston", "with a nod to Ralph". The one spoken to is not the speaker
(rank.py, feature `told_now`: in the ranked choices of the train novels where the hearer so read
was a candidate, it was the speaker in 9 of 77). As the speaker of the next turn the hearer is
no cue the ranker can use: by the gold labels alone the hearer speaks next in 47 % of the turns
that name one (the partner of plain alternation in 35 %), but the ranker's other cues already
hold that, and the refitted weight is about zero (bench/turn_taking.py).

Read from grammar alone: a name right after "to", "at", "towards" or "upon" in a clause with a
verb of speaking, turning, looking or gesturing before it, or right after a speech verb that
takes the hearer as object ("asked Emma") when a subject comes before that verb (after a quote,
'"Yes," asked Emma' is inverted: Emma is the speaker).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..types import Segment
from ._text import Token
from .context import BookContext, per_book
from .data import Mention
from .vocabulary import ABBREVIATIONS, SPEECH_VERBS

_TOWARD_VERBS = SPEECH_VERBS | frozenset(
    """turn turned turning turns look looked looking looks glance glanced glancing glances
    smile smiling smiles nod nodding nods bow bowed bowing bows speak spoke speaking speaks talk
    talked talking talks address addressed addressing addresses appeal appealed appealing
    stare stared staring gaze gazed gazing wink winked winking""".split()
)
"""Verbs whose "to"/"at" phrase is the person spoken to ("turning to Mary", "smiled at him")."""
_HEARER_VERBS = frozenset(
    """ask asked asks tell told tells answer answered answers interrupt interrupted assure assured
    remind reminded warn warned beg begged urge urged thank thanked address addressed question
    questioned inform informed bade bid accost accosted greet greeted implore implored entreat
    entreated beseech besought reassure reassured asking telling answering interrupting assuring
    reminding warning begging urging thanking addressing questioning informing greeting imploring
    entreating""".split()
)
"""Speech verbs that take the hearer as their object ("she asked Emma")."""
_TO = frozenset("to at towards toward upon".split())
_CLAUSE_BREAK = re.compile(r"[.;:!?\"“”‘’()—]")
"""A mark between two words that ends the clause the verb governs."""
_REACH = 6
"""Words between the verb and "to" at most ("turned her eyes slowly to Mary")."""
_SUBJECTS = frozenset("i he she we they".split())
"""A subject pronoun between the verb and "to" starts another clause ("said Emma, and she
walked to Harriet")."""


@per_book
def narration_addressees(b: BookContext, paragraph: int) -> tuple[Mention, ...]:
    """The name mentions the paragraph's narration makes the hearer of its speaker, in text order.
    Narration after the last quote that ends in a colon leads in the next paragraph's quote ("he
    whispers to Jim and says:"): its hearer is the next speaker's (`lead_in_addressees`)."""
    segs = b.by_paragraph.get(paragraph, ())
    lead_in = _lead_in(segs)
    own = [seg for k, seg in enumerate(segs) if seg.kind == "narration" and k not in lead_in]
    return tuple(m for seg in own for m in _hearers(b, seg))


@per_book
def lead_in_addressees(b: BookContext, paragraph: int) -> tuple[Mention, ...]:
    """The hearers named in the lead-in that the paragraph before gives this one's first quote."""
    segs = b.by_paragraph.get(paragraph - 1, ())
    return tuple(m for k in _lead_in(segs) for m in _hearers(b, segs[k]))


def _lead_in(segs: Sequence[Segment]) -> set[int]:
    """Indices of the narration after a paragraph's last quote when it ends in a colon."""
    last_quote = max((k for k, s in enumerate(segs) if s.kind == "quote"), default=-1)
    return {
        k
        for k, s in enumerate(segs)
        if k > last_quote and s.kind == "narration" and s.text.rstrip().endswith(":")
    }


def _hearers(b: BookContext, seg: Segment) -> list[Mention]:
    return [
        m
        for m in b.mentions_between(seg.start, seg.end)
        if m.kind == "name" and not m.possessive and m.tok > 0 and _hearer(b, m, seg.start)
    ]


def _hearer(b: BookContext, m: Mention, start: int) -> bool:
    """Mention m (in narration that starts at `start`) is the object of a verb of speaking to,
    turning to or looking at someone."""
    toks, text = b.tokens, b.text
    k = m.tok - 1
    prev = toks[k]
    if prev.start < start or _broken(text, toks, k):
        return False
    if prev.lower in _TO:
        for j in range(k - 1, max(k - 1 - _REACH, -1), -1):
            if toks[j].start < start or _broken(text, toks, j) or toks[j].lower in _SUBJECTS:
                return False
            if toks[j].lower in _TOWARD_VERBS:
                return True
        return False
    if prev.lower in _HEARER_VERBS and k > 0:
        return toks[k - 1].start >= start and not _broken(text, toks, k - 1)
    return False


def _broken(text: str, toks: Sequence[Token], j: int) -> bool:
    """A clause ends between token j and the next ("Mr. Knightley" is one name)."""
    gap = text[toks[j].end : toks[j + 1].start]
    if gap.strip() == "." and toks[j].lower in ABBREVIATIONS:
        return False
    return _CLAUSE_BREAK.search(gap) is not None
