"""Tokens and sentence boundaries.

The whole book is tokenized once (pure regex, linear time); other modules work on token
indices and character offsets into `Book.text`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from .vocabulary import ABBREVIATIONS

_L = "A-Za-z\u00c0-\u024f"
_WORD = re.compile(rf"[{_L}](?:(?:[{_L}'’]|-(?=[{_L}]))*[{_L}])?")
_POSSESSIVE = re.compile(r"^(.+?)(?:['’]s|['’])$")
_HONORIFIC_SUFFIX = re.compile(
    r"^(.+?)-(?:sama|san|kun|chan|sensei|senpai|dono|nii|nee)$", re.I
)

_BREAK = re.compile(r'[.!?"“”‘:;—()\[\]]')
"""A mark in the gap before a word that makes it the first of a sentence, quote or aside."""

_CONTRACTIONS = frozenset(
    "it's he's she's that's what's there's let's here's who's where's how's when's why's".split()
)


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    word: str
    """Surface form, possessive and Japanese honorific suffix removed."""
    lower: str
    cap: bool
    possessive: bool
    initial: bool
    """First word of a sentence, a paragraph or a quote (capitalised for grammar, not as a name)."""


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    prev_end = 0
    prev_lower = ""
    for m in _WORD.finditer(text):
        raw = m.group()
        word, possessive = raw, False
        pm = _POSSESSIVE.match(raw)
        if pm and len(pm.group(1)) > 1 and raw.lower() not in _CONTRACTIONS:
            word, possessive = pm.group(1), True
        sm = _HONORIFIC_SUFFIX.match(word)
        if sm:
            word = sm.group(1)
        gap = text[prev_end : m.start()]
        if raw == "s" and gap == " " and tokens and tokens[-1].cap and not tokens[-1].possessive:
            # "Cassandra s words": a text whose apostrophes were lost
            t = tokens[-1]
            tokens[-1] = Token(t.start, t.end, t.word, t.lower, t.cap, True, t.initial)
            prev_end = m.end()
            continue
        initial = (
            not tokens
            or _BREAK.search(gap) is not None
            and not (prev_lower in ABBREVIATIONS and gap.strip() == ".")
            or "\n\n" in gap
            or (gap.startswith("'") or gap.endswith("'") or "‘" in gap)
            and not gap.strip(" \n'")
        )
        prev_lower = word.lower()
        tokens.append(
            Token(
                m.start(),
                m.start() + len(word),
                word,
                prev_lower,
                word[0].isupper(),
                possessive,
                bool(initial),
            )
        )
        prev_end = m.end()
    return tokens


_ABBREV_LOOKBEHIND = r"(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bM\.)(?<!\bMme\.)(?<!\b[A-Z]\.)"
_SENTENCE_END = re.compile(
    r"(?<=[.!?…])" + _ABBREV_LOOKBEHIND + r"[\"'”’)\]]*\s+(?=[\"“‘'(]?[A-Z0-9])|\n\s*\n"
)


def last_sentence(text: str) -> tuple[int, str]:
    """(offset, text) of the final sentence of `text` (offset relative to `text`)."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() < len(text.rstrip()):
            start = m.end()
    return start, text[start:]


class TokenIndex:
    """Tokens of the book with fast range lookup."""

    __slots__ = ("tokens", "starts")

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.starts = [t.start for t in tokens]

    def between(self, start: int, end: int) -> range:
        return range(bisect_left(self.starts, start), bisect_left(self.starts, end))

    def first_at_or_after(self, pos: int) -> int:
        return bisect_left(self.starts, pos)
