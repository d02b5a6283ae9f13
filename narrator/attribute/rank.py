"""Ranking: the speaker of the quotes no rule decided.

Quotes with an explicit named tag ("said Emma") are decided by rule. Every other quote paragraph
(pronoun tags, action beats, untagged dialogue) is decided by ranking candidate characters with a
small linear model over reader's cues — salience, gender agreement with a pronoun tag, turn-taking,
vocatives, names in the paragraph — whose weights are learned from annotated novels by
`bench/train_attribution.py` and shipped in `weights.json`. The softmax probability of the chosen
candidate is its confidence; rule decisions get the accuracy their rule measured on the
development novels (weights.py).

`rank_paragraph` reads the scene once (focus, the conversation, names around the paragraph),
lists the candidates, and gives each one its features in named groups: salience, the tag's
gender, the neighbouring paragraphs, turn-taking, names, and how like the candidate's tagged
lines the quotes are (the book's own style model, style.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..types import FIRST_PERSON, UNKNOWN
from ._text import Token
from .context import (
    BookContext,
    PassState,
    ends_narrating,
    is_subject,
    per_book,
    pick_name,
    subjects_since_quote,
)
from .data import Decision, Mention, Paragraph, QuoteState, Tag
from .tags import EVIDENCE, SPEECH_TAGS
from .vocabulary import CONTINUATION_VERBS, SPEECH_VERBS
from .weights import RankedChoice


def choose(
    candidates: list[str], features: list[dict[str, float]], w: Mapping[str, float]
) -> tuple[int, float, list[float]]:
    """Index of the best candidate, its softmax probability, and all scores."""
    get = w.get
    scores = [sum([get(k, 0.0) * v for k, v in f.items()]) for f in features]
    top = max(range(len(scores)), key=scores.__getitem__)
    mx = scores[top]
    z = sum(math.exp(s - mx) for s in scores)
    return top, 1.0 / z, scores


def explain(features: dict[str, float], w: Mapping[str, float]) -> str:
    """The strongest positive cue behind a ranked choice, in words."""
    get = w.get
    positive = sorted([(c, k) for k, v in features.items() if (c := get(k, 0.0) * v) > 0], reverse=True)
    for _, key in positive:
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
    "cont_verb_prev": "continues the previous turn",
    "sal0": "most salient character",
    "style": "speaks like their tagged lines",
}


@dataclass(frozen=True, slots=True)
class RankQuery:
    """One choice for the ranker: quotes of a paragraph that no rule decided."""

    state: PassState
    para: Paragraph
    tagq: QuoteState | None
    """The quote whose anaphoric tag ("he said") speaks for the group, if any."""
    pos: int
    """Where focus is measured: the tag's mention, else the group's first quote."""

    @property
    def tag(self) -> Tag | None:
        return self.tagq.pron_tag if self.tagq is not None else None


def rank_paragraph(query: RankQuery) -> Decision:
    """Rank candidate speakers of an untagged or pronoun-tagged paragraph."""
    d = rank_choices(query)[0][0]
    query.state.promote(d.speaker)
    return d


def rank_choices(query: RankQuery, most: int = 1, margin: float = 0.0) -> list[tuple[Decision, float]]:
    """The best decision and, for the sequence decoder, up to `most` - 1 runners-up within
    `margin` of its log-probability, each with its log-probability. A described person chosen
    here joins the cast only when the caller keeps the choice (`PassState.promote`)."""
    state = query.state
    scene = _read_scene(query)
    cands = _candidates(scene, state)
    tag = _tag_cue(query, cands, scene, state)
    if tag is not None and tag.grank and tag.gendered:
        # "she said" never means a man when a woman is at hand (a soft weight let turn-taking
        # cues outvote the pronoun); people of unknown gender stay candidates.
        cands = [c for c in cands if c in tag.grank or state.gender_of(c) == "unknown"]
    if query.tag is not None and query.tag.mention.gender != "first":
        # "she said", "the girl answered": the narration calls its narrator "I", never that
        cands = [c for c in cands if state.gender_of(c) != "first"]
    if not cands:
        return [(Decision(UNKNOWN, "none", "no evidence", 0.05), 0.0)]
    feats = [_features(c, query, scene, tag) for c in cands]
    _style_features(feats, cands, query, tag)
    w = state.weights.features
    top, prob, scores = choose(cands, feats, w)
    if state.trace is not None:
        quotes = tuple(q.seg for q in query.para.quotes if q.decision is None)
        state.trace.ranked.append(RankedChoice(quotes, tuple(cands), tuple(feats)))
    log_z = scores[top] - math.log(prob)
    order = [top] + sorted((i for i in range(len(cands)) if i != top), key=lambda i: -scores[i])
    out: list[tuple[Decision, float]] = []
    for i in order[:most]:
        logp = scores[i] - log_z
        if out and logp < out[0][1] - margin:
            break
        p = prob if i == top else math.exp(logp)
        cue = _evidence(query, cands[i], explain(feats[i], w), scene)
        out.append((Decision(cands[i], "ranked", cue, round(p, 3)), logp))
    return out


@dataclass(frozen=True, slots=True)
class _Scene:
    """What the ranker reads around the paragraph: focus, the conversation, names nearby."""

    salient: list[str]
    """Characters in focus, most salient first."""
    rank_of: dict[str, int]
    dist_of: dict[str, float]
    """Character → weighted distance of their last mention."""
    prev_spk: str | None
    partner: str | None
    """The other speaker of the conversation (the one before prev_spk)."""
    adjacent: bool
    """The previous turn is the paragraph right before this one."""
    strict_alt: bool
    """The last two turns alternate in the two paragraphs right before this one."""
    recent_spk: list[str]
    participants: set[str]
    addressed_now: set[str]
    addressed_prev: set[str]
    prev_narr: list[str]
    next_narr: set[str]
    last_subject: str | None
    introduced: list[str]
    """Unnamed people the narration-only paragraph right before describes ("a stoutish,
    red-faced woman came out"): a speaker the text has just brought in."""
    names: _ParagraphNames
    mentions: _MentionCounts


@dataclass(frozen=True, slots=True)
class _MentionCounts:
    """How often the book mentions each character (read once per book)."""

    of: dict[str, int]
    most: int


@dataclass(frozen=True, slots=True)
class _ParagraphNames:
    """Names in this paragraph: in its narration (the tag's own excepted), and in its quotes."""

    narration: list[str]
    subjects: set[str]
    in_quotes: set[str]


def _read_scene(query: RankQuery) -> _Scene:
    state, para = query.state, query.para
    history, prev_turn, recent = state.history, para.prev_turn, para.recent
    sal = history.salience(query.pos)
    addressed_now = {a for q in para.quotes for a in q.addressees}
    prev_spk = prev_turn.speaker if prev_turn is not None else None
    partner = None
    if prev_turn is not None:
        partner = next((t.speaker for t in recent[1:] if t.speaker != prev_spk), None)
    strict_alt = (
        prev_turn is not None
        and prev_turn.paragraph == para.number - 1
        and len(recent) >= 2
        and recent[1].paragraph == para.number - 2
        and recent[1].speaker == partner
    )
    return _Scene(
        salient=[n for n, _ in sal],
        rank_of={name: i for i, (name, _) in enumerate(sal)},
        dist_of=dict(sal),
        prev_spk=prev_spk,
        partner=partner,
        adjacent=prev_turn is not None and prev_turn.paragraph >= para.number - 1,
        strict_alt=strict_alt,
        recent_spk=[t.speaker for t in recent],
        participants={x for x in (prev_spk, partner) if x is not None},
        addressed_now=addressed_now,
        addressed_prev=set(prev_turn.addressees) if prev_turn is not None else set(),
        prev_narr=state.book.paragraph_names(para.number - 1, history),
        next_narr=state.book.narration_names(para.number + 1, history),
        last_subject=history.last_subject(query.pos),
        introduced=_introduced(state, para.number - 1),
        names=_paragraph_names(query, addressed_now),
        mentions=_mention_counts(state.book),
    )


def _introduced(state: PassState, para: int) -> list[str]:
    described = _described_in_narration(state.book, para)
    for m in described:
        state.seen_description(m)
    return list(dict.fromkeys(m.label for m in described))


@per_book
def _described_in_narration(b: BookContext, para: int) -> tuple[Mention, ...]:
    """The unnamed people a narration-only paragraph describes, read once per book (the ranker
    asks for every paragraph after it, in every hypothesis of the sequence decoder)."""
    segs = b.by_paragraph.get(para)
    if not segs or any(s.kind == "quote" for s in segs):
        return ()
    return tuple(
        m for s in segs for m in b.mentions_between(s.start, s.end) if m.kind == "desc" and not m.generic
    )


@per_book
def _mention_counts(b: BookContext) -> _MentionCounts:
    return _MentionCounts(
        {c.name: c.mentions for c in b.characters}, max((c.mentions for c in b.characters), default=1) or 1
    )


def _paragraph_names(query: RankQuery, addressed_now: set[str]) -> _ParagraphNames:
    """Names in the paragraph's narration and quotes; an unnamed person the narration describes
    is remembered as a possible speaker."""
    state, tag = query.state, query.tag
    b = state.book
    named_para: list[str] = []
    subject_para: set[str] = set()
    in_quote: set[str] = set()
    for s in query.para.segments:
        for m in b.mentions_between(s.start, s.end):
            if m.kind == "desc" and not m.generic and s.kind == "narration":
                state.seen_description(m)
                name = m.label
            elif m.kind != "name":
                continue
            else:
                name = pick_name(m, state.history)
            if s.kind == "narration":
                if tag is not None and m.start == tag.mention.start:
                    continue
                named_para.append(name)
                if is_subject(b, m):
                    subject_para.add(name)
            elif name not in addressed_now:
                in_quote.add(name)
    return _ParagraphNames(named_para, subject_para, in_quote)


def _candidates(scene: _Scene, state: PassState) -> list[str]:
    """The eight most salient, then recent speakers, those addressed and those named nearby."""
    cands: list[str] = scene.salient[:8]
    for extra in (*scene.recent_spk, *scene.addressed_prev, *scene.names.narration, *scene.introduced):
        if extra not in cands and extra != UNKNOWN:
            cands.append(extra)
    if state.book.first_person:
        nar = state.book.narrator or FIRST_PERSON
        if nar not in cands:
            cands.append(nar)
    return cands


@dataclass(frozen=True, slots=True)
class _TagCue:
    """A pronoun tag or action beat: the candidates its gender fits, by salience."""

    group: str
    """speech (a speech tag) or beat (an action beat)."""
    verb: str
    grank: dict[str, int]
    """Candidate → rank among those of the tag's gender, most salient first."""
    gendered: bool
    """The tag's pronoun says male or female (not "they", "one", a description)."""
    subject: str | None = None
    """The last person of the tag's gender the narration named as a sentence's subject since
    the last quote (not the previous speaker)."""
    prev_narrated: bool = False
    """The previous turn is the paragraph before and ends with a sentence of narration
    (ends_narrating)."""


def _tag_cue(query: RankQuery, cands: list[str], scene: _Scene, state: PassState) -> _TagCue | None:
    tag = query.tag
    if tag is None:
        return None
    gender = tag.mention.gender if tag.mention.gender in ("male", "female") else "any"
    objects = _tag_objects(state, tag)
    grank: dict[str, int] = {}
    for c in sorted(cands, key=lambda c: scene.dist_of.get(c, 1e9)):
        if (gender == "any" or state.gender_of(c) == gender) and c not in objects:
            grank[c] = len(grank)
    subject = _subject_since_quote(query, gender, scene.prev_spk)
    group = "speech" if tag.kind in SPEECH_TAGS else "beat"
    prev = query.para.prev_turn
    narrated = scene.adjacent and prev is not None and ends_narrating(state.book, prev.paragraph)
    return _TagCue(group, tag.verb, grank, gender != "any", subject, narrated)


_TO = ("to",)
_WORDS = re.compile(r"[^\W\d_]*(?:\s+[^\W\d_]+)*\s*")
"""Words and spaces only: no punctuation between the pronoun and the name."""


def _tag_objects(state: PassState, tag: Tag) -> frozenset[str]:
    """The people a pronoun tag's own clause names as the one spoken to ("she said to Mary",
    "said he to Mr. Bennet", "he asked Emma", "she said in a low voice to Ruth") or as the one
    who hears ("Emma heard her saying"): never the pronoun's referent.

    Measured 2026-12-02, not kept: also leaving out the possessor of a described tag ("said her
    aunt", "his companion answered": the person in focus of the possessive's gender) took train
    12405 -> 12402; that person is often not the one the possessive means (in "'…, Katharine?'
    her mother demanded." the woman in focus is the mother herself, who is then left out).
    Nor did a cue for the partners of the person a quote addresses (addressee_partner:
    leave-one-novel-out 12338 -> 12330)."""
    b = state.book
    toks = b.tokens
    hearer = _perceiver(state, tag)
    others = {hearer} if hearer is not None else set()
    k = tag.mention.tok_end
    for word in (*tag.verb.split(), *_TO):
        if k < len(toks) and toks[k].lower == word:
            k += 1
    if k == tag.mention.tok_end and k < len(toks) and toks[k].lower in SPEECH_VERBS:
        k += 1  # "she said in a low voice to Ruth": the tag's speech word is "voice"
    if k == tag.mention.tok_end or k >= len(toks) or not _WORDS.fullmatch(b.text, tag.mention.end, toks[k].start):
        return frozenset(others)
    if not toks[k].cap:
        k = _to_after(toks, b.text, k)  # "saying in the same half-whisper to Jane"
    if k < len(toks) and toks[k].cap:
        found = b.mentions_between(toks[k].start, toks[k].end + 80)
        if found and found[0].start == toks[k].start and found[0].kind == "name":
            others.add(pick_name(found[0], state.history))
    return frozenset(others)


def _to_after(toks: Sequence[Token], text: str, k: int, most: int = 6) -> int:
    """The token after a "to" that ends a run of up to `most` lower-case words from token k
    with no punctuation between them, else len(toks)."""
    for j in range(k, min(len(toks) - 1, k + most)):
        if toks[j].cap or text[toks[j - 1].end : toks[j].start].strip():
            break
        if toks[j].lower == "to":
            return j + 1
    return len(toks)


_PERCEIVING = frozenset("heard hear hears saw see sees watched watch overheard".split())
_BEFORE_PERCEIVING = frozenset("could would did had then just".split())


def _perceiver(state: PassState, tag: Tag) -> str | None:
    """ "Emma heard her saying": the one who hears is not the "her" who speaks (an object is
    never its own clause's subject)."""
    b = state.book
    toks = b.tokens
    m = tag.mention
    if m.kind != "pron" or toks[m.tok].lower not in ("her", "him") or m.tok < 2:
        return None
    k = m.tok - 1
    if toks[k].lower not in _PERCEIVING:
        return None
    while k > 0 and (toks[k - 1].lower in _BEFORE_PERCEIVING or toks[k - 1].lower.endswith("ly")):
        k -= 1  # "Emma could just hear her"
    found = b.mentions_between(toks[max(0, k - 6)].start, toks[k].start)
    if not found or found[-1].kind != "name" or found[-1].tok_end != k:
        return None
    return pick_name(found[-1], state.history)


def _subject_since_quote(query: RankQuery, gender: str, prev_spk: str | None) -> str | None:
    """The last person of the tag's gender (not the previous speaker) the narration named as a
    sentence's subject between the last quote and the tag's own quote. None under a verb of
    going on ("she added"): that is the previous speaker."""
    state = query.state
    tag = query.tag
    if gender == "any" or query.tagq is None or (tag is not None and tag.verb in CONTINUATION_VERBS):
        return None
    subject = None
    for m in subjects_since_quote(state.book, query.tagq.seg.start):
        name = pick_name(m, state.history)
        if name != prev_spk and state.gender_of(name) == gender:
            subject = name
    return subject


def _features(c: str, query: RankQuery, scene: _Scene, tag: _TagCue | None) -> dict[str, float]:
    """The cues for candidate c (the order of keys is part of the model's arithmetic)."""
    state = query.state
    f: dict[str, float] = {}
    rk = scene.rank_of.get(c)
    if rk is not None and rk < 6:
        f[f"sal{rk}"] = 1.0
    else:
        f["sal6+"] = 1.0
    f["logdist"] = math.log1p(scene.dist_of.get(c, 5000.0) / 100.0)
    if tag is not None:
        _tag_features(f, c, scene, tag, state)
    else:
        f["notag"] = 1.0
    _neighbour_features(f, c, query, scene)
    if tag is not None and tag.grank.get(c) == 0:
        if c == scene.prev_spk and scene.adjacent:
            f["grank0_prev"] = 1.0
        if c == scene.partner:
            f["grank0_partner"] = 1.0
        if c == scene.last_subject:
            f["grank0_subject"] = 1.0
    _turn_features(f, c, query, scene)
    _name_features(f, c, query, scene)
    return f


def _tag_features(f: dict[str, float], c: str, scene: _Scene, tag: _TagCue, state: PassState) -> None:
    """Does c fit the tag's gender, and how salient is c among those who do?"""
    grank = tag.grank
    if c in grank:
        f[f"tag_{tag.group}_grank{min(grank[c], 3)}"] = 1.0
    elif state.gender_of(c) == "unknown":
        f[f"tag_{tag.group}_gunknown"] = 1.0
    else:
        f[f"tag_{tag.group}_gmismatch"] = 1.0
    if tag.verb in CONTINUATION_VERBS and c == scene.prev_spk:
        f["cont_verb_prev"] = 1.0
    if c in grank:
        if c == scene.partner:
            f["tag_gmatch_partner"] = 1.0
        if c == scene.prev_spk:
            f["tag_gmatch_prev"] = 1.0
            if tag.prev_narrated:
                f["tag_prev_narrated"] = 1.0
        if c in scene.participants and sum(1 for p in scene.participants if p in grank) == 1:
            f["tag_gmatch_only_participant"] = 1.0
    if c in grank and len(grank) == 1:
        f[f"tag_{tag.group}_sole_match"] = 1.0
    if c == tag.subject:
        f["tag_subject_since_quote"] = 1.0


def _neighbour_features(f: dict[str, float], c: str, query: RankQuery, scene: _Scene) -> None:
    """Is c the alternating partner, named in the paragraphs around, or the next turns' speaker?"""
    named_speakers, number = query.state.named_speakers, query.para.number
    if c == scene.partner and scene.strict_alt:
        f["alt_strict"] = 1.0
    if c in scene.prev_narr:
        f["named_prev_narr"] = 1.0
        if scene.prev_narr[-1] == c:
            f["last_named_prev_narr"] = 1.0
    if c == scene.last_subject:
        f["last_subject"] = 1.0
    if c == named_speakers.get(number + 1):
        f["next_named_spk"] = 1.0  # the next turn is theirs: this one is probably not
    if c == named_speakers.get(number + 2):
        f["next2_named_spk"] = 1.0
    if c in scene.next_narr:
        f["named_next_para"] = 1.0


def _turn_features(f: dict[str, float], c: str, query: RankQuery, scene: _Scene) -> None:
    """Turn-taking and vocatives: who spoke last, who was addressed."""
    prev_turn = query.para.prev_turn
    if c in scene.recent_spk[2:4] and c not in (scene.prev_spk, scene.partner):
        f["third_party"] = 1.0
    if c == scene.prev_spk:
        f["prev_spk" if scene.adjacent else "prev_spk_gap"] = 1.0
        if prev_turn is not None and prev_turn.unclosed and scene.adjacent:
            f["continuation"] = 1.0
    if c == scene.partner:
        f["prev2_spk" if scene.adjacent else "prev2_spk_gap"] = 1.0
    if c in scene.addressed_now:
        f["addressed_now"] = 1.0
    if c in scene.addressed_prev:
        f["addressed_prev" if scene.adjacent else "addressed_prev_gap"] = 1.0


def _name_features(f: dict[str, float], c: str, query: RankQuery, scene: _Scene) -> None:
    """Names in the paragraph, how often c is mentioned and speaks, the first-person narrator."""
    names = scene.names
    if c in names.narration:
        f["named_para"] = 1.0
        if names.narration[0] == c:
            f["first_named_para"] = 1.0
        if c in names.subjects:
            f["subject_para"] = 1.0
    if c in names.in_quotes:
        f["named_in_quote"] = 1.0
    b = query.state.book
    f["freq"] = math.log1p(scene.mentions.of.get(c, 0)) / math.log1p(scene.mentions.most)
    f["recent_spk"] = scene.recent_spk.count(c) / 6.0
    if b.first_person and c == (b.narrator or FIRST_PERSON):
        f["narrator"] = 1.0
    if query.para.prev_turn is None:
        f["no_prev"] = f.get("sal0", 0.0)


def _style_features(
    feats: list[dict[str, float]], cands: list[str], query: RankQuery, tag: _TagCue | None
) -> None:
    """How like each candidate's tagged quotes the paragraph's undecided quotes are (style.py):
    "style" for untagged quotes, "style_tag" under a pronoun tag or beat."""
    quotes = tuple(q.seg for q in query.para.quotes if q.decision is None)
    key = "style" if tag is None else "style_tag"
    for f, value in zip(feats, query.state.style.scores(query.para.number, quotes, cands), strict=True):
        if value:
            f[key] = value


def _evidence(query: RankQuery, choice: str, cue: str, scene: _Scene) -> str:
    """The ranked choice in words: the tag it rests on, or the cue that weighed most."""
    tag, prev_spk = query.tag, scene.prev_spk
    if tag is not None:
        phrase = query.state.book.text[tag.mention.start : tag.mention.end]
        return f"{EVIDENCE[tag.kind]}: '{phrase}' = {choice} ({cue})"
    if cue == "turn-taking" and prev_spk:
        return f"turn-taking with {prev_spk}"
    if cue.startswith("vocative") and prev_spk:
        return f"vocative: {choice} was addressed by {prev_spk}"
    return cue
