#!/usr/bin/env python3
"""Long continued speeches: how often a quote left open at a paragraph's end ("continued"
decisions: the next paragraph opens with a quote mark and goes on with the same speaker) is
attributed right, per train novel, and how long the wrong runs are.

    python bench/continued_runs.py [GOLD_ROOT] [--novels A,B] [--show N]

A run is a head quote (decided any way) followed by the chain of "continued" decisions that
take its speaker. Per novel: continued quotes and their accuracy (lenient names), runs, runs
whose head is wrong (the whole run then inherits the wrong speaker), and quotes lost in them.
`--show N` prints the N longest wrong runs per novel (head evidence and text): train novels only.
Validation novels are never run here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_attribution import Novel, default_root  # noqa: E402

from narrator.attribute import attribute  # noqa: E402
from narrator.evaluate import PDNC_DEV_SPLIT  # noqa: E402
from narrator.types import Line  # noqa: E402

CONTINUED = "quote continued from the previous paragraph"


def judged_lines(gold_dir: Path) -> list[tuple[Line, bool | None]]:
    """Every quote line with whether its speaker is the gold speaker of the gold quote it
    overlaps most (None: no gold quote)."""
    novel = Novel(gold_dir)
    out: list[tuple[Line, bool | None]] = []
    for ln in attribute(novel.book, novel.segments).lines:
        if ln.segment.kind == "quote":
            gold = novel.gold_speaker(ln.segment.start, ln.segment.end)
            out.append((ln, None if gold is None else novel.resolve(ln.speaker) == gold))
    return out


def runs(lines: list[tuple[Line, bool | None]]) -> list[list[tuple[Line, bool | None]]]:
    """Head quote + its chain of continued quotes, for every chain of at least one."""
    found: list[list[tuple[Line, bool | None]]] = []
    for i, (ln, _) in enumerate(lines):
        if ln.evidence.startswith(CONTINUED):
            if found and found[-1][-1] is lines[i - 1]:
                found[-1].append(lines[i])
            elif i > 0:
                found.append([lines[i - 1], lines[i]])
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", type=Path, default=default_root())
    ap.add_argument("--novels", default=",".join(PDNC_DEV_SPLIT["train"]))
    ap.add_argument("--show", type=int, default=0)
    args = ap.parse_args()
    names = [n for n in args.novels.split(",") if n in PDNC_DEV_SPLIT["train"]]
    print(f"{'novel':28} {'cont':>5} {'right':>6} {'runs':>5} {'long':>5} {'badhead':>8} {'lost':>5} {'maxrun':>6}")
    tot = [0, 0, 0, 0, 0, 0]
    for name in names:
        lines = judged_lines(args.root / name)
        rs = runs(lines)
        cont = [ok for r in rs for _, ok in r[1:] if ok is not None]
        bad = [r for r in rs if r[0][1] is False]
        lost = sum(1 for r in bad for _, ok in r[1:] if ok is False)
        long_runs = sum(1 for r in rs if len(r) > 3)
        row = [len(cont), sum(cont), len(rs), long_runs, len(bad), lost]
        tot = [a + b for a, b in zip(tot, row, strict=True)]
        mx = max((len(r) for r in rs), default=0)
        pct = 100.0 * row[1] / row[0] if row[0] else 0.0
        print(f"{name:28} {row[0]:5d} {pct:5.1f}% {row[2]:5d} {row[3]:5d} {row[4]:8d} {row[5]:5d} {mx:6d}")
        for r in sorted(bad, key=len, reverse=True)[: args.show]:
            head = r[0][0]
            text = head.segment.text[:70].replace("\n", " ")
            print(f"    run of {len(r)} from {head.segment.start}: {head.speaker} [{head.evidence}] {text!r}")
    pct = 100.0 * tot[1] / tot[0] if tot[0] else 0.0
    print(f"{'TRAIN':28} {tot[0]:5d} {pct:5.1f}% {tot[2]:5d} {tot[3]:5d} {tot[4]:8d} {tot[5]:5d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
