"""Resolve a mention to a character: names via the alias index, pronouns and descriptions to
the most salient gender-compatible character in focus.

Salience is recency weighted by role: a character who just spoke or is the subject of a
sentence stays in focus longer than one merely named in passing ("…fit M. Riviere into any
picture. He perceived…" — "he" is still the subject of the paragraph, not M. Riviere).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..types import NARRATOR
from .context import pick_name
from .rank import Decision
from .tags import EVIDENCE
from .vocabulary import CONTINUATION_VERBS, ROLE_NOUNS, SPEECH_VERBS

if TYPE_CHECKING:
    from .context import BookContext, QuoteState
    from .conversation import Turn
    from .mentions import Mention

SPEAKER = 2.0
SUBJECT = 1.6
OTHER = 1.0


class History:
    """Characters in focus, most recent last (narration mentions and attributed speakers)."""

    def __init__(self, gender_of: Callable[[str], str]) -> None:
        self.entries: list[tuple[int, str, float]] = []
        self.gender_of = gender_of

    def add(self, pos: int, name: str, weight: float = OTHER) -> None:
        if self.entries and self.entries[-1][1] == name:
            _, _, w = self.entries[-1]
            self.entries[-1] = (pos, name, max(w, weight))
            return
        self.entries.append((pos, name, weight))
        if len(self.entries) > 400:
            del self.entries[:200]

    def ranked(
        self,
        gender: str,
        before: int,
        boost: dict[str, float] | None = None,
        limit: int = 60,
    ) -> list[str]:
        """Gender-compatible characters by salience at `before` (exact gender before unknown)."""
        best: dict[str, float] = {}
        for pos, name, weight in reversed(self.entries[-limit:]):
            if pos >= before:
                continue
            dist = (before - pos + 50) / weight
            if boost and name in boost:
                dist *= boost[name]
            if name not in best or dist < best[name]:
                best[name] = dist
        exact, weak = [], []
        for name in sorted(best, key=best.__getitem__):
            g = self.gender_of(name)
            if gender in ("unknown", "any") or g == gender:
                exact.append(name)
            elif g == "unknown":
                weak.append(name)
        return exact + weak

    def salience(self, before: int, limit: int = 80) -> list[tuple[str, float]]:
        """(character, weighted distance) for everyone in focus, most salient first."""
        best: dict[str, float] = {}
        for pos, name, weight in reversed(self.entries[-limit:]):
            if pos >= before:
                continue
            dist = (before - pos + 50) / weight
            if name not in best or dist < best[name]:
                best[name] = dist
        return sorted(best.items(), key=lambda kv: kv[1])

    def last_subject(self, before: int) -> str | None:
        """The character most recently the subject of a narration sentence."""
        for pos, name, weight in reversed(self.entries[-30:]):
            if pos < before and weight == SUBJECT:
                return name
        return None



def resolve_tag(
    b: BookContext,
    history: History,
    m: Mention,
    kind: str,
    verb: str,
    q: QuoteState,
    prev_turn: Turn | None,
    recent: list[Turn],
) -> Decision | None:
    """The character a tag's mention refers to, or None when it cannot be resolved."""
    phrase = b.text[m.start : m.end]
    ev = EVIDENCE[kind]
    if m.kind == "name":
        name = pick_name(m, history)
        if name in q.addressees:
            return None
        return Decision(name, kind + ":name", f"{ev}: {snippet(b, m, kind)}")
    if m.kind == "pron" and m.gender == "first":
        name = b.narrator or NARRATOR
        if not b.first_person and b.narrator is None:
            return None
        return Decision(
            name,
            kind + ":first",
            f"{ev}: {snippet(b, m, kind)} (first-person narrator)",
        )
    if m.kind == "desc" and not m.generic:
        # "the happily deceived aunt" is usually someone in the conversation; "the strangely
        # hooded man" with no named partner of his gender is a new, unnamed speaker
        prev_spk = prev_turn.speaker if prev_turn is not None else None
        named = {t.speaker for t in recent if t.speaker in b.index.characters}
        if (
            prev_turn is not None
            and prev_spk is not None
            and q.seg.paragraph != prev_turn.paragraph
            and verb not in CONTINUATION_VERBS
        ):
            named.discard(prev_spk)
        if m.label.rsplit(" ", 1)[-1] in ROLE_NOUNS:
            named = set()  # "said the maid": someone known by her job, not the named partner
        fits = [
            c
            for c in named
            if m.gender == "unknown" or b.gender_of(c) in (m.gender, "unknown")
        ]
        fits = [c for c in fits if c not in q.addressees]
        if len(fits) == 1:
            return Decision(
                fits[0],
                kind + ":desc-partner",
                f"{ev}: '{phrase}' = {fits[0]} (conversation partner)",
            )
        label = b.describe(m)
        return Decision(
            label, kind + ":desc", f"{ev}: {snippet(b, m, kind)} (described speaker)"
        )
    return None  # pronouns and generic descriptions go to the ranker


def snippet(b: BookContext, m: Mention, kind: str) -> str:
    """A few words of the tag for the evidence string ("said Emma, laughing")."""
    if kind == "said-after":
        # include the verb that precedes the name ("said Emma")
        before = [
            w.strip(",;:") for w in b.text[max(0, m.start - 25) : m.start].split()
        ]
        lead = before[-1:] if before and before[-1].lower() in SPEECH_VERBS else []
        if lead and len(before) >= 2 and before[-2].endswith("ly"):
            lead = before[-2:]
        s = " ".join([*lead, *b.text[m.start : m.start + 80].split()])
    else:
        s = " ".join(b.text[m.start : m.start + 80].split())
    words = s.split(" ")[:5]
    cut = [i for i, w in enumerate(words) if w.startswith(('"', "“", "‘"))]
    if cut:
        words = words[: cut[0]]  # stop before the next quote
    return " ".join(words).rstrip(",.;:")


_SELF = re.compile(
    r"\b(?:I am|I'm|I’m|I m|It is I,?|it's me,?|my name(?:,[^,]{1,12},)? is|This is)\s+$",
    re.I,
)


def self_named(b: BookContext, q: QuoteState, history: History) -> str | None:
    """ "Mary? I'm Katharine Hilbery!" / "It is I, McMurdo.": the speaker names herself."""
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
                return pick_name(m, history)
    return None
