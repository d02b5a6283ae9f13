"""Tokens and sentence boundaries.

The whole book is tokenized once (pure regex, linear time); other modules work on token
indices and character offsets into `Book.text`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from .vocabulary import ABBREVIATIONS, AFTER_OBJECT_HER

_L = "A-Za-z\u00c0-\u024f"
_WORD = re.compile(rf"[{_L}](?:(?:[{_L}'’]|-(?=[{_L}]))*[{_L}])?")
_HONORIFIC_SUFFIX = re.compile(
    r"^(.+?)-(?:sama|san|kun|chan|sensei|senpai|dono|nii|nee)$", re.I
)

_BREAK = re.compile(r'[.!?"“”‘:;—()\[\]]')
"""A mark in the gap before a word that makes it the first of a sentence, quote or aside."""

_CONTRACTIONS = frozenset(
    "it's he's she's that's what's there's let's here's who's where's how's when's why's".split()
)


@dataclass(slots=True)
class Token:
    """A word of the book. Not frozen, though never changed after `tokenize`: a book has one per
    word, and a frozen dataclass costs four times as much to build (a third of tokenizing)."""

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
    gaps: dict[str, int] = {}
    for m in _WORD.finditer(text):
        raw = m.group()
        start = m.start()
        word, possessive = raw, False
        if raw[-2:] in _POSSESSIVE_ENDS and len(raw) > 3 and raw.lower() not in _CONTRACTIONS:
            word, possessive = raw[:-2], True  # a word always ends in a letter: "'s", never "'"
        if "-" in word:
            sm = _HONORIFIC_SUFFIX.match(word)
            if sm:
                word = sm.group(1)
        gap = text[prev_end:start]
        if raw == "s" and gap == " " and tokens and tokens[-1].cap and not tokens[-1].possessive:
            # "Cassandra s words": a text whose apostrophes were lost
            t = tokens[-1]
            tokens[-1] = Token(t.start, t.end, t.word, t.lower, t.cap, True, t.initial)
            prev_end = m.end()
            continue
        kind = gaps.get(gap)
        if kind is None:
            kind = gaps[gap] = _gap_kind(gap)
        initial = (
            kind == _STARTS
            or kind == _BREAKS and not (prev_lower in ABBREVIATIONS and gap.strip() == ".")
            or not tokens
        )
        prev_lower = word.lower()
        cap = word[0].isupper() or bool(_ELIDED_PARTICLE.match(word))
        tokens.append(Token(start, start + len(word), word, prev_lower, cap, possessive, initial))
        prev_end = m.end()
    return tokens


_POSSESSIVE_ENDS = ("'s", "’s")
_ELIDED_PARTICLE = re.compile(r"[dl]['’][A-Z]")
"""A name behind an elided particle ("d'Artagnan", "l'Estrange") is capitalised all the same."""
_BREAKS, _STARTS = 1, 2
"""`_gap_kind`: a sentence mark in the gap (the word starts a sentence unless the mark is the
dot of an abbreviation), or a paragraph break or an opening single quote (it always does)."""


def _gap_kind(gap: str) -> int:
    """How the gap before a word bears on its being `initial` (0: it does not); gaps repeat, so
    `tokenize` classifies each distinct gap once."""
    if "\n\n" in gap or (gap.startswith("'") or gap.endswith("'") or "‘" in gap) and not gap.strip(" \n'"):
        return _STARTS
    return _BREAKS if _BREAK.search(gap) is not None else 0


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


def object_her(text: str, tokens: Sequence[Token], j: int) -> bool:
    """ "her" at token j is an object, not a possessive: a function word or punctuation follows
    ("Fitzwilliam asked her why", "startled her, by saying"; not "her head")."""
    if tokens[j].lower != "her":
        return False
    if j + 1 >= len(tokens):
        return True
    nxt = tokens[j + 1]
    return nxt.lower in AFTER_OBJECT_HER or bool(text[tokens[j].end : nxt.start].strip())
