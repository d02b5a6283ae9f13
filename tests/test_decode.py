"""The sequence decoder picks its survivors from the choices before applying any (decode.py):
the survivors, their order and scores must be those of growing every choice and then selecting,
the decoder as it was before (the naive reference below), ties included."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from narrator.attribute.context import PassState
from narrator.attribute.core import decide_step, start_pass
from narrator.attribute.data import Turn
from narrator.attribute.decode import Beam, Choices, _grow_survivors, _key
from narrator.segment import segment_book
from narrator.types import Book, Chapter

NAMES = ("Ann", "Bea", "Cyd", "Dot")
LOGPS = (-0.25, -1.0, -1.0, -2.0, -3.5)
"""Few values, so that scores tie often (within a hypothesis and across hypotheses)."""


def naive_survivors(steps: list[Choices], beam: Beam) -> list[PassState]:
    """The old decoder: apply every choice, then keep the best per key (stable sort on score)."""
    grown = []
    for c in steps:
        base = c.state.score
        for run, logp in zip(c.grow(range(len(c.logps))), c.logps, strict=True):
            run.score = base + logp
            grown.append(run)
    grown.sort(key=lambda h: -h.score)
    keep: dict[tuple[str, ...], PassState] = {}
    for h in grown:
        if h.score < grown[0].score - beam.prune:
            break
        keep.setdefault(_key(h.conversation, beam.keylen), h)
        if len(keep) >= beam.width:
            break
    return list(keep.values())


def table_step(state: PassState, item: int, branch: int, margin: float) -> Choices:
    """Choices drawn from the paragraph and the last two speakers; every third paragraph hides
    its turn's speaker until applied (like a second pronoun group ranked in context)."""
    recent = tuple(t.speaker for t in state.conversation.turns[-2:])
    rng = random.Random(f"{item}:{recent}")
    names = rng.sample(NAMES, k=min(branch, len(NAMES)))
    logps = sorted((rng.choice(LOGPS) for _ in names), reverse=True)
    kept = [(w, p) for w, p in zip(names, logps, strict=True) if p >= logps[0] - margin]

    def grow(chosen: Sequence[int]) -> list[PassState]:
        runs = [state] + [state.clone() for _ in chosen[1:]]
        for run, i in zip(runs, chosen, strict=True):
            run.conversation.add(Turn(item, kept[i][0]))
        return runs

    hidden = item % 3 == 0
    speakers = tuple(None if hidden else w for w, _ in kept)
    return Choices(state, item, tuple(p for _, p in kept), speakers, grow)


def book_of(text: str) -> Book:
    return Book("Test", "Tester", text, (Chapter(1, "", 0, len(text), 0),))


def run_both(
    start: Callable[[], PassState], items: Sequence[object], step: Callable[..., Choices], beam: Beam
) -> list[list[tuple[float, list[str]]]]:
    """Decode with the decoder's selection and with the naive one side by side; assert that
    every step keeps the same hypotheses in the same order; return the survivors per step."""
    new, old = [start()], [start()]
    seen = []
    for item in items:
        new = _grow_survivors([step(h, item, beam.branch, beam.margin) for h in new], beam)
        old = naive_survivors([step(h, item, beam.branch, beam.margin) for h in old], beam)
        got = [(h.score, [t.speaker for t in h.conversation.turns]) for h in new]
        assert got == [(h.score, [t.speaker for t in h.conversation.turns]) for h in old], item
        seen.append(got)
    return seen


def test_survivors_equal_the_naive_selection_ties_included() -> None:
    book = book_of('"Hello," said Ann.\n')
    base, _ = start_pass(book, segment_book(book))
    items = [1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 17, 18, 19, 20, 21, 22, 23, 24, 30, 31, 32, 33]
    steps = 0
    for beam in (Beam(), Beam(width=3, branch=3, margin=6.0), Beam(width=6, branch=4, keylen=3)):
        seen = run_both(base.clone, items, table_step, beam)
        steps += sum(len({s for s, _ in hs}) < len(hs) for hs in seen)  # tied scores kept
    assert steps > 0


DIALOGUE = """Emma walked into the garden, where Harriet and Mr. Knightley stood by the old tree.

"The roses are out at last," Emma said.

"They are lovely," said Harriet.

"Are they?" he asked. "I had not noticed."

"You never notice anything."

"I notice more than you think."

She laughed. "Then tell me," she said, "what I am thinking," and he answered, "You think of Harriet."

"Perhaps."

"Harriet is thinking of the roses."

"Only a few," said Emma. "Harriet wants the red ones."

"Then she shall have them."

Harriet laughed, and Emma handed her the basket.

"You are too kind," she said.

"Not at all."

"Will you walk with us?" Emma asked him.

"If you wish it."
"""


def test_decoding_a_book_keeps_the_survivors_of_the_naive_selection() -> None:
    """Through decide_step: the survivors equal growing every choice first, and each choice's
    announced speaker is the speaker of the turn it becomes."""
    book = book_of(DIALOGUE * 4)
    segments = segment_book(book)
    announced: list[tuple[str | None, ...]] = []

    def step(state: PassState, item: tuple, branch: int, margin: float) -> Choices:
        c = decide_step(state, item, branch, margin)
        announced.append(c.speakers)

        def grow(chosen: Sequence[int]) -> list[PassState]:
            runs = c.grow(chosen)
            for run, i in zip(runs, chosen, strict=True):
                assert c.speakers[i] in (None, run.conversation.turns[-1].speaker)
            return runs

        return Choices(c.state, c.paragraph, c.logps, c.speakers, grow)

    def start() -> PassState:
        return start_pass(book, segments)[0]

    _, paragraphs = start_pass(book, segments)
    seen = run_both(start, paragraphs, step, Beam(width=4, branch=3, margin=6.0, prune=6.0))
    assert max(len(hs) for hs in seen) > 1  # the book is contested somewhere
    assert any(len(s) > 1 and None not in s for s in announced)  # selected before growing
    assert any(None in s for s in announced)  # grown first (a second pronoun group)
