"""Evidence combination.

Quotes with an explicit named tag ("said Emma") are decided by rule. Every other quote paragraph
(pronoun tags, action beats, untagged dialogue) is decided by ranking candidate characters with a
small linear model over reader's cues — salience, gender agreement with a pronoun tag, turn-taking,
vocatives, names in the paragraph — whose weights are learned from annotated novels by
`bench/train_attribution.py` and shipped in `weights.json`. The softmax probability of the chosen
candidate is its confidence; rule decisions get the accuracy their rule measured on the
development novels.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_WEIGHTS = Path(__file__).with_name("weights.json")

# Used when weights.json lacks a rule (hand-set priors, overwritten by measurement).
_PRIORS = {
    "said-after:name": 0.95, "said-before:name": 0.93, "possessive:name": 0.9,
    "said-after:desc": 0.6, "said-after:first": 0.9, "said-before:first": 0.85,
    "lead-in:name": 0.85, "beat-after:name": 0.8, "beat-before:name": 0.8, "continued": 0.85,
    "none": 0.05,
}

# Hand-set weights that mimic the rules; replaced by learned ones from weights.json.
DEFAULT_WEIGHTS: dict[str, float] = {
    "sal0": 1.0, "sal1": 0.6, "sal2": 0.3, "logdist": -0.3,
    "tag_speech_grank0": 3.0, "tag_speech_grank1": 1.0, "tag_speech_gmismatch": -4.0,
    "tag_beat_grank0": 2.0, "tag_beat_grank1": 0.7, "tag_beat_gmismatch": -3.0,
    "prev_spk": -1.5, "prev2_spk": 1.5, "addressed_now": -4.0, "addressed_prev": 2.0,
    "named_para": 1.0, "first_named_para": 1.5, "named_in_quote": -0.5, "continuation": 4.0,
    "freq": 0.5, "cont_verb_prev": 3.0, "named_prev_para": 0.5, "narrator_firsttag": 4.0,
}

TRACE: list | None = None
"""When a list, every ranked decision appends (segments, candidates, features) (for training)."""
RULES: list | None = None
"""When a list, every quote line appends (segment, decision kind) (for measuring rule accuracy)."""


@dataclass(frozen=True, slots=True)
class Decision:
    speaker: str
    kind: str
    """The rule that decided, e.g. "said-after:name", or "ranked"."""
    evidence: str
    confidence: float | None = None


@lru_cache(maxsize=1)
def _data() -> dict:
    try:
        return json.loads(_WEIGHTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


_override: dict | None = None


def set_weights(data: dict | None) -> None:
    """Use these weights instead of weights.json (training and cross-validation)."""
    global _override
    _override = data


def weights() -> dict[str, float]:
    data = _override if _override is not None else _data()
    return data.get("features") or DEFAULT_WEIGHTS


def confidence_for(kind: str) -> float:
    data = _override if _override is not None else _data()
    table = data.get("confidence", {})
    base = kind.removesuffix("+para")
    value = table.get(kind, table.get(base, _PRIORS.get(base, 0.5)))
    if kind.endswith("+para") and kind not in table:
        value *= 0.9
    return round(min(1.0, max(0.0, float(value))), 3)


def choose(candidates: list[str], features: list[dict[str, float]]) -> tuple[int, float, list[float]]:
    """Index of the best candidate, its softmax probability, and all scores."""
    w = weights()
    scores = [sum(w.get(k, 0.0) * v for k, v in f.items()) for f in features]
    top = max(range(len(scores)), key=scores.__getitem__)
    mx = scores[top]
    z = sum(math.exp(s - mx) for s in scores)
    return top, 1.0 / z, scores


def explain(features: dict[str, float]) -> str:
    """The strongest positive cue behind a ranked choice, in words."""
    w = weights()
    contributions = sorted(((w.get(k, 0.0) * v, k) for k, v in features.items()), reverse=True)
    for value, key in contributions:
        if value <= 0:
            break
        text = _CUES.get(key) or next((t for prefix, t in _CUES.items() if key.startswith(prefix)), None)
        if text:
            return text
    return "most salient character"


_CUES = {
    "tag_speech_grank0": "pronoun tag, most salient gender match",
    "tag_speech_grank": "pronoun tag, gender match",
    "tag_beat_grank0": "pronoun action beat, most salient gender match",
    "tag_beat_grank": "pronoun action beat, gender match",
    "continuation": "quote continued from previous paragraph",
    "addressed_prev": "vocative: addressed in the previous turn",
    "prev2_spk": "turn-taking",
    "first_named_para": "named in the paragraph",
    "named_para": "named in the paragraph",
    "narrator_firsttag": "first-person narrator",
    "cont_verb_prev": "continues the previous turn",
    "sal0": "most salient character",
}
