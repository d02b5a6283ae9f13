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

import math
from collections.abc import Mapping

from ..types import NARRATOR, UNKNOWN, Segment
from .context import BookContext, is_subject, pick_name
from .data import Decision, History, QuoteState, Turn
from .tags import EVIDENCE, SPEECH_TAGS
from .vocabulary import CONTINUATION_VERBS
from .weights import RankedChoice, Trace, Weights


def choose(
    candidates: list[str], features: list[dict[str, float]], w: Mapping[str, float]
) -> tuple[int, float, list[float]]:
    """Index of the best candidate, its softmax probability, and all scores."""
    scores = [sum(w.get(k, 0.0) * v for k, v in f.items()) for f in features]
    top = max(range(len(scores)), key=scores.__getitem__)
    mx = scores[top]
    z = sum(math.exp(s - mx) for s in scores)
    return top, 1.0 / z, scores


def explain(features: dict[str, float], w: Mapping[str, float]) -> str:
    """The strongest positive cue behind a ranked choice, in words."""
    contributions = sorted(
        ((w.get(k, 0.0) * v, k) for k, v in features.items()), reverse=True
    )
    for value, key in contributions:
        if value <= 0:
            break
        text = _CUES.get(key) or next(
            (t for prefix, t in _CUES.items() if key.startswith(prefix)), None
        )
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


def rank_paragraph(
    b: BookContext,
    history: History,
    para: int,
    segs: list[Segment],
    quotes: list[QuoteState],
    tagq: QuoteState | None,
    prev_turn: Turn | None,
    recent: list[Turn],
    pos: int,
    *,
    weights: Weights,
    trace: Trace | None,
) -> Decision:
    """Rank candidate speakers of an untagged or pronoun-tagged paragraph."""
    tag = tagq.pron_tag if tagq is not None else None
    sal = history.salience(pos)
    rank_of = {name: i for i, (name, _) in enumerate(sal)}
    dist_of = dict(sal)
    addressed_now = {a for q in quotes for a in q.addressees}
    adjacent = prev_turn is not None and prev_turn.paragraph >= para - 1
    prev_spk = prev_turn.speaker if prev_turn is not None else None
    partner = None
    if prev_turn is not None:
        partner = next((t.speaker for t in recent[1:] if t.speaker != prev_spk), None)
    recent_spk = [t.speaker for t in recent]
    participants = {x for x in (prev_spk, partner) if x is not None}
    strict_alt = (
        prev_turn is not None
        and prev_turn.paragraph == para - 1
        and len(recent) >= 2
        and recent[1].paragraph == para - 2
        and recent[1].speaker == partner
    )
    prev_narr = b.paragraph_names(para - 1, history)
    next_narr = b.narration_names(para + 1, history)
    last_subject = history.last_subject(pos)
    addressed_prev = set(prev_turn.addressees) if prev_turn is not None else set()
    # names in this paragraph's narration and quotes
    named_para: list[str] = []
    subject_para: set[str] = set()
    in_quote: set[str] = set()
    for s in segs:
        for m in b.mentions_between(s.start, s.end):
            if m.kind == "desc" and not m.generic and s.kind == "narration":
                b.seen_description(m)
                name = m.label
            elif m.kind != "name":
                continue
            else:
                name = pick_name(m, history)
            if s.kind == "narration":
                if tag is not None and m.start == tag.mention.start:
                    continue
                named_para.append(name)
                if is_subject(b, m):
                    subject_para.add(name)
            elif name not in addressed_now:
                in_quote.add(name)
    cands: list[str] = [n for n, _ in sal[:8]]
    for extra in (*recent_spk, *addressed_prev, *named_para):
        if extra not in cands and extra != UNKNOWN:
            cands.append(extra)
    if b.first_person:
        nar = b.narrator or NARRATOR
        if nar not in cands:
            cands.append(nar)
    if not cands:
        return Decision(UNKNOWN, "none", "no evidence", 0.05)
    # pronoun tag: gender ranks among the salient
    tag_group = tag_gender = tag_verb = None
    grank: dict[str, int] = {}
    if tag is not None:
        tag_verb = tag.verb
        tag_group = "speech" if tag.kind in SPEECH_TAGS else "beat"
        tag_gender = tag.mention.gender if tag.mention.gender in ("male", "female") else "any"
        ordered = sorted(cands, key=lambda c: dist_of.get(c, 1e9))
        r = 0
        for c in ordered:
            g = b.gender_of(c)
            if tag_gender == "any" or g == tag_gender:
                grank[c] = r
                r += 1
    maxm = max((c.mentions for c in b.characters), default=1) or 1
    mentions = {c.name: c.mentions for c in b.characters}
    feats: list[dict[str, float]] = []
    for c in cands:
        f: dict[str, float] = {}
        rk = rank_of.get(c)
        if rk is not None and rk < 6:
            f[f"sal{rk}"] = 1.0
        else:
            f["sal6+"] = 1.0
        f["logdist"] = math.log1p(dist_of.get(c, 5000.0) / 100.0)
        if tag_group is not None:
            g = b.gender_of(c)
            if c in grank:
                f[f"tag_{tag_group}_grank{min(grank[c], 3)}"] = 1.0
            elif g == "unknown":
                f[f"tag_{tag_group}_gunknown"] = 1.0
            else:
                f[f"tag_{tag_group}_gmismatch"] = 1.0
            if tag_verb in CONTINUATION_VERBS and c == prev_spk:
                f["cont_verb_prev"] = 1.0
        else:
            f["notag"] = 1.0
        if tag_group is not None and c in grank:
            if c == partner:
                f["tag_gmatch_partner"] = 1.0
            if c == prev_spk:
                f["tag_gmatch_prev"] = 1.0
            if c in participants and sum(1 for p in participants if p in grank) == 1:
                f["tag_gmatch_only_participant"] = 1.0
        if tag_group is not None and c in grank and len(grank) == 1:
            f[f"tag_{tag_group}_sole_match"] = 1.0
        if c == partner and strict_alt:
            f["alt_strict"] = 1.0
        if c in prev_narr:
            f["named_prev_narr"] = 1.0
            if prev_narr[-1] == c:
                f["last_named_prev_narr"] = 1.0
        if c == last_subject:
            f["last_subject"] = 1.0
        if c == b.named_speakers.get(para + 1):
            f["next_named_spk"] = 1.0  # the next turn is theirs: this one is probably not
        if c == b.named_speakers.get(para + 2):
            f["next2_named_spk"] = 1.0
        if c in next_narr:
            f["named_next_para"] = 1.0
        if tag_group is not None and grank.get(c) == 0:
            if c == prev_spk and adjacent:
                f["grank0_prev"] = 1.0
            if c == partner:
                f["grank0_partner"] = 1.0
            if c == last_subject:
                f["grank0_subject"] = 1.0
        if c in recent_spk[2:4] and c not in (prev_spk, partner):
            f["third_party"] = 1.0
        if c == prev_spk:
            f["prev_spk" if adjacent else "prev_spk_gap"] = 1.0
            if prev_turn is not None and prev_turn.unclosed and adjacent:
                f["continuation"] = 1.0
        if c == partner:
            f["prev2_spk" if adjacent else "prev2_spk_gap"] = 1.0
        if c in addressed_now:
            f["addressed_now"] = 1.0
        if c in addressed_prev:
            f["addressed_prev" if adjacent else "addressed_prev_gap"] = 1.0
        if c in named_para:
            f["named_para"] = 1.0
            if named_para[0] == c:
                f["first_named_para"] = 1.0
            if c in subject_para:
                f["subject_para"] = 1.0
        if c in in_quote:
            f["named_in_quote"] = 1.0
        f["freq"] = math.log1p(mentions.get(c, 0)) / math.log1p(maxm)
        f["recent_spk"] = recent_spk.count(c) / 6.0
        if b.first_person and c == (b.narrator or NARRATOR):
            f["narrator"] = 1.0
        if prev_turn is None:
            f["no_prev"] = f.get("sal0", 0.0)
        feats.append(f)
    top, prob, _ = choose(cands, feats, weights.features)
    if trace is not None:
        trace.ranked.append(
            RankedChoice(tuple(q.seg for q in quotes if q.decision is None), tuple(cands), tuple(feats))
        )
    choice = cands[top]
    cue = explain(feats[top], weights.features)
    if tag is not None:
        phrase = b.text[tag.mention.start : tag.mention.end]
        cue = f"{EVIDENCE[tag.kind]}: '{phrase}' = {choice} ({cue})"
    elif cue == "turn-taking" and prev_spk:
        cue = f"turn-taking with {prev_spk}"
    elif cue.startswith("vocative") and prev_spk:
        cue = f"vocative: {choice} was addressed by {prev_spk}"
    if choice in b.pending:
        b.describe_name(choice)
    return Decision(choice, "ranked", cue, round(prob, 3))
