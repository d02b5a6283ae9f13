#!/usr/bin/env python3
"""Is the per-book style model (narrator/attribute/style.py) worth a ranker feature? On the train
novels only: for every untagged quote paragraph the ranker decides (greedy pass, no pronoun tag),
how often the gold speaker has the highest style score among the candidates, against how often
the ranker's own choice is right; and how right the examples (paragraphs with a named tag,
found before the pass) are.

    python bench/style_diagnostic.py [GOLD_ROOT] [--weights FILE]

Measured 2026-11-30 (branch style, shipped weights, greedy pass, LAMBDA 0.3, CLIP 8): the
examples are right 5184 of 5221 times (99.3 %). Of 3781 untagged ranked paragraphs whose gold
speaker is a candidate, the ranker gets 3082 right (81.5 %). Alone the style model is a weak
judge: where at least two candidates have a model and the gold speaker is one of them (3453),
the best style score is the gold speaker's 1422 times (41.2 %; the ranker 2876, 83.3 %);
between the ranker's two best candidates, both modelled (2834), 1807 times (63.8 %, chance 50;
the ranker 2536). Added to the ranker's score it still helps: + 2.0 x style, 3119 right (+37),
+ 1.0 x 3116, + 0.5 x 3103, + 4.0 x 3046. Smoothing and CLIP were chosen this way on these
train novels: Dirichlet smoothing (background weight 200 … 10000 tokens) gave at most +30, and
on tagged lines ranked the speaker's own style below another character's more often than not
in two novels (pairwise 0.33 in TheSignOfTheFour and ThePictureOfDorianGray; 0.67 … 0.86 in
every novel with LAMBDA 0.3).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.train_attribution import Novel, diagnostic_args  # noqa: E402
from narrator.attribute import Trace, attribute  # noqa: E402
from narrator.attribute.core import start_pass  # noqa: E402
from narrator.attribute.rank import choose  # noqa: E402
from narrator.evaluate import PDNC_DEV_SPLIT  # noqa: E402


def main() -> int:
    args, weights = diagnostic_args()
    total: Counter = Counter()
    mix: list[tuple[list[float], list[float], list[bool]]] = []
    for name in PDNC_DEV_SPLIT["train"]:
        nv = Novel(Path(args.root) / name)
        state, _ = start_pass(nv.book, nv.segments, weights=weights)
        model = state.style
        c: Counter = Counter()
        for para, who in state.named_speakers.items():
            segs = [s for s in state.book.by_paragraph[para] if s.kind == "quote"]
            gold = nv.gold_speaker(segs[0].start, segs[0].end) if segs else None
            if gold is not None:
                c["examples"] += 1
                c["examples_right"] += nv.resolve(who) == gold
        trace = Trace()
        attribute(nv.book, nv.segments, weights=weights, trace=trace)
        for ch in trace.ranked:
            if not ch.quotes or "notag" not in ch.features[0]:
                continue
            gold = nv.gold_speaker(ch.quotes[0].start, ch.quotes[0].end)
            ok = [nv.resolve(x) == gold for x in ch.candidates]
            if gold is None or not any(ok):
                continue
            c["quotes"] += 1
            top, _, _ = choose(list(ch.candidates), list(ch.features), weights.features)
            c["ranker_right"] += ok[top]
            para = ch.quotes[0].paragraph
            scores = [model.score(para, ch.quotes, x) for x in ch.candidates]
            _, _, ranks = choose(list(ch.candidates), list(ch.features), weights.features)
            mix.append((ranks, scores, ok))
            modelled = [i for i, x in enumerate(ch.candidates) if x in model.counts]
            if len(modelled) < 2 or max(scores) == min(scores) or not any(ok[i] for i in modelled):
                continue
            c["judged"] += 1
            best = max(modelled, key=scores.__getitem__)
            c["style_right"] += ok[best]
            c["ranker_right_judged"] += ok[top]
            c["style_fixes"] += ok[best] and not ok[top]
            c["style_breaks"] += ok[top] and not ok[best]
            # among the ranker's two best candidates only (what the feature can swap)
            srt = sorted(range(len(scores)), key=lambda i: -choose([ch.candidates[i]], [ch.features[i]],
                                                                     weights.features)[2][0])[:2]
            if all(ch.candidates[i] in model.counts for i in srt) and any(ok[i] for i in srt):
                c["top2"] += 1
                c["top2_style_right"] += ok[max(srt, key=scores.__getitem__)]
                c["top2_ranker_right"] += ok[srt[0]]
        total.update(c)
        print(name, dict(c), flush=True)
    print("TOTAL", dict(total))
    t = total
    print(f"examples right {t['examples_right']}/{t['examples']}; untagged ranked quotes {t['quotes']}, ranker right "
          f"{t['ranker_right']}; judged by style (>= 2 modelled candidates) {t['judged']}: style top right "
          f"{t['style_right']}, ranker right {t['ranker_right_judged']}; between the ranker's top two (both "
          f"modelled) {t['top2']}: style right {t['top2_style_right']}, ranker right {t['top2_ranker_right']}")
    for k in (0.0, 0.25, 0.5, 1.0, 2.0, 4.0):
        right = sum(ok[max(range(len(ok)), key=lambda i: r[i] + k * sc[i])] for r, sc, ok in mix)
        print(f"ranker score + {k} x style: {right}/{len(mix)} right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
