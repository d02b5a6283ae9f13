"""The sequence decoder: decide an exchange as a whole, not quote by quote.

Deciding each quote on its own, one wrong turn makes the next ones wrong: turn-taking then
follows the wrong speaker (on the train novels, recording the gold speakers instead of the
decisions would lift accuracy by about five points). So the pass keeps a few hypotheses, each a
`PassState` of its own (focus, conversation, decisions). Where the ranker decides a paragraph,
its best choice and a close runner-up each extend the hypothesis, every later choice is ranked in
its own hypothesis's context, and a hypothesis scores the sum of the log-probabilities of its
ranked choices. Hypotheses that agree on the last turns are merged (the better one kept) and those
far behind dropped, so outside a contested exchange one hypothesis remains.

With a width of 1 the decoder is the greedy pass. Training traces the greedy pass (the ranker
learns from its own decisions; `attribute` decodes greedily when given a trace).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from .context import PassState

Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class Beam:
    """Settings of the sequence decoder (measured on the 10 train novels)."""

    width: int = 4
    """Hypotheses kept (1: decide quote by quote, greedily)."""
    branch: int = 2
    """Choices of one ranked paragraph tried in each hypothesis."""
    margin: float = 3.0
    """A runner-up is tried when its log-probability is within this of the best choice's."""
    keylen: int = 2
    """Hypotheses that agree on the speakers of this many recent turns are merged."""
    prune: float = 3.0
    """Hypotheses this far (log-probability) behind the best are dropped."""


GREEDY = Beam(width=1, branch=1)

DEFAULT = Beam()
"""What `attribute` decodes with. score.py --lenient, weights retrained on the 10 train novels:
train 83.13 → 83.78 %, validation 78.03 → 78.65 % (with the older weights, fitted on 6 dev
novels, validation went down: 78.03 → 77.79)."""

Step = Callable[[PassState, Item, int, float], list[tuple[PassState, float]]]
"""Decide one paragraph in a hypothesis: (state, paragraph, branch, margin) → the hypotheses it
becomes (the state itself, changed, first; then clones for the runners-up), each with the
log-probability of the choice that made it."""


def decode(state: PassState, items: Iterable[Item], step: Step[Item], beam: Beam = DEFAULT) -> PassState:
    """Run `step` over the paragraphs and return the best final hypothesis."""
    hypotheses = [state]
    for item in items:
        if beam.width <= 1:
            hypotheses = [step(hypotheses[0], item, 1, 0.0)[0][0]]
            continue
        grown = []
        for h in hypotheses:
            for run, logp in step(h, item, beam.branch, beam.margin):
                run.score += logp
                grown.append(run)
        hypotheses = _survivors(grown, beam)
    return max(hypotheses, key=lambda h: h.score)


def _survivors(grown: list[PassState], beam: Beam) -> list[PassState]:
    """The best hypotheses, one per recent speaker sequence, none far behind the best."""
    grown.sort(key=lambda h: -h.score)
    keep: dict[tuple[str, ...], PassState] = {}
    for h in grown:
        if h.score < grown[0].score - beam.prune:
            break
        keep.setdefault(_key(h, beam.keylen), h)
        if len(keep) >= beam.width:
            break
    return list(keep.values())


def _key(h: PassState, keylen: int) -> tuple[str, ...]:
    """The speakers of the latest turns of the hypothesis's conversation, newest first:
    hypotheses agreeing on them are the same from here on."""
    turns = h.conversation.turns
    if not turns:
        return ()
    return tuple(t.speaker for t in h.conversation.recent(turns[-1].paragraph + 1)[:keylen])
