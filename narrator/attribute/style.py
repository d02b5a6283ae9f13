"""The book teaches itself: each character's way of speaking, learned from the quotes the book
tags with their name, scores the quotes it does not tag.

Before the pass, `quote_tags.named_speakers` reads every paragraph whose first quote has a named
speech tag ("…," said Emma): about a third of a novel's quotes, nearly all right. Those quotes are
the examples of their speaker's style; every quote of the book together is the background. A
character with at least `MIN_EXAMPLES` tagged paragraphs gets a unigram model of their words (and
of a few marks of manner: "!", "?", dashes), mixed with the background's (`LAMBDA`), so what it learns
is what they say more often than everyone else: the forms of address they use, their
contractions and dialect spellings, their exclamations. For an untagged quote and a candidate,
`StyleModel.score` is the log-likelihood ratio of the quote's words under the candidate's model
against the background, leaving the quote itself out of the candidate's examples, clipped to
±`CLIP` and scaled to [-1, 1]; 0 for a candidate with too few examples.

Only our own tag decisions are examples, never an annotation, so the model is the same on a book
nobody annotated. Building it is linear in the book; the vocabulary is bounded (`MAX_VOCAB`).

Alone it is a weak judge (bench/style_diagnostic.py, train novels: the gold speaker of an
untagged quote has the best style score among the modelled candidates 41 % of the time, the
ranker is right 83 %), but as a ranker feature ("style", "style_tag") it adds what the other
cues lack: trainer leave-one-novel-out over the train novels 12227 -> 12276 of 14265 quotes
(lenient; strict 12104 -> 12152), refit validation 79.7 -> 79.7 % (strict 73.2 -> 73.1).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..types import Segment

MIN_EXAMPLES = 3
"""Tagged paragraphs a character needs before their style is trusted."""
LAMBDA = 0.3
"""Share of a character's own word frequencies in their model; the rest is the background's
(linear interpolation: a word they were never heard to say costs every character the same,
however much they speak — with Dirichlet smoothing it cost the talkative ones more, which made
the model prefer the wrong speaker in two train novels)."""
CLIP = 8.0
"""Bound of the log-likelihood ratio, so one long quote cannot outvote every other cue."""
MAX_VOCAB = 20_000
"""Words kept (the book's most frequent in quotes); the rest are one unknown word."""
MAX_TOKENS = 400
"""Tokens read from one quote."""

_TOKEN = re.compile(r"[a-z]+(?:['’][a-z]+)*|[!?]|—|--")
_UNK = "\x00"


@lru_cache(maxsize=1024)
def _tokens(text: str) -> tuple[str, ...]:
    """The words and marks of a quote (each candidate's score reads them again)."""
    return tuple(_TOKEN.findall(text[: MAX_TOKENS * 12].lower())[:MAX_TOKENS])


@dataclass(frozen=True, slots=True)
class StyleModel:
    """Word counts of each character's tagged quotes and of all the book's quotes."""

    counts: Mapping[str, Counter[str]]
    """Character → word counts of their tagged paragraphs' quotes."""
    sizes: Mapping[str, int]
    """Character → tokens in those quotes."""
    examples: Mapping[str, int]
    """Character → tagged paragraphs."""
    background: Mapping[str, float]
    """Word → its probability in all quotes (add-one smoothed)."""
    unknown: float
    """Probability of a word outside the background's vocabulary."""
    own: Mapping[int, str]
    """Paragraph → the speaker whose examples hold its quotes."""
    memo: dict[tuple[int, ...], dict[str, float]] = field(default_factory=dict)
    """Quotes (their starts) → candidate → score: the decoder's hypotheses ask again."""
    ratios: dict[str, dict[str, float]] = field(default_factory=dict)
    """Candidate → word → its log-likelihood ratio for them (in quotes not their own)."""

    def scores(self, paragraph: int, quotes: Sequence[Segment], candidates: Sequence[str]) -> list[float]:
        """`score` of each candidate, computed once per quotes and candidate."""
        known = self.memo.setdefault(tuple(q.start for q in quotes), {})
        out = []
        words: list[str] | None = None
        for c in candidates:
            value = known.get(c) if c in self.counts else 0.0
            if value is None:
                if words is None:
                    words = self._words(quotes)
                value = known[c] = self._score(paragraph, words, c)
            out.append(value)
        return out

    def score(self, paragraph: int, quotes: Sequence[Segment], candidate: str) -> float:
        """How much more likely the candidate says these quotes than anyone in the book does,
        in [-1, 1]; 0 when the candidate has too few tagged quotes to tell."""
        return self._score(paragraph, self._words(quotes), candidate)

    def _words(self, quotes: Sequence[Segment]) -> list[str]:
        bg = self.background
        return [w if w in bg else _UNK for q in quotes for w in _tokens(q.text)]

    def _score(self, paragraph: int, words: list[str], candidate: str) -> float:
        counts = self.counts.get(candidate)
        if counts is None:
            return 0.0
        size, examples = self.sizes[candidate], self.examples[candidate]
        mine = self.own.get(paragraph) == candidate
        if mine:  # leave the quote out of its own speaker's examples
            examples -= 1
            size -= len(words)
        if examples < MIN_EXAMPLES or not words or size <= 0:
            return 0.0
        held = Counter(words) if mine else None
        ratios = self.ratios.setdefault(candidate, {}) if held is None else {}
        bg = self.background
        llr = 0.0
        for w in words:
            r = ratios.get(w)
            if r is None:
                pb = bg.get(w, self.unknown)
                n = counts.get(w, 0) - (held[w] if held is not None else 0)
                r = ratios[w] = math.log((LAMBDA * n / size + (1 - LAMBDA) * pb) / pb)
            llr += r
        return max(-CLIP, min(CLIP, llr)) / CLIP


def build(by_paragraph: Mapping[int, Sequence[Segment]], named: Mapping[int, str]) -> StyleModel:
    """The model of the book (its segments by paragraph): `named` maps a paragraph to the
    speaker its named tag gives."""
    background: Counter[str] = Counter()
    by_para: dict[int, list[str]] = {}
    for para, segs in by_paragraph.items():
        words = [w for s in segs if s.kind == "quote" for w in _tokens(s.text)]
        if words:
            by_para[para] = words
            background.update(words)
    vocab = dict(background.most_common(MAX_VOCAB))
    rest = sum(background.values()) - sum(vocab.values())
    total = sum(background.values()) + len(vocab) + 1
    probs = {w: (n + 1) / total for w, n in vocab.items()}
    counts: dict[str, Counter[str]] = {}
    sizes: Counter[str] = Counter()
    examples: Counter[str] = Counter()
    own: dict[int, str] = {}
    for para, speaker in named.items():
        said = by_para.get(para)
        if not said:
            continue
        own[para] = speaker
        counts.setdefault(speaker, Counter()).update(w if w in vocab else _UNK for w in said)
        sizes[speaker] += len(said)
        examples[speaker] += 1
    kept = {c: n for c, n in counts.items() if examples[c] >= MIN_EXAMPLES}
    return StyleModel(kept, sizes, examples, probs, (rest + 1) / total, own)

