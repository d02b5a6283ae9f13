"""Calibrated confidence: the chance that a quote's speaker is right, from what decided it.

The raw confidence of a quote is the ranker's softmax probability or the measured accuracy of the
rule that decided it. After decoding (speakers are never changed here) every quote gets a `Cue`:
its raw confidence, what decided it, how many turns it sits from the last quote a tag decided
(its anchor), and whether the anchors before and after the run fit strict alternation with its
speaker. A run that leads into a tag naming the wrong person for its parity has flipped somewhere:
on the train novels (leave-one-novel-out) such untagged quotes were right far less often than
their raw confidence said, while the length of the run alone added nothing once the rest was
known (at main cd930bf, with the beam decoder, accuracy stays near 0.75-0.80 over long untagged
runs; a plain fade made the bottom decile worse). A small logistic map (`Calibration`) turns the
cue into a probability of being right; bench/train_attribution.py fits it on the train novels and
writes its few numbers into weights.json beside the ranker's weights, with the confidence under
which `narrator script` marks a line to check. Without them the raw confidence is kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

UNANCHORED = frozenset({"ranked", "none", "continued"})
"""Decision kinds that rest on no tag of the quote's own paragraph: turn-taking, salience, or
carrying on the previous paragraph's speaker. Every other kind (a named tag, a kin or described
tag, a tag shared within its paragraph, a self-introduction) anchors the exchange."""

MAX_RUN = 12
"""Turns since the anchor are counted up to this (beyond it the exchange is simply long)."""


@dataclass(frozen=True, slots=True)
class Cue:
    """What a quote's confidence is calibrated from."""

    raw: float
    """The ranker's probability, or the decision rule's measured accuracy."""
    kind: str
    """The decision kind ("said-after:name", "ranked", …); "ranked:tag" for a ranked choice
    under a pronoun or described tag of the quote ("he said")."""
    since_anchor: int = 0
    """Turns (quote paragraphs) since the last anchored one in the chapter, up to `MAX_RUN`
    (0: the quote's paragraph is anchored; a chapter's first exchange counts from its start)."""
    before: int = 0
    """Does the last anchor (within `WINDOW` turns) fit strict alternation with this quote's
    speaker: 1 yes, -1 no, 0 no anchor that near."""
    after: int = 0
    """The same for the next anchor: a run that leads into a tag naming the wrong person for
    its parity has flipped somewhere."""


WINDOW = 10
"""Turns an anchor is looked for, before and after an unanchored quote."""

Decided = tuple[int, int, str, float, str]
"""A decided quote as `cues` reads it: (chapter, paragraph, kind, raw confidence, speaker)."""


@dataclass(slots=True)
class _Turn:
    chapter: int
    anchored: bool
    speaker: str
    """The paragraph's last speaker (who holds the turn)."""
    quotes: list[tuple[str, float, str]]
    """(kind, raw confidence, speaker) of each of its quotes."""


def cues(decided: Sequence[Decided]) -> list[Cue]:
    """The cue of each decided quote, in text order. The quotes of one paragraph are one turn,
    anchored when a tag decided any of them; in between, a two-person exchange alternates, so
    a quote's speaker should return every second turn and their partner in the others."""
    turns = _turns(decided)
    before = _anchor_fit(turns, range(len(turns)))
    after = _anchor_fit(turns, range(len(turns) - 1, -1, -1))
    out: list[Cue] = []
    since, chapter = 0, None
    for i, t in enumerate(turns):
        since = 0 if t.anchored or t.chapter != chapter else since
        chapter = t.chapter
        since = 0 if t.anchored else min(MAX_RUN, since + 1)
        for j, (kind, raw, _) in enumerate(t.quotes):
            out.append(Cue(raw, kind, since, before[i][j], after[i][j]))
    return out


def _turns(decided: Sequence[Decided]) -> list[_Turn]:
    turns: list[_Turn] = []
    last: tuple[int, int] | None = None
    for ch, para, kind, raw, speaker in decided:
        if (ch, para) != last:
            turns.append(_Turn(ch, False, speaker, []))
            last = (ch, para)
        t = turns[-1]
        t.anchored = t.anchored or kind.split(":")[0] not in UNANCHORED
        t.speaker = speaker
        t.quotes.append((kind, raw, speaker))
    return turns


def _anchor_fit(turns: Sequence[_Turn], order: range) -> list[list[int]]:
    """For each quote of each turn, whether the nearest anchor in `order`'s direction (same
    chapter, within `WINDOW` turns) names the speaker alternation expects there: the quote's
    speaker an even number of turns away, the partner (the other speaker of the neighbouring
    turn) an odd number away."""
    fit: list[list[int]] = [[0] * len(t.quotes) for t in turns]
    anchor: int | None = None
    step = order.step
    for i in order:
        t = turns[i]
        if anchor is not None and (turns[anchor].chapter != t.chapter or abs(anchor - i) > WINDOW):
            anchor = None
        if t.anchored:
            anchor = i
            continue
        if anchor is None:
            continue
        named, distance = turns[anchor].speaker, abs(anchor - i)
        near = turns[i - step].speaker if 0 <= i - step < len(turns) else None
        for j, (_, _, speaker) in enumerate(t.quotes):
            if distance % 2 == 0:
                fit[i][j] = 1 if named == speaker else -1
            elif near is not None and near != speaker:
                fit[i][j] = 1 if named == near else -1
            else:
                fit[i][j] = -1 if named == speaker else 1
    return fit


def features(cue: Cue) -> dict[str, float]:
    """The inputs of the logistic map: the raw confidence as a log-odds, and for a quote no tag
    decided, which kind of guess it is, how far the exchange has run from its anchor and whether
    the anchors around it fit alternation."""
    f = {"bias": 1.0, "logit": _logit(cue.raw)}
    group = cue.kind.split(":")[0]
    if group in UNANCHORED:
        f["tagged" if cue.kind == "ranked:tag" else group] = 1.0
        f["run"] = math.log1p(cue.since_anchor)
        for name, value in (("before", cue.before), ("after", cue.after)):
            if value:
                f[f"{name}_{'fits' if value > 0 else 'breaks'}"] = 1.0
    return f


def _logit(p: float) -> float:
    p = min(0.999, max(0.001, p))
    return math.log(p / (1.0 - p))


@dataclass(frozen=True, slots=True)
class Calibration:
    """A logistic map from a cue's features to the probability that the speaker is right, and
    the confidence under which `narrator script` asks the user to check a line.
    No coefficients: the raw confidence is kept (what the trainer's first fit sees)."""

    coef: Mapping[str, float] = field(default_factory=dict)
    check_below: float = 0.5
    """Quote lines less sure than this are marked for the user to check."""
    check_wrong: float | None = None
    """Share of such lines that were wrong where the map was fitted (None: not measured)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> Calibration:
        """From weights.json's "calibration": {"coef": {feature: weight}, "check_below": …,
        "check_wrong": …} (other keys are notes)."""
        data = data or {}
        coef = data.get("coef")
        below, wrong = data.get("check_below"), data.get("check_wrong")
        return cls(
            {str(k): float(v) for k, v in coef.items() if isinstance(v, (int, float))}
            if isinstance(coef, Mapping) else {},
            float(below) if isinstance(below, (int, float)) else 0.5,
            float(wrong) if isinstance(wrong, (int, float)) else None,
        )

    def confidence(self, cue: Cue) -> float:
        if not self.coef:
            return cue.raw
        z = sum(self.coef.get(k, 0.0) * v for k, v in features(cue).items())
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 3)

    def apply(self, cue_list: Sequence[Cue]) -> list[float]:
        """The calibrated confidence of each cue (a subclass may record them: the trainer does)."""
        return [self.confidence(c) for c in cue_list]


def deciles(conf: Sequence[float], right: Sequence[bool]) -> list[tuple[float, float, int]]:
    """The quotes in ten equal parts by confidence, least sure first: each part's mean confidence,
    share right and size (empty parts left out)."""
    order = sorted(range(len(conf)), key=conf.__getitem__)
    parts = (order[d * len(order) // 10 : (d + 1) * len(order) // 10] for d in range(10))
    return [
        (sum(conf[i] for i in p) / len(p), sum(right[i] for i in p) / len(p), len(p))
        for p in parts
        if p
    ]


def expected_calibration_error(conf: Sequence[float], right: Sequence[bool]) -> float:
    """The mean gap between confidence and share right over the ten deciles of confidence."""
    return sum(n * abs(c - r) for c, r, n in deciles(conf, right)) / len(conf) if conf else 0.0


@dataclass(frozen=True)
class Recorder(Calibration):
    """Calibrates as the map it copies, and keeps every cue it was asked about: the trainer (and
    the tests) read the cues of a whole pass this way to fit or check a map."""

    seen: list[Cue] = field(default_factory=list)

    def apply(self, cue_list: Sequence[Cue]) -> list[float]:
        self.seen.extend(cue_list)
        return Calibration.apply(self, cue_list)


L2 = 1.0
"""Penalty on the summed log-loss of the train quotes (about 20,000): keeps rare features near 0."""
SIGNS = {"logit": 1.0, "run": -1.0, "before_breaks": -1.0, "after_breaks": -1.0}
"""Monotone where it should be: surer with a surer raw confidence, never surer for a longer run or
for anchors that break alternation."""
CHECK_STEPS = tuple(round(0.3 + 0.05 * i, 2) for i in range(11))
"""Thresholds tried for marking lines to check: 0.30 … 0.80."""


def fit(cues: Sequence[Cue], right: Sequence[bool]) -> Calibration:
    """The logistic map from cues to whether the speaker was right (Newton's method; a
    coefficient whose sign breaks `SIGNS` is fixed at 0 and the rest refitted), and the highest
    threshold under which at least half of the quotes were wrong, for marking lines to check."""
    import numpy as np

    rows = [features(c) for c in cues]
    vocab = sorted({k for f in rows for k in f})
    x = np.array([[f.get(k, 0.0) for k in vocab] for f in rows])
    y = np.array(right, dtype=float)
    free = np.ones(len(vocab), dtype=bool)
    for _ in vocab:
        w = np.zeros(len(vocab))
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-(x @ w)))
            grad = x.T @ (p - y) + L2 * w
            hess = (x * (p * (1 - p))[:, None]).T @ x + L2 * np.eye(len(vocab))
            step = np.zeros_like(w)
            step[free] = np.linalg.solve(hess[np.ix_(free, free)], grad[free])
            w -= step
            if np.abs(step).max() < 1e-9:
                break
        wrong_sign = [i for i, k in enumerate(vocab) if free[i] and w[i] * SIGNS.get(k, 0.0) < 0]
        if not wrong_sign:
            break
        free[wrong_sign] = False
    mapped = Calibration({k: round(float(v), 4) for k, v, f in zip(vocab, w, free, strict=True) if f})
    conf = np.array(mapped.apply(cues))
    below, wrong = CHECK_STEPS[0], None
    for t in CHECK_STEPS:
        flagged = conf < t
        if flagged.any() and 1.0 - y[flagged].mean() >= 0.5:
            below, wrong = t, round(float(1.0 - y[flagged].mean()), 3)
    return Calibration(mapped.coef, below, wrong)
