#!/usr/bin/env python3
"""Count how the attributor does on untagged dialogue decided by turn-taking or by salience alone
("turn-taking with X", "most salient character") over the train novels of an annotated corpus
(PDNC layout), and sort the wrong ones by who the right speaker was.

    python bench/turn_taking.py [GOLD_ROOT] [--weights FILE] [--list]

Turns are the quote paragraphs of the output; a conversation breaks after more than two
paragraphs without a quote (as conversation.py). Each wrong quote paragraph is put in the first
class that holds: `same speaker goes on` (gold is the previous turn's speaker), split by what
lies between: `after narration` (a narration paragraph between the two turns), `after a
question` (the previous turn ends with a question mark) or `plainly`; `partner` (gold had the
turn before the previous one: plain alternation would have been right, the pass chose a third);
`third person spoke lately` (gold had one of the last six turns); `named between` (gold is named
in the narration between the previous turn and this quote, or in this paragraph); `not a
candidate` (gold is none of the ranker's candidates in a greedy traced pass); `other`. Each class
is further marked `cascade` when the previous turn was itself wrong. Only train novels are read;
--list prints every wrong quote (novel, paragraph, chosen, gold, class).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_attribution import Novel, count_train_classes  # noqa: E402

from narrator.attribute.core import attribute  # noqa: E402
from narrator.attribute.weights import Trace  # noqa: E402

_KINDS = ("turn-taking", "most salient character")
RECENT = 6


def _aliases(novel: Novel, who: str) -> list[str]:
    entry = novel.characters.get(who, {})
    out = set()
    for n in set(entry.get("aliases", [])) | {who}:
        out.add(n)
        out.update(p for p in n.split() if p[:1].isupper() and not p.endswith(".") and len(p) > 2)
    return sorted(out, key=len, reverse=True)


def _named(text: str, names: list[str]) -> bool:
    return any(re.search(r"\b" + re.escape(n) + r"\b", text) for n in names)


def _candidates(novel: Novel) -> dict[int, tuple[str, ...]]:
    """Quote start → the ranker's candidates in a greedy traced pass."""
    trace = Trace()
    attribute(novel.book, novel.segments, trace=trace)
    return {q.start: rc.candidates for rc in trace.ranked for q in rc.quotes}


def classify(novel: Novel, script) -> list[tuple[int, str, str, str]]:
    """(paragraph, chosen, gold, class) for every quote paragraph decided by turn-taking or salience."""
    text = novel.book.text
    cands = _candidates(novel)
    turns: list[tuple[int, str, int, int, bool]] = []  # paragraph, speaker, start, end, right
    narration_since: list[str] = []
    out = []
    for ln in script.lines:
        seg = ln.segment
        if seg.kind != "quote":
            if seg.text.strip():
                narration_since.append(seg.text)
            continue
        para = seg.paragraph
        if turns and turns[-1][0] == para:
            continue
        recent: list[tuple[int, str, int, int, bool]] = []
        last = para
        for t in reversed(turns):
            if last - t[0] > 2 or len(recent) >= RECENT:
                break
            recent.append(t)
            last = t[0]
        gold = novel.gold_speaker(seg.start, seg.end)
        ok = gold is not None and novel.resolve(str(ln.speaker)) == gold
        turns.append((para, str(ln.speaker), seg.start, seg.end, ok))
        between = " ".join(narration_since)
        narration_since = []
        ev = ln.evidence or ""
        if gold is None or not ev.startswith(_KINDS):
            continue
        kind = "turn" if ev.startswith("turn-taking") else "salient"
        if ok:
            out.append((para, str(ln.speaker), gold, f"{kind}: right"))
            continue
        rec_gold = [novel.resolve(t[1]) == gold for t in recent]
        if rec_gold[:1] == [True]:
            prev = recent[0]
            if prev[0] < para - 1:
                cls = "same speaker goes on, after narration"
            elif text[prev[2] : prev[3]].rstrip("\"'”’ \n").endswith("?"):
                cls = "same speaker goes on, after a question"
            else:
                cls = "same speaker goes on, plainly"
        elif rec_gold[1:2] == [True]:
            cls = "partner"
        elif any(rec_gold):
            cls = "third person spoke lately"
        elif _named(between, _aliases(novel, gold)):
            cls = "named between"
        elif seg.start in cands and not any(novel.resolve(c) == gold for c in cands[seg.start]):
            cls = "not a candidate"
        else:
            cls = "other"
        if recent and not recent[0][4]:
            cls += " (cascade)"
        out.append((para, str(ln.speaker), gold, f"{kind}: {cls}"))
    return out


def main() -> int:
    return count_train_classes("turn-taking and most-salient quote paragraphs", classify)


if __name__ == "__main__":
    sys.exit(main())
