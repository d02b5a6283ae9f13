"""Evidence combination: each decision names the rule that made it; the confidence of a rule is
its measured accuracy on the development novels (see bench/train_attribution.py), so that a
confidence of 0.9 means "right about nine times in ten"."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_WEIGHTS = Path(__file__).with_name("weights.json")

# Used when weights.json lacks a rule (hand-set priors, overwritten by measurement).
_PRIORS = {
    "said-after:name": 0.95, "said-before:name": 0.93, "possessive:name": 0.9,
    "said-after:pron": 0.8, "said-before:pron": 0.75, "possessive:pron": 0.75,
    "said-after:desc": 0.6, "said-after:first": 0.9, "said-before:first": 0.85,
    "lead-in:name": 0.8, "lead-in:pron": 0.7, "beat-after:name": 0.8, "beat-after:pron": 0.65,
    "beat-before:name": 0.7, "beat-before:pron": 0.6, "continued": 0.85, "paragraph:name": 0.6,
    "vocative-reply": 0.65, "turn-taking": 0.6, "reply": 0.45, "focus": 0.3, "none": 0.05,
}


@dataclass(frozen=True, slots=True)
class Decision:
    speaker: str
    kind: str
    """The rule that decided, e.g. "said-after:name", "turn-taking"."""
    evidence: str


@lru_cache(maxsize=1)
def _table() -> dict[str, float]:
    try:
        data = json.loads(_WEIGHTS.read_text(encoding="utf-8"))
        return {k: float(v) for k, v in data.get("confidence", {}).items()}
    except (OSError, ValueError):
        return {}


def confidence_for(kind: str) -> float:
    table = _table()
    base = kind.removesuffix("+para")
    value = table.get(kind, table.get(base, _PRIORS.get(base, 0.5)))
    if kind.endswith("+para") and kind not in table:
        value *= 0.9
    return round(min(1.0, max(0.0, value)), 3)
