"""Resolve a mention to a character: names via the alias index, pronouns and descriptions to
the most salient gender-compatible character in focus.

Salience is recency weighted by role: a character who just spoke or is the subject of a
sentence stays in focus longer than one merely named in passing ("…fit M. Riviere into any
picture. He perceived…" — "he" is still the subject of the paragraph, not M. Riviere).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

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

    def ranked(self, gender: str, before: int, boost: dict[str, float] | None = None,
               limit: int = 60) -> list[str]:
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

    def latest(self, exclude: Iterable[str] = (), before: int | None = None) -> str | None:
        ex = set(exclude)
        for pos, name, _ in reversed(self.entries[-60:]):
            if before is not None and pos >= before:
                continue
            if name not in ex:
                return name
        return None
