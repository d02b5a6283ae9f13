"""Calibrated confidence: the cues of a decoded script, the fitted map, and what it changes."""

from __future__ import annotations

import math
import random
from dataclasses import replace

from narrator.attribute import Weights, attribute
from narrator.attribute.calibrate import MAX_RUN, Calibration, Cue, Recorder, cues, fit
from narrator.attribute.weights import shipped_weights
from narrator.segment import segment_book
from narrator.types import Book, Chapter

A, B = "Anna", "Tom"


def test_turns_since_the_anchor_grow_over_an_untagged_run_and_reset() -> None:
    decided = [
        (1, 1, "said-after:name", 0.99, A),
        (1, 2, "ranked", 0.8, B),
        (1, 3, "ranked", 0.8, A),
        (1, 4, "ranked", 0.8, B),
        (1, 4, "ranked", 0.8, B),  # a second quote of the same turn
        (1, 5, "ranked", 0.8, A),
        (1, 5, "said-before:name+para", 0.8, A),  # anchors the whole paragraph
        (1, 6, "continued", 0.4, A),
        (2, 1, "ranked", 0.8, B),  # a new chapter: no anchor yet
    ]
    assert [c.since_anchor for c in cues(decided)] == [0, 1, 2, 3, 3, 0, 0, 1, 1]
    long = [(1, 1, "said-after:name", 0.99, A)] + [(1, p, "ranked", 0.8, A) for p in range(2, 40)]
    assert max(c.since_anchor for c in cues(long)) == MAX_RUN


def test_the_anchors_around_a_run_are_checked_against_alternation() -> None:
    """Anna (tagged), Tom, Anna, Tom, then a tag naming Anna: the run fits it on both sides.
    If the tag after the run names Tom instead, the run flipped somewhere."""
    run = [(1, 2, "ranked", 0.8, B), (1, 3, "ranked", 0.8, A), (1, 4, "ranked", 0.8, B)]
    fits = cues([(1, 1, "said-after:name", 0.99, A), *run, (1, 5, "said-after:name", 0.99, A)])
    assert [(c.before, c.after) for c in fits[1:4]] == [(1, 1), (1, 1), (1, 1)]
    breaks = cues([(1, 1, "said-after:name", 0.99, A), *run, (1, 5, "said-after:name", 0.99, B)])
    assert [c.after for c in breaks[1:4]] == [-1, -1, -1]
    assert (breaks[0].before, breaks[0].after) == (0, 0)  # an anchor is not judged
    far = cues([(1, 1, "said-after:name", 0.99, A), *[(1, p, "ranked", 0.8, A) for p in range(2, 20)]])
    assert far[-1].before == 0  # the anchor is more than WINDOW turns back


def _sample(n: int, seed: int = 7) -> tuple[list[Cue], list[bool]]:
    """Synthetic quotes: rules right as often as they claim; untagged guesses right less often
    the longer the run (0.85 on the first turn, 0.55 from the tenth on) whatever their raw
    confidence says, and less often when the next anchor breaks alternation."""
    rng = random.Random(seed)
    out, right = [], []
    for _ in range(n):
        if rng.random() < 0.5:
            raw = rng.choice([0.6, 0.9, 0.97])
            out.append(Cue(raw, "said-after:name"))
            right.append(rng.random() < raw)
            continue
        since, after = rng.randint(1, 12), rng.choice([-1, 0, 1])
        p = max(0.55, 0.85 - 0.03 * (since - 1)) - (0.15 if after < 0 else 0.0)
        out.append(Cue(rng.choice([0.7, 0.8, 0.9]), "ranked", since, 0, after))
        right.append(rng.random() < p)
    return out, right


def test_the_fitted_map_lowers_a_long_run_and_is_monotone_in_the_raw_confidence() -> None:
    sample, right = _sample(6000)
    mapped = fit(sample, right)
    run = [mapped.confidence(Cue(0.8, "ranked", k)) for k in range(1, MAX_RUN + 1)]
    assert run == sorted(run, reverse=True) and run[-1] < run[0] - 0.1
    assert mapped.confidence(Cue(0.8, "ranked", 3, 0, -1)) < mapped.confidence(Cue(0.8, "ranked", 3, 0, 1))
    raws = [mapped.confidence(Cue(r / 20, "ranked", 2)) for r in range(1, 20)]
    assert raws == sorted(raws)
    assert 0.3 <= mapped.check_below <= 0.8 and mapped.check_wrong is not None and mapped.check_wrong >= 0.5


def test_a_sign_the_data_contradicts_is_held_at_zero() -> None:
    """If long runs were right more often, the map would not raise them: the run weight stays 0."""
    sample, right = _sample(4000)
    upside_down = [ok if c.kind != "ranked" else (c.since_anchor > 6) == (i % 5 != 0)
                   for i, (c, ok) in enumerate(zip(sample, right, strict=True))]
    mapped = fit(sample, upside_down)
    assert mapped.coef.get("run", 0.0) == 0.0 and mapped.coef["logit"] >= 0.0


def test_the_shipped_map_is_monotone_and_doubts_a_broken_run() -> None:
    shipped = shipped_weights().calibration
    assert shipped.coef, "weights.json has a calibration (bench/train_attribution.py writes it)"
    for kind in ("ranked", "ranked:tag"):
        run = [shipped.confidence(Cue(0.8, kind, k)) for k in range(1, MAX_RUN + 1)]
        assert run == sorted(run, reverse=True)
        raws = [shipped.confidence(Cue(r / 20, kind, 3)) for r in range(1, 20)]
        assert raws == sorted(raws)
        assert shipped.confidence(Cue(0.8, kind, 3, 0, -1)) < shipped.confidence(Cue(0.8, kind, 3, 0, 1))
        assert shipped.confidence(Cue(0.8, kind, 3, -1, 0)) <= shipped.confidence(Cue(0.8, kind, 3, 1, 0))
    rules = [shipped.confidence(Cue(r / 20, "said-after:name")) for r in range(1, 20)]
    assert rules == sorted(rules)


def test_without_coefficients_the_raw_confidence_is_kept() -> None:
    assert Calibration().confidence(Cue(0.4321, "ranked", 5)) == 0.4321
    assert Calibration.from_dict({"coef": "nonsense"}) == Calibration()
    read = Calibration.from_dict({"coef": {"bias": 1}, "check_below": 0.55, "check_wrong": 0.52, "fitted_on": "x"})
    assert read == Calibration({"bias": 1.0}, 0.55, 0.52)


def _exchange(last: str) -> str:
    """Anna (tagged) and Tom talk for eight untagged turns, then a tag names `last`."""
    words = ["Which", "That", "Why", "Because", "When", "Soon", "Where", "Here"]
    turns = "\n\n".join(f'"{w} one?"' if i % 2 == 0 else f'"{w} two."' for i, w in enumerate(words))
    return ('Anna came into the kitchen, where Tom was mending a net. "The boat is back," said Anna.\n\n'
            f'{turns}\n\n"Then we sail at dawn," said {last}.\n')


def _script(text: str, weights: Weights):
    book = Book("Kitchen", "Test", text, (Chapter(1, "", 0, len(text), 0),))
    return attribute(book, segment_book(book), weights=weights)


def _quotes(text: str, weights: Weights) -> list:
    return [ln for ln in _script(text, weights).lines if ln.segment.kind == "quote"]


def test_calibration_changes_confidence_never_a_speaker() -> None:
    plain = _script(_exchange("Tom"), replace(shipped_weights(), calibration=Calibration()))
    halved = _script(_exchange("Tom"), replace(shipped_weights(), calibration=Calibration({"bias": 0.0})))
    assert [ln.speaker for ln in plain.lines] == [ln.speaker for ln in halved.lines]
    assert {ln.confidence for ln in halved.lines if ln.segment.kind == "quote"} == {0.5}
    assert all(ln.confidence == 1.0 for ln in halved.lines if ln.segment.kind != "quote")


def test_a_run_the_next_tag_contradicts_is_doubted() -> None:
    """Tom answers Anna on even turns, so the tag after eight untagged turns should name Tom
    (it answers the last, Anna's). If it names Anna, the run flipped somewhere: each of its
    quotes is less sure, for what the raw ranker says, than when the tag fits."""
    shipped = shipped_weights()
    shift = {}
    for last in ("Tom", "Anna"):
        recorder = Recorder(shipped.calibration.coef)
        quotes = _quotes(_exchange(last), replace(shipped, calibration=recorder))
        assert len(quotes) == 10 and [q.speaker for q in quotes[:3]] == ["Anna", "Tom", "Anna"]
        run = recorder.seen[1:9]
        assert {c.after for c in run} == ({1} if last == "Tom" else {-1})
        assert {c.before for c in run} == {1}
        slope = shipped.calibration.coef["logit"]
        shift[last] = [_logit(q.confidence) - slope * _logit(c.raw) for q, c in zip(quotes[1:9], run, strict=True)]
    assert max(shift["Anna"]) < min(shift["Tom"]) - 0.2


def _logit(p: float) -> float:
    return math.log(p / (1 - p))
