#!/usr/bin/env python3
"""How often character discovery gives the speaking characters a gender, and how often it is wrong,
over the train novels of an annotated corpus (PDNC layout).

    python bench/gender_coverage.py [GOLD_ROOT] [--weights FILE] [--list]

Each gold character who speaks is matched to the discovered characters whose names resolve to it
(lenient names, as the scorer); the most mentioned one gives our gender (none matched: `missing`).
Gold genders M/F are judged (right / wrong / unknown / missing), the rest only counted; each is
also weighted by the character's gold quote count. Then, among the quotes the ranker decided
under a he/she speech tag (evidence "said-tag …: 'he' = …", as bench/pronoun_tags.py): how often
the gold speaker is of unknown gender to us (or missing), and how often a wrong speaker of unknown
gender was chosen. Only train novels are read; --list prints every speaking character judged
wrong or unknown (novel, gold name, gold gender, our name, our gender, quotes).

The attribution runs with a Trace, so it decodes greedily (as the trainer's passes do), which moves
some quotes against `narrator eval`'s beam.

Measured 2026-11-30 at main 6228ab1 (shipped weights): speaking characters 329: right 233, missing
65, unknown 28, wrong 1, gendered with gold X/U 2 (71.7 % gendered, precision 99.6 %); weighted by
their 14265 gold quotes: right 13743, unknown 252, missing 239, wrong 1 (96.6 % gendered, precision
100.0 %). The unknown ones with most quotes are Alice's animals ("the Gryphon", "the Caterpillar":
the article hides them from the pronoun window; let in, "she" = Alice made the Caterpillar and the
Dormouse female, Alice 94.8 -> 94.4 % refitted, dropped), a name only ever addressed ("Gladys") and
a man merged with a woman's rare full name ("Dallas" + "Regina Dallas"). Ranked choices under a
he/she tag or beat: 3658, of which 1386 had candidates of unknown gender, and in only 32 of those
was the gold speaker one of them (Gladys 11, Dallas 6, Landlord 4…); pronoun-tag quotes 3776,
gold speaker unknown to us 21, not found 41; 670 wrong, of which 2 went to someone of unknown
gender. So on novels gender coverage is no longer what costs pronoun tags: dropping unknown-gender
candidates under he/she could win at most those 2 and loses up to the 32 (measured before as LOO
12151 vs 12227), and better coverage cannot change that balance by much.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_attribution import Novel, diagnostic_args, traced_train_runs  # noqa: E402

from narrator.attribute import RankedChoice  # noqa: E402

_PRONOUN = re.compile(r"^(?:said-tag (?:after|before) quote|possessive tag|lead-in before quote): '(he|she)' = ")
_GOLD = {"M": "male", "F": "female"}


def ours_by_gold(novel: Novel, script) -> dict[str, tuple[str, str]]:
    """Gold character → (our name, our gender) of the most mentioned discovered match."""
    best: dict[str, tuple[int, str, str]] = {}
    for c in script.characters:
        g = novel.resolve(c.name)
        if g is not None and (g not in best or c.mentions > best[g][0]):
            best[g] = (c.mentions, c.name, c.gender)
    return {g: (name, gender) for g, (_, name, gender) in best.items()}


def judge(want: str | None, have: str | None) -> str:
    if have is None:
        return "missing"
    if have == "unknown":
        return "unknown"
    if want is None:
        return "gendered (gold X/U)"
    return "right" if want == have else "wrong"


def unknown_candidates(novel: Novel, choices: list[RankedChoice]) -> Counter:
    """Among the ranker's choices under a gendered tag or beat with a gender match: how many
    had candidates of unknown gender, how many of those were the gold speaker (a filter dropping
    them would lose these), and how many choices went to one that was not."""
    out: Counter = Counter()
    for choice in choices:
        if not choice.quotes:
            continue
        feats = choice.features
        if not any(k.startswith("tag_") and "_grank" in k for f in feats for k in f):
            continue
        gold = novel.gold_speaker(choice.quotes[0].start, choice.quotes[0].end)
        if gold is None:
            continue
        out["choices"] += 1
        unknown = [c for c, f in zip(choice.candidates, feats, strict=True) if any(k.endswith("_gunknown") for k in f)]
        if unknown:
            out["with unknown-gender candidates"] += 1
            if any(novel.resolve(c) == gold for c in unknown):
                out["gold speaker among them"] += 1
                out["  " + novel.name + ": " + gold] += 1
    return out


def main() -> int:
    args, weights = diagnostic_args("print speaking characters judged wrong or unknown")
    people: Counter = Counter()
    quotes: Counter = Counter()
    tags: Counter = Counter()
    ranked: Counter = Counter()
    for name, novel, script, trace in traced_train_runs(args.root, weights):
        ranked.update(unknown_candidates(novel, trace.ranked))
        ours = ours_by_gold(novel, script)
        speaks = Counter(q["speaker"] for q in novel.gold)
        for gold, n in speaks.items():
            want = _GOLD.get(novel.characters.get(gold, {}).get("gender", ""))
            mine = ours.get(gold)
            kind = judge(want, mine[1] if mine else None)
            people[kind] += 1
            quotes[kind] += n
            if args.list and kind in ("wrong", "unknown"):
                print(f"{name} | {gold} | {want} | {mine[0] if mine else '-'} | {kind} | {n}")
        gender = {c.name: c.gender for c in script.characters}
        for ln in script.lines:
            found = _PRONOUN.match(ln.evidence or "") if ln.segment.kind == "quote" else None
            if found is None:
                continue
            gold = novel.gold_speaker(ln.segment.start, ln.segment.end)
            if gold is None:
                continue
            tags["total"] += 1
            mine = ours.get(gold)
            tags["gold speaker " + ("missing" if mine is None else mine[1])] += 1
            if novel.resolve(str(ln.speaker)) != gold:
                tags["wrong"] += 1
                if gender.get(str(ln.speaker), "unknown") == "unknown":
                    tags["wrong, chosen of unknown gender"] += 1
    for label, c in (("speaking characters", people), ("their gold quotes", quotes)):
        total = sum(c.values())
        judged = c["right"] + c["wrong"]
        print(f"{label} {total}: " + ", ".join(f"{k} {v}" for k, v in c.most_common())
              + f"; gendered {100 * (c['right'] + c['wrong'] + c['gendered (gold X/U)']) / total:.1f} %"
              + f", precision {100 * c['right'] / max(1, judged):.1f} %")
    print("ranked choices under a he/she tag or beat: " + ", ".join(f"{k} {v}" for k, v in sorted(ranked.items())))
    print("pronoun-tag quotes: " + ", ".join(f"{k} {v}" for k, v in sorted(tags.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
