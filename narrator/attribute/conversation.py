"""Conversation structure: vocatives (who is addressed) and turn-taking.

A name said *to* someone ("I'm sorry Naruto, but…") is the addressee, never the speaker; the
addressee of one turn is the likeliest speaker of the reply. Untagged turns in a dialogue
alternate between the last two speakers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ._text import Token
from .data import Mention, Turn

_INTERJECTIONS = frozenset(
    """oh o ah sorry thanks thank yes no well hello hi hey goodbye good-bye bye please dear
    dearest darling poor my come look listen now nay why alas indeed ay aye farewell morning
    evening night sir madam""".split()
)
_SUBJECT_AFTER_ASIDE = re.compile(
    r",\s*(?:I|you|we)\s+(?:\w+\s+)?\w+,\s*(?:is|was|has|had|will|would|can|could|does|did|must|"
    r"may|might|should|shall|never|always|knows|says|thinks)\b"
)
_RELATIVE_AFTER = re.compile(r",\s*(?:who|whom|whose|which)\b[^.!?\"“”]{0,300}[.!]")
"""A relative clause after the name, in a sentence that asks nothing: "Mr. Elton, who might marry
any body!" speaks of him ("Jack, who is at the door?" still asks Jack)."""
_OPEN = "\"“‘'«"
_CLOSE = "\"”’'»"


def vocatives(
    text: str,
    quote_start: int,
    quote_end: int,
    quote_mentions: Sequence[Mention],
    tokens: Sequence[Token],
) -> tuple[str, ...]:
    """Characters addressed by name inside one quote segment."""
    found: list[str] = []
    for m in quote_mentions:
        if m.kind != "name" or len(m.names) != 1 or m.possessive:
            continue
        before = text[quote_start : m.start].rstrip()
        prev = tokens[m.tok - 1] if m.tok > 0 else None
        pre_ok = (
            before == ""
            or before[-1] in _OPEN + ",!?;.—-"
            or (
                prev is not None
                and prev.start >= quote_start
                and prev.lower in _INTERJECTIONS
            )
        )
        after = text[m.end : quote_end].lstrip()
        post_ok = after == "" or after[0] in ",!?.;—-" + _CLOSE
        if _SUBJECT_AFTER_ASIDE.match(after):
            continue  # "Mr. Martin, I suppose, is not a man of information": spoken of, not to
        if _RELATIVE_AFTER.match(after):
            continue
        if pre_ok and post_ok and m.names[0] not in found:
            # "Emma said." inside a quote or "Then Emma, ..." at a sentence start is no vocative
            if (
                before
                and before[-1] in ".!?"
                and after[:1] not in ("!", "?", ",")
                and after
            ):
                continue
            found.append(m.names[0])
    return tuple(found)


RECENT = 6
"""Turns `Conversation.recent` gives at most, unless asked for fewer."""


@dataclass
class Conversation:
    """The recent quote paragraphs, newest last."""

    turns: list[Turn] = field(default_factory=list)
    max_gap: int = 2

    def recent(self, paragraph: int, most: int = RECENT) -> list[Turn]:
        """Up to `most` turns of the conversation the paragraph belongs to (gaps of ≤ max_gap
        paragraphs), newest first."""
        out: list[Turn] = []
        last = paragraph
        for t in reversed(self.turns):
            if last - t.paragraph > self.max_gap:
                break
            out.append(t)
            last = t.paragraph
            if len(out) >= most:
                break
        return out

    def add(self, turn: Turn) -> None:
        if self.turns and self.turns[-1].paragraph == turn.paragraph:
            self.turns[-1] = turn
        else:
            self.turns.append(turn)
        if len(self.turns) > 50:
            del self.turns[:25]
