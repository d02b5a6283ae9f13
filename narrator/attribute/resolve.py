"""Resolve a mention to a character: names via the alias index, pronouns and descriptions to
the most recent gender-compatible character in focus."""
from __future__ import annotations

from collections.abc import Callable, Iterable


class History:
    """Characters in focus, most recent last (narration mentions and attributed speakers)."""

    def __init__(self, gender_of: Callable[[str], str]) -> None:
        self.entries: list[tuple[int, str]] = []
        self.gender_of = gender_of

    def add(self, pos: int, name: str) -> None:
        if self.entries and self.entries[-1][1] == name:
            self.entries[-1] = (pos, name)
            return
        self.entries.append((pos, name))
        if len(self.entries) > 400:
            del self.entries[:200]

    def candidates(self, gender: str, before: int | None = None, limit: int = 60) -> list[str]:
        """Gender-compatible characters, most recent first (exact gender before unknown)."""
        exact: list[str] = []
        weak: list[str] = []
        seen: set[str] = set()
        for pos, name in reversed(self.entries[-limit:]):
            if before is not None and pos >= before:
                continue
            if name in seen:
                continue
            seen.add(name)
            g = self.gender_of(name)
            if gender in ("unknown", "any") or g == gender:
                exact.append(name)
            elif g == "unknown":
                weak.append(name)
        return exact + weak

    def latest(self, exclude: Iterable[str] = (), before: int | None = None) -> str | None:
        ex = set(exclude)
        for pos, name in reversed(self.entries[-60:]):
            if before is not None and pos >= before:
                continue
            if name not in ex:
                return name
        return None
