"""The data the attribution steps pass to each other.

Steps, in order: characters → mentions (`Mention`) → tags (`Tag`) → conversation (`Turn`) →
ranking and rules (`Decision`, kept per quote in `QuoteState`), with `History` holding who is
in focus. This module imports nothing else of the attribute package, so every step can use
these types without importing another step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..types import Segment


@dataclass(frozen=True, slots=True)
class Mention:
    """A person mentioned in the text: a name, a pronoun or a description."""

    start: int
    end: int
    tok: int
    """Index of the first token."""
    tok_end: int
    kind: str
    """name, pron (he/she/I) or desc ("the six armed man", "his wife")."""
    names: tuple[str, ...] = ()
    """Characters a name may refer to (more than one when an alias is shared)."""
    gender: str = "unknown"
    possessive: bool = False
    label: str = ""
    """For descriptions: a speaker name usable in a cast ("the six-armed man")."""
    generic: bool = True
    """For descriptions: only generic modifiers ("the old man"), so it may be a known character."""


@dataclass(frozen=True, slots=True)
class Tag:
    """Narration next to a quote that points at its speaker ("said Emma", "She sighed.")."""

    kind: str
    """said-after, said-before, possessive, lead-in, lead-in-prev, beat-after, beat-before
    (see `tags.STRENGTH`)."""
    mention: Mention
    """Who the tag names (a name, a pronoun or a description)."""
    verb: str
    """The speech verb or noun ("said", "went on", "reply"); "" for an action beat."""


@dataclass(frozen=True, slots=True)
class Decision:
    """Who speaks a quote, by which rule, and why."""

    speaker: str
    kind: str
    """The rule that decided, e.g. "said-after:name", or "ranked"."""
    evidence: str
    confidence: float | None = None
    """Set by the ranker; None means the measured accuracy of the rule `kind`."""


@dataclass
class Turn:
    """One paragraph of a conversation: who spoke and to whom."""

    paragraph: int
    speaker: str
    addressees: tuple[str, ...] = ()
    unclosed: bool = False
    """The paragraph's last quote has no closing mark: the quote goes on in the next paragraph."""


@dataclass
class QuoteState:
    """A quote of the paragraph being decided; the pass fills in its tag and decision."""

    chapter: int
    seg: Segment
    index: int  # position in the paragraph's segment list
    addressees: tuple[str, ...] = ()
    decision: Decision | None = None
    pron_tag: Tag | None = None
    """An anaphoric tag ("he said", "the old man said") left to the ranker."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph that holds quotes, as the pass decides it."""

    chapter: int
    number: int
    segments: Sequence[Segment]
    quotes: Sequence[QuoteState]
    prev_turn: Turn | None
    """The conversation's latest turn, when it is an earlier paragraph."""
    recent: Sequence[Turn]
    """The conversation's turns up to this paragraph, newest first."""


SPEAKER = 2.0
"""Focus weight of a character who just spoke."""
SUBJECT = 1.6
"""Focus weight of the subject of a narration sentence."""
OTHER = 1.0
"""Focus weight of a character merely named in passing."""
JOINT = 0.9
"""Focus weight of one of two people of the same gender named together ("Holmes and Jones sat"):
both are in the scene, but a "he" that follows means neither of them (a writer who meant one of
two men just named together would name him), so pronouns skip these entries (`History.ranked`)."""


class History:
    """Characters in focus, most recent last (narration mentions and attributed speakers).

    Salience is recency weighted by role: a character who just spoke or is the subject of a
    sentence stays in focus longer than one merely named in passing ("…fit M. Riviere into any
    picture. He perceived…" — "he" is still the subject of the paragraph, not M. Riviere).
    """

    def __init__(self) -> None:
        self.entries: list[tuple[int, str, float]] = []

    def copy(self) -> History:
        """An independent copy (the entries are immutable tuples, shared) for another pass."""
        new = History()
        new.entries = self.entries.copy()
        return new

    def add(self, pos: int, name: str, weight: float = OTHER) -> None:
        if self.entries and self.entries[-1][1] == name and JOINT not in (weight, self.entries[-1][2]):
            _, _, w = self.entries[-1]
            self.entries[-1] = (pos, name, max(w, weight))
            return
        self.entries.append((pos, name, weight))
        if len(self.entries) > 400:
            del self.entries[:200]

    def most_salient(
        self, gender: str, before: int, gender_of: Callable[[str], str], limit: int = 60
    ) -> str | None:
        """The most salient character of this gender at `before` (the first in focus on a tie),
        not counting people named together with another of their gender; None when no one of
        it is in focus. What a subject "he" or "his" refers to."""
        found, nearest = None, 0.0
        for name, dist in self._distances(before, limit, skip_joint=True).items():
            if (found is None or dist < nearest) and gender_of(name) == gender:
                found, nearest = name, dist
        return found

    def salience(self, before: int, limit: int = 80) -> list[tuple[str, float]]:
        """(character, weighted distance) for everyone in focus, most salient first."""
        return sorted(self._distances(before, limit).items(), key=lambda kv: kv[1])

    def _distances(self, before: int, limit: int, skip_joint: bool = False) -> dict[str, float]:
        """Character → distance of their nearest entry before `before` among the last `limit`
        entries, divided by its weight (a speaker stays near longer than a passing name);
        `skip_joint`: not counting people named together with another of their gender (JOINT)."""
        best: dict[str, float] = {}
        nearest, far, edge = best.get, math.inf, before + 50
        for pos, name, weight in reversed(self.entries[-limit:]):
            if pos < before and (weight != JOINT or not skip_joint):
                dist = (edge - pos) / weight
                if dist < nearest(name, far):
                    best[name] = dist
        return best

    def last_subject(self, before: int) -> str | None:
        """The character most recently the subject of a narration sentence."""
        for pos, name, weight in reversed(self.entries[-30:]):
            if pos < before and weight == SUBJECT:
                return name
        return None
