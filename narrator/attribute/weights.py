"""The numbers attribution learns: the ranker's feature weights and each rule's measured accuracy.

`bench/train_attribution.py` learns them from annotated novels and writes `weights.json`; a pass
uses the shipped file unless it is given other `Weights` (training and cross-validation do so).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..types import Segment
from .calibrate import Calibration

_SHIPPED = Path(__file__).with_name("weights.json")

# Used when weights.json lacks a rule (hand-set priors, overwritten by measurement).
_PRIORS = {
    "said-after:name": 0.95,
    "said-before:name": 0.93,
    "possessive:name": 0.9,
    "said-after:desc": 0.6,
    "said-after:first": 0.9,
    "said-before:first": 0.85,
    "lead-in:name": 0.85,
    "beat-after:name": 0.8,
    "beat-before:name": 0.8,
    "continued": 0.85,
    "none": 0.05,
}

# Hand-set weights that mimic the rules; replaced by learned ones from weights.json.
DEFAULT_WEIGHTS: dict[str, float] = {
    "sal0": 1.0,
    "sal1": 0.6,
    "sal2": 0.3,
    "logdist": -0.3,
    "tag_speech_grank0": 3.0,
    "tag_speech_grank1": 1.0,
    "tag_speech_gmismatch": -4.0,
    "tag_beat_grank0": 2.0,
    "tag_beat_grank1": 0.7,
    "tag_beat_gmismatch": -3.0,
    "prev_spk": -1.5,
    "prev2_spk": 1.5,
    "addressed_now": -4.0,
    "addressed_prev": 2.0,
    "named_para": 1.0,
    "first_named_para": 1.5,
    "named_in_quote": -0.5,
    "continuation": 4.0,
    "freq": 0.5,
    "cont_verb_prev": 3.0,
    "style": 1.0,
    "style_tag": 1.0,
    "tag_subject_since_quote": 0.5,
}


@dataclass(frozen=True, slots=True)
class Weights:
    """Feature weights of the ranker and the accuracy each decision rule measured."""

    features: Mapping[str, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    confidence: Mapping[str, float] = field(default_factory=dict)
    """Rule kind ("said-after:name", "continued", …) → share of its decisions that were right."""
    calibration: Calibration = field(default_factory=Calibration)
    """Maps each quote's raw confidence to its final one (calibrate.py); none keeps it raw."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Weights:
        """From the layout of weights.json: {"features": {…}, "confidence": {…}, "calibration": {…}}.
        A feature the file lacks (added after the file was fitted) keeps its hand-set prior rather
        than weighing nothing."""
        return cls(
            {**DEFAULT_WEIGHTS, **data.get("features", {})},
            data.get("confidence", {}),
            Calibration.from_dict(data.get("calibration")),
        )

    def confidence_for(self, kind: str) -> float:
        """The confidence of a rule decision: its measured accuracy, else a hand-set prior.
        A decision copied to the other quotes of its paragraph ("…+para") is a little less sure."""
        table = self.confidence
        base = kind.removesuffix("+para")
        value = table.get(kind, table.get(base, _PRIORS.get(base, 0.5)))
        if kind.endswith("+para") and kind not in table:
            value *= 0.9
        return round(min(1.0, max(0.0, float(value))), 3)


@lru_cache(maxsize=1)
def shipped_weights() -> Weights:
    """The weights in narrator/attribute/weights.json (read once; hand-set ones if it is unreadable)."""
    try:
        data = json.loads(_SHIPPED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    return Weights.from_dict(data)


@dataclass(frozen=True, slots=True)
class RankedChoice:
    """One decision of the ranker, as the trainer needs it."""

    quotes: tuple[Segment, ...]
    """The quote segments the choice decided."""
    candidates: tuple[str, ...]
    features: tuple[dict[str, float], ...]
    """One feature dict per candidate."""


@dataclass
class Trace:
    """What a pass records for training when given one: every ranked choice, and the rule that
    decided each quote line (for measuring each rule's accuracy)."""

    ranked: list[RankedChoice] = field(default_factory=list)
    rules: list[tuple[Segment, str]] = field(default_factory=list)
    """(quote segment, decision kind), in text order."""
