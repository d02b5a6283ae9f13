"""The sequence decoder: decide an exchange as a whole, not quote by quote.

Deciding each quote on its own, one wrong turn makes the next ones wrong: turn-taking then
follows the wrong speaker (on the train novels, recording the gold speakers instead of the
decisions would lift accuracy by about five points). So the pass keeps a few hypotheses, each a
`PassState` of its own (focus, conversation, decisions). Where the ranker decides a paragraph,
its best choice and a close runner-up each extend the hypothesis, every later choice is ranked in
its own hypothesis's context, and a hypothesis scores the sum of the log-probabilities of its
ranked choices. Hypotheses that agree on the last turns are merged (the better one kept) and those
far behind dropped, so outside a contested exchange one hypothesis remains. The survivors are
picked from the choices before any is applied (a choice's score and the speaker it gives the
turn are known beforehand), so only the kept ones clone a state.

With a width of 1 the decoder is the greedy pass. Training traces the greedy pass (the ranker
learns from its own decisions; `attribute` decodes greedily when given a trace).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .context import PassState
from .conversation import RECENT, Conversation

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

Step = Callable[[PassState, Item, int, float], "Choices"]
"""Decide one paragraph in a hypothesis as far as its choices: (state, paragraph, branch, margin)
→ the ranked choices, none applied yet (`Choices.grow` applies the ones the decoder keeps)."""


@dataclass(frozen=True, slots=True)
class Choices:
    """A hypothesis's choices for one paragraph before any is applied: the decoder picks the
    survivors from their log-probabilities and the speaker each gives the paragraph's turn,
    and clones the state only for the ones it keeps."""

    state: PassState
    """The hypothesis, its choices not yet applied."""
    paragraph: int
    """The paragraph's number: its turn enters the conversation."""
    logps: tuple[float, ...]
    """Log-probability of each choice, the first the best."""
    speakers: tuple[str | None, ...]
    """The speaker of the paragraph's turn under each choice; None where only deciding the
    rest of the paragraph in the choice's own context tells (the decoder grows them all)."""
    grow: Callable[[Sequence[int]], list[PassState]]
    """The hypotheses made by the given choices (ascending indices), in that order: the first
    is the state itself, changed; the others are clones made before any change. Call once."""


def decode(state: PassState, items: Iterable[Item], step: Step[Item], beam: Beam = DEFAULT) -> PassState:
    """Run `step` over the paragraphs and return the best final hypothesis."""
    hypotheses = [state]
    for item in items:
        if beam.width <= 1:
            hypotheses = step(hypotheses[0], item, 1, 0.0).grow([0])
            continue
        hypotheses = _grow_survivors([step(h, item, beam.branch, beam.margin) for h in hypotheses], beam)
    return max(hypotheses, key=lambda h: h.score)


@dataclass(slots=True)
class _Candidate:
    """One choice of one hypothesis: what selecting it needs, and the hypothesis once grown."""

    origin: int
    """Index of the hypothesis's `Choices`."""
    choice: int
    score: float
    key: tuple[str, ...]
    grown: PassState | None = None


def _grow_survivors(steps: list[Choices], beam: Beam) -> list[PassState]:
    """The surviving hypotheses (`_survivors`), cloning and changing states only for them."""
    candidates: list[_Candidate] = []
    for n, c in enumerate(steps):
        base = c.state.score
        if None in c.speakers:  # the key is known only once the choices are applied
            for i, (run, logp) in enumerate(zip(c.grow(range(len(c.logps))), c.logps, strict=True)):
                run.score = base + logp
                candidates.append(_Candidate(n, i, run.score, _key(run.conversation, beam.keylen), run))
            continue
        keys = _keys_after(c.state.conversation, c.paragraph, c.speakers, beam.keylen)
        for i, (logp, key) in enumerate(zip(c.logps, keys, strict=True)):
            candidates.append(_Candidate(n, i, base + logp, key))
    kept = _survivors(candidates, beam)
    chosen: dict[int, list[_Candidate]] = {}
    for k in kept:
        if k.grown is None:
            chosen.setdefault(k.origin, []).append(k)
    for n, ks in chosen.items():
        ks.sort(key=lambda k: k.choice)
        for k, run in zip(ks, steps[n].grow([k.choice for k in ks]), strict=True):
            run.score = k.score
            k.grown = run
    return [k.grown for k in kept if k.grown is not None]


def _survivors(candidates: list[_Candidate], beam: Beam) -> list[_Candidate]:
    """The best candidates, one per recent speaker sequence, none far behind the best."""
    candidates = sorted(candidates, key=lambda c: -c.score)
    keep: dict[tuple[str, ...], _Candidate] = {}
    for c in candidates:
        if c.score < candidates[0].score - beam.prune:
            break
        keep.setdefault(c.key, c)
        if len(keep) >= beam.width:
            break
    return list(keep.values())


def _key(conversation: Conversation, keylen: int) -> tuple[str, ...]:
    """The speakers of the latest turns of a hypothesis's conversation, newest first:
    hypotheses agreeing on them are the same from here on."""
    turns = conversation.turns
    if not turns:
        return ()
    return tuple([t.speaker for t in conversation.recent(turns[-1].paragraph + 1, min(keylen, RECENT))])


def _keys_after(
    conversation: Conversation, paragraph: int, speakers: Sequence[str | None], keylen: int
) -> list[tuple[str, ...]]:
    """`_key` of the conversation once the paragraph's turn by each of `speakers` is added,
    without adding it: that speaker, then the speakers of the turns before it (one of this
    paragraph is replaced), the same for every choice."""
    older_count = min(keylen, RECENT) - 1
    if older_count < 0:
        return [() for _ in speakers]
    recent = conversation.recent(paragraph, older_count + 1)
    older = [t.speaker for t in recent if t.paragraph != paragraph][:older_count]
    return [(s, *older) for s in speakers if s is not None]
