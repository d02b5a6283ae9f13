"""Who is in the scene: the people who spoke or acted in it lately.

Salience (data.History) counts every mention by distance, so a person the dialogue talks about,
or one who left the room, stays as salient as the people in it. Presence is narrower: a person
is present when they spoke (a decided turn) or were the subject of a narration clause (by name,
description or a resolved pronoun) since the scene began (a chapter start or a scene-break line
such as "* * *"), within `WINDOW` paragraphs, and did not leave since ("he went out"). Mentions
inside quotes and objects of a clause make nobody present. Everything is read from the focus
history the pass already keeps, so presence needs no state of its own.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Sequence

from ._text import Token
from .context import BookContext
from .data import SUBJECT, History

WINDOW = int(os.environ.get("PRES_WINDOW", "12"))
NOPRON = os.environ.get("PRES_NOPRON") == "1"
MINW = float(os.environ.get("PRES_MINW", "1.6"))
"""Paragraphs after their last act that a person stays present."""
LOOKBACK = 80
"""History entries read back (the history keeps a few hundred)."""

_SCENE_MARK = re.compile(r"^(?:[*#~=_•·◇◆§-]\s*)+$")
_GONE = frozenset("left departed withdrew vanished disappeared".split())
"""A subject followed by one of these has left the scene ("Tom left the room")."""
_MOVE = frozenset("went gone hurried walked ran stepped rushed".split())
_AWAY = frozenset("out away off".split())
"""… or by a verb of motion and one of these ("he went out", "she hurried away")."""
_SKIP = frozenset("had has then soon presently".split())


def present(b: BookContext, history: History, pos: int, paragraph: int) -> dict[str, tuple[int, int]]:
    """Character → paragraphs since their last act, for everyone present at `pos` (in
    `paragraph`): acted since the scene began and within WINDOW paragraphs, not gone since."""
    start = _scene_start(b, pos)
    gone = _leavings(b)
    out: dict[str, tuple[int, int]] = {}
    seen: set[str] = set()
    for p, name, weight in reversed(history.entries[-LOOKBACK:]):
        if p >= pos:
            continue
        if p < start:
            break
        if name in seen:
            continue
        if p in gone:
            seen.add(name)
            continue
        if weight < SUBJECT:
            continue
        gap = paragraph - _paragraph_at(b, p)
        if gap > WINDOW:
            continue
        seen.add(name)
        out[name] = (max(0, gap), p)
    return out


def _scene_start(b: BookContext, pos: int) -> int:
    """Where the scene holding `pos` began: its chapter's start or the last scene-break line."""
    starts: list[int] = b.memo("presence.scenes", _scene_starts)
    i = bisect_right(starts, pos) - 1
    return starts[i] if i >= 0 else 0


def _scene_starts(b: BookContext) -> list[int]:
    starts: list[int] = []
    chapter = None
    for ch, s in b.ordered:
        if ch != chapter:
            chapter = ch
            starts.append(s.start)
        elif s.kind == "narration" and is_scene_break(s.text):
            starts.append(s.end)
    return starts


def is_scene_break(text: str) -> bool:
    """A narration segment that is only a scene-break mark ("* * *", "#", "~ ~ ~")."""
    body = text.strip()
    return 0 < len(body) <= 40 and _SCENE_MARK.match(body) is not None


def _paragraph_at(b: BookContext, pos: int) -> int:
    """The paragraph number of the segment holding `pos`."""
    starts, numbers = b.memo("presence.paragraphs", _paragraph_index)
    i = bisect_right(starts, pos) - 1
    return int(numbers[max(0, i)]) if numbers else 0


def _paragraph_index(b: BookContext) -> tuple[list[int], list[int]]:
    return [s.start for _, s in b.ordered], [s.paragraph for _, s in b.ordered]


def _leavings(b: BookContext) -> frozenset[int]:
    """Starts of narration subject mentions whose clause says the person left ("Tom went out")."""
    found: frozenset[int] = b.memo("presence.leavings", _find_leavings)
    return found


def _find_leavings(b: BookContext) -> frozenset[int]:
    found = set()
    for i, m in enumerate(b.mentions):
        if m.possessive or b.narration_weight(i) != SUBJECT:
            continue
        if leaves(b.tokens, m.tok_end):
            found.add(m.start)
    return frozenset(found)


def leaves(tokens: Sequence[Token], k: int) -> bool:
    """The words from token k say their subject left: "left", "went out", "had gone away"."""
    n = len(tokens)
    for _ in range(3):
        if k < n and (tokens[k].lower in _SKIP or tokens[k].lower.endswith("ly")):
            k += 1
    if k >= n:
        return False
    w = tokens[k].lower
    if w in _GONE:
        return True
    return w in _MOVE and k + 1 < n and tokens[k + 1].lower in _AWAY

