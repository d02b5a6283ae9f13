"""The book teaches itself: each character's way of speaking, learned from the quotes the book
tags with their name.

A named tag ("…," said Emma) is decided by rule and right about 97 % of the time, so the tagged
quotes are labelled examples of how each character talks: the forms of address they use ("sir",
"ma'am", "my dear", a name they call others), contractions and dialect spellings ("don't",
"ain't", "'em"), the words they favour, and how often they exclaim or ask. `StyleModel` is a
multinomial word model per character, interpolated with the book's dialogue as a whole, so a
character with few examples scores close to 0 and one without examples exactly 0. The ranker
reads how much better a candidate's model explains an untagged quote than the book's dialogue
does (`StyleModel.score`).

One pass over the quotes: memory and time linear in the book. A paragraph that is itself an
example is scored with its own words taken out of its speaker's counts (no quote vouches for
itself).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ..types import Segment

_WORD = re.compile(r"[a-z\u00e0-\u024f]+(?:['’][a-z]+)*|['’](?:em|im|ere|ave|is|e|tis|twas)\b")
"""A word, lower-cased, its contraction kept ("don't", "ma'am"), or a clipped one ("'em")."""
_MARKS = re.compile(r"[!?;]|—|--|\.\.\.|…")
"""Punctuation that belongs to a voice: exclaiming, asking, breaking off, trailing away."""

MIN_EXAMPLES = 3
"""Tagged paragraphs a character needs before their model counts."""
PRIOR_TOKENS = 200.0
"""How many tokens of tagged speech weigh as much as the book's dialogue as a whole …"""
MAX_WEIGHT = 0.5
"""… and the most a character's own counts ever weigh: a word they were never heard to say
costs at most log 2 per token, however much they said (plain Dirichlet smoothing made the
best-documented characters the least likely speakers of any quote with a rare word)."""
MIN_COUNT = 3
"""Words the book's dialogue uses fewer times are not read (names and topics, not a voice)."""
MAX_TOKENS = 400
"""Tokens of one paragraph that are read (a long speech says enough in its first 400)."""


def style_tokens(text: str) -> list[str]:
    """The words and voice marks of a quote, in order (at most MAX_TOKENS)."""
    low = text.lower()
    out = [m.group().replace("’", "'") for m in _WORD.finditer(low)]
    out.extend("<" + ("—" if m.group() == "--" else "…" if m.group() == "..." else m.group()) + ">"
               for m in _MARKS.finditer(low))
    return out[:MAX_TOKENS]


class StyleModel:
    """Per character: word counts of the quotes tagged with their name; the book's dialogue as
    the background they are smoothed towards."""

    def __init__(self, words: Mapping[int, Counter[str]], named_speakers: Mapping[int, str]) -> None:
        self._words = words
        """Paragraph → the words of its quotes."""
        self._named = named_speakers
        counts: dict[str, Counter[str]] = {}
        examples: Counter[str] = Counter()
        background: Counter[str] = Counter()
        for number, w in words.items():
            background.update(w)
            speaker = named_speakers.get(number)
            if speaker is not None:
                counts.setdefault(speaker, Counter()).update(w)
                examples[speaker] += 1
        self._counts = {c: n for c, n in counts.items() if examples[c] >= MIN_EXAMPLES}
        self._totals = {c: sum(n.values()) for c, n in self._counts.items()}
        self._background = background
        self._bg_total = sum(background.values())
        self._vocab = len(background) + 1
        self._memo: dict[tuple[int, str], float] = {}

    @classmethod
    def learn(
        cls,
        paragraphs: Iterable[tuple[int, Sequence[Segment]]],
        named_speakers: Mapping[int, str],
    ) -> StyleModel:
        """The model of a book: (paragraph number, segments) in any order, and the speaker each
        paragraph's named tag gives."""
        words = {number: Counter(paragraph_tokens(segs)) for number, segs in paragraphs}
        return cls({n: w for n, w in words.items() if w}, named_speakers)

    def knows(self, character: str) -> bool:
        """The character has enough tagged quotes for their model to count."""
        return character in self._counts

    def score(self, number: int, character: str) -> float:
        """Log-likelihood ratio, per token, of paragraph `number`'s quotes under the
        character's model against the book's dialogue; 0 for a character without a model. When
        the paragraph is one of the character's examples, its words are left out of their counts."""
        counts = self._counts.get(character)
        words = self._words.get(number)
        if counts is None or not words:
            return 0.0
        key = (number, character)
        found = self._memo.get(key)
        if found is not None:
            return found
        own = words if self._named.get(number) == character else Counter()
        total = self._totals[character] - sum(own.values())
        weight = min(MAX_WEIGHT, total / (total + PRIOR_TOKENS))
        llr, n = 0.0, 0
        for w, k in words.items():
            seen = self._background[w]
            if seen < MIN_COUNT:
                continue
            bg = (seen + 1.0) / (self._bg_total + self._vocab)
            p = weight * (counts[w] - own[w]) / max(1, total) + (1 - weight) * bg
            llr += k * math.log(p / bg)
            n += k
        found = self._memo[key] = llr / n if n else 0.0
        return found


def paragraph_tokens(segs: Iterable[Segment]) -> list[str]:
    """The style tokens of a paragraph's quotes."""
    out: list[str] = []
    for s in segs:
        if s.kind == "quote":
            out.extend(style_tokens(s.text))
    return out[:MAX_TOKENS]


def style_features(model: StyleModel, number: int, candidates: Sequence[str]) -> list[dict[str, float]]:
    """The ranker's style cues for each candidate of paragraph `number`: how well their model
    explains its quotes ("style"), and by how much better than the best other candidate's
    ("style_margin", within ±1, when two or more candidates have a model). Empty for a
    candidate without a model."""
    scores = {c: model.score(number, c) for c in candidates if model.knows(c)}
    out: list[dict[str, float]] = []
    for c in candidates:
        f: dict[str, float] = {}
        if c in scores:
            f["style"] = scores[c]
            others = [v for k, v in scores.items() if k != c]
            if others:
                f["style_margin"] = max(-1.0, min(1.0, scores[c] - max(others)))
        out.append(f)
    return out
