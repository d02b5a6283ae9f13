#!/usr/bin/env python3
"""Count how the attributor does on the quotes that open an exchange and have no tag of their
own: those decided by salience alone ("most salient character") or by a person the paragraph
before introduced ("introduced at the end of the previous paragraph", named or a pronoun), over
the train novels of an annotated corpus (PDNC layout), and sort them by who the right speaker was.

    python bench/openings.py [GOLD_ROOT] [--weights FILE] [--list]

Each quote paragraph (its first quote) is put in the first class that holds for its gold
speaker: `subject of the last sentence` (the subject of the last narration sentence before the
quote: a name, or "he"/"she" taken as the nearest name of that gender before it in that
narration); `object of the last sentence` (named there, not as its subject); `named before`
(named anywhere in the narration since the last quote, at most 1500 characters back); `last
speaker` (gold spoke the last quote before, by the gold labels); `not a candidate` (gold is none
of the ranker's candidates in a greedy traced pass); `not in the cast` (the pass never gives any
quote of the novel to gold); `other`. Each class prints how many and how many the pass got
right. Only train novels are read; --list prints every wrong row (novel, paragraph, chosen,
gold, class).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_attribution import Novel, diagnostic_args, print_wrong_rows, train_runs  # noqa: E402

from narrator.attribute._text import last_sentence  # noqa: E402
from narrator.attribute.context import BookContext, is_subject, read_context  # noqa: E402
from narrator.attribute.core import attribute  # noqa: E402
from narrator.attribute.weights import Trace, Weights  # noqa: E402

_KINDS = {"most salient character": "salient", "introduced at the end of the previous paragraph": "lead-in-prev"}
SPAN = 1500
CLASSES = (
    "subject of the last sentence",
    "object of the last sentence",
    "named before",
    "last speaker",
    "not a candidate",
    "not in the cast",
    "other",
)


def _kind(evidence: str) -> str | None:
    for prefix, kind in _KINDS.items():
        if evidence.startswith(prefix):
            return kind + " (pronoun)" if "' = " in evidence else kind  # "introduced …: 'she' = Emma (…)"
    return None


def _narration_people(novel: Novel, b: BookContext, start: int, end: int) -> tuple[set, set, set]:
    """Gold names of (the subject of the last sentence, the others named in it, everyone named)
    in the narration [start, end)."""
    text = b.text[start:end].rstrip()
    off, _ = last_sentence(text)
    last_start = start + off
    gold_of = {}
    named: set = set()
    subject: set = set()
    objects: set = set()
    seen_subject = False
    for m in b.mentions_between(start, end):
        if b.in_quote(m.start):
            continue
        if m.kind == "name":
            gold_of[b.index.gender(m.names[0])] = novel.resolve(m.names[0])
            named.add(novel.resolve(m.names[0]))
        if m.start < last_start:
            continue
        who = None
        if m.kind == "name":
            who = novel.resolve(m.names[0])
        elif m.kind == "pron" and m.gender in ("male", "female"):
            who = gold_of.get(m.gender)
        if who is None:
            continue
        if not seen_subject and not m.possessive and (m.kind == "pron" or is_subject(b, m)) and (
            m.kind != "pron" or b.tokens[m.tok].lower in ("he", "she")
        ):
            subject.add(who)
            seen_subject = True
        elif m.kind == "name":
            objects.add(who)
    return subject, objects, named


def _traced(novel: Novel, weights: Weights) -> tuple[dict[int, tuple[str, ...]], BookContext]:
    trace = Trace()
    attribute(novel.book, novel.segments, weights=weights, trace=trace)
    cands = {q.start: rc.candidates for rc in trace.ranked for q in rc.quotes}
    return cands, read_context(novel.book, novel.segments, None)


def classify(novel: Novel, script, weights: Weights) -> list[tuple[int, str, str, str]]:
    """(paragraph, chosen, gold, class) for every opening quote decided by salience or lead-in-prev."""
    cands, b = _traced(novel, weights)
    spoken = {novel.resolve(str(ln.speaker)) for ln in script.lines if ln.segment.kind == "quote"}
    out = []
    last_para = -1
    last_quote_end = 0
    last_gold: str | None = None
    for ln in script.lines:
        seg = ln.segment
        if seg.kind != "quote":
            continue
        gold = novel.gold_speaker(seg.start, seg.end)
        first = seg.paragraph != last_para
        prev_end, prev_gold = last_quote_end, last_gold
        last_para, last_quote_end, last_gold = seg.paragraph, seg.end, gold
        kind = _kind(ln.evidence or "")
        if not first or kind is None or gold is None:
            continue
        ok = novel.resolve(str(ln.speaker)) == gold
        subject, objects, named = _narration_people(novel, b, max(prev_end, seg.start - SPAN), seg.start)
        if gold in subject:
            cls = CLASSES[0]
        elif gold in objects:
            cls = CLASSES[1]
        elif gold in named:
            cls = CLASSES[2]
        elif gold == prev_gold:
            cls = CLASSES[3]
        elif seg.start in cands and not any(novel.resolve(c) == gold for c in cands[seg.start]):
            cls = CLASSES[4]
        elif gold not in spoken:
            cls = CLASSES[5]
        else:
            cls = CLASSES[6]
        out.append((seg.paragraph, str(ln.speaker), gold, f"{kind}: {cls}: {'right' if ok else 'wrong'}"))
    return out


def main() -> int:
    args, weights = diagnostic_args("print every wrong quote")
    total: Counter = Counter()
    for name, novel, script in train_runs(args.root, weights):
        rows = classify(novel, script, weights)
        total.update(kind for *_, kind in rows)
        if args.list:
            print_wrong_rows(name, [r for r in rows if r[3].endswith("wrong")])
    kinds = sorted({k.rsplit(": ", 2)[0] for k in total})
    for kind in kinds:
        n = sum(v for k, v in total.items() if k.startswith(kind + ": "))
        right = sum(v for k, v in total.items() if k.startswith(kind + ": ") and k.endswith("right"))
        parts = []
        for cls in CLASSES:
            a, w = total[f"{kind}: {cls}: right"], total[f"{kind}: {cls}: wrong"]
            if a + w:
                parts.append(f"{cls} {a}/{a + w}")
        print(f"{kind} {n} quotes, {right} right: " + ", ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
