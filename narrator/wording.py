"""Counts as people write them: "1 line", "2 lines", "0 chapters"."""
from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, singular for exactly one; `plural` when adding "s" is wrong."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


__all__ = ["counted"]
