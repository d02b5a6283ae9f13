#!/usr/bin/env python3
"""Train the attribution ranker's weights on the train novels of an annotated corpus (PDNC layout),
measure them with leave-one-novel-out over those novels, then score the validation novels.

    python bench/train_attribution.py [GOLD_ROOT] [--out FILE] [--split TOML] [--no-cv]

GOLD_ROOT defaults to ../shared/eval/pdnc-dev; the split (which novels are train, which validation)
is narrator.evaluate.PDNC_DEV_SPLIT unless --split names a TOML file (train = [...],
validation = [...]). Only train novels are fitted on; the validation novels are scored once, with
the weights fitted on all train novels, and never used for fitting or for choosing L2 or ROUNDS.
--out defaults to narrator/attribute/weights.json: ship what this prints only when validation
does not fall.

Reproducible: every fit starts from the hand-set priors in narrator/attribute/weights.py (never
from the shipped weights.json), so the same code and corpus give the same file, byte for byte.
The L2 penalty (0.001) and ROUNDS (3) were picked on 2026-11-25 by leave-one-novel-out over six
dev novels, all of them train novels now. The annotated novels are read, never copied: only the
learned weights (a few dozen numbers), the per-rule accuracies and the confidence calibration (a
dozen numbers, narrator/attribute/calibrate.py) are written.

The calibration is fitted last, on the quotes of the train novels as the leave-one-novel-out runs
decided them (each novel by weights fitted without it, so its raw confidences are as optimistic as
on a book never seen; with --no-cv, in-sample), and so it is refitted whenever the weights are. It
prints reliability per decile, ECE, Brier and log-loss before and after, on train (also out-of-fold:
the map fitted without the novel) and validation, and how many lines `narrator script` marks.
The pipeline is run end to end (own quotes, own character discovery), exactly as `narrator eval`
does. Last it lists the fixture cases of tests/fixtures/attribute.md the written weights get wrong
(bench/fixture_check.py): the unit tests run them with the shipped file, so a file to ship must
pass them too.

Measured 2026-11-30 (branch quotes-eval, --out /tmp/w.json; two runs gave the same file): leave-
one-novel-out over the 10 train novels 82.5 % lenient (11766/14265), 81.6 % strict; fitted on
all ten, train in-sample 82.8 % (strict 81.9 %), validation 78.1 % (strict 71.6 %), against 82.1 %
(81.2 %) and 78.0 % (71.4 %) for the weights.json shipped then.
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from narrator.attribute import RankedChoice, Trace, Weights, attribute  # noqa: E402
from narrator.attribute.calibrate import Calibration, Cue, Recorder, deciles, expected_calibration_error  # noqa: E402
from narrator.attribute.calibrate import fit as fit_calibration  # noqa: E402
from narrator.attribute.weights import DEFAULT_WEIGHTS, shipped_weights  # noqa: E402
from narrator.evaluate import (  # noqa: E402
    PDNC_DEV_SPLIT,
    NovelResult,
    format_report,
    load_jsonl,
    name_resolver,
    read_split,
    score_lines,
)
from narrator.ingest import read_book  # noqa: E402
from narrator.segment import segment_book  # noqa: E402
from narrator.types import Script  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_check import fixture_failures  # noqa: E402

L2 = 0.001  # chosen by leave-one-novel-out among 0, 0.0003, 0.001, 0.005, 0.02
ROUNDS = 3


class Novel:
    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.book = read_book(path / "text.txt")
        self.segments = segment_book(self.book)
        self.gold = load_jsonl(path / "quotes.jsonl")
        self.characters = json.loads(
            (path / "characters.json").read_text(encoding="utf-8")
        )
        self.resolve = name_resolver(self.characters, lenient=True)  # labels as the headline judges names
        spans = sorted((s, e, q["speaker"]) for q in self.gold for s, e in q["spans"])
        self.span_starts = [s for s, _, _ in spans]
        self.spans = spans

    def name_forms(self, who: str) -> list[str]:
        """How the text may name the gold character `who`: its gold names and their capitalised
        words of three letters or more (no title), longest first."""
        entry = self.characters.get(who, {})
        out = set()
        for n in set(entry.get("aliases", [])) | {who}:
            out.add(n)
            out.update(p for p in n.split() if p[:1].isupper() and not p.endswith(".") and len(p) > 2)
        return sorted(out, key=len, reverse=True)

    def gold_speaker(self, start: int, end: int) -> str | None:
        best, best_ov = None, 0
        lo = max(0, bisect.bisect_left(self.span_starts, start) - 20)
        for s, e, who in self.spans[lo : bisect.bisect_right(self.span_starts, end)]:
            ov = min(e, end) - max(s, start)
            if ov > best_ov:
                best, best_ov = who, ov
        return best


def weights_of(data: dict) -> Weights:
    """Weights as the pipeline takes them; {} gives the hand-set priors of weights.py, never the
    shipped weights.json (so training does not depend on the file it replaces)."""
    return Weights.from_dict(data)


def run(novel: Novel, data: dict):
    """Attribute the novel with the given weights; return (script, ranked choices, rule kinds)."""
    trace = Trace()
    script = attribute(novel.book, novel.segments, weights=weights_of(data), trace=trace)
    return script, trace.ranked, trace.rules


def examples(novel: Novel, ranked: list[RankedChoice]) -> list[tuple[list[dict], list[int]]]:
    out = []
    for choice in ranked:
        segs, cands, feats = choice.quotes, choice.candidates, list(choice.features)
        if not segs:
            continue
        gold = novel.gold_speaker(segs[0].start, segs[0].end)
        if gold is None:
            continue
        pos = [i for i, c in enumerate(cands) if novel.resolve(c) == gold]
        if pos and len(pos) < len(cands):
            out.append((feats, pos))
    return out


def rule_accuracy(novels_rules) -> dict[str, float]:
    total, right = Counter(), Counter()
    for _novel, rules, lines_ok in novels_rules:
        for seg, kind in rules:
            ok = lines_ok.get((seg.start, seg.end))
            if ok is None or kind == "ranked":
                continue
            total[kind] += 1
            right[kind] += ok
    # Laplace-smoothed accuracy, so a rule seen twice does not claim certainty
    return {
        k: round((right[k] + 1) / (total[k] + 2), 3) for k in total if total[k] >= 3
    }


def line_correctness(novel: Novel, script) -> dict[tuple[int, int], bool]:
    out = {}
    for ln in script.lines:
        if ln.segment.kind != "quote":
            continue
        gold = novel.gold_speaker(ln.segment.start, ln.segment.end)
        if gold is not None:
            out[(ln.segment.start, ln.segment.end)] = novel.resolve(ln.speaker) == gold
    return out


def train(
    exs: list[tuple[list[dict], list[int]]], start: dict[str, float] | None = None
) -> dict[str, float]:
    vocab = sorted({k for feats, _ in exs for f in feats for k in f})
    index = {k: i for i, k in enumerate(vocab)}
    mats, masks = [], []
    for feats, pos in exs:
        m = np.zeros((len(feats), len(vocab)))
        for r, f in enumerate(feats):
            for k, v in f.items():
                m[r, index[k]] = v
        mk = np.zeros(len(feats), dtype=bool)
        mk[pos] = True
        mats.append(m)
        masks.append(mk)
    # pad into one tensor for speed
    width = max(m.shape[0] for m in mats)
    X = np.zeros((len(mats), width, len(vocab)))
    valid = np.zeros((len(mats), width), dtype=bool)
    positive = np.zeros((len(mats), width), dtype=bool)
    for i, (m, mk) in enumerate(zip(mats, masks, strict=True)):
        X[i, : m.shape[0]] = m
        valid[i, : m.shape[0]] = True
        positive[i, : m.shape[0]] = mk
    w = np.array([(start or {}).get(k, 0.0) for k in vocab])
    mom, vel = np.zeros_like(w), np.zeros_like(w)
    lr, b1, b2 = 0.05, 0.9, 0.999
    n = len(mats)
    for step in range(1, 401):
        s = X @ w
        s = np.where(valid, s, -1e9)
        s = s - s.max(axis=1, keepdims=True)
        e = np.exp(s) * valid
        p = e / e.sum(axis=1, keepdims=True)
        ppos = np.where(positive, p, 0.0)
        q = ppos / ppos.sum(axis=1, keepdims=True)  # posterior over positives
        grad = np.einsum("nc,ncf->f", p - q, X) / n + L2 * w
        mom = b1 * mom + (1 - b1) * grad
        vel = b2 * vel + (1 - b2) * grad * grad
        w -= lr * (mom / (1 - b1**step)) / (np.sqrt(vel / (1 - b2**step)) + 1e-8)
    return {k: round(float(v), 4) for k, v in zip(vocab, w, strict=True)}


def fit(novels: list[Novel]) -> dict:
    """Weights and rule accuracies learned from these novels."""
    data: dict = {}  # round 1 ranks with the hand-set priors
    for _ in range(ROUNDS):
        exs, nr = [], []
        for nv in novels:
            script, trace, rules = run(nv, data)
            exs += examples(nv, trace)
            nr.append((nv, rules, line_correctness(nv, script)))
        data = {
            # round 1 also starts the fit from the priors; later rounds from the last round's fit
            "features": train(exs, data.get("features") or DEFAULT_WEIGHTS),
            "confidence": rule_accuracy(nr),
        }
    return data


def calibration_report(conf: list[float], right: list[bool]) -> str:
    """Reliability per decile of confidence, expected calibration error, Brier score and log-loss."""
    c, y = np.array(conf), np.array(right, dtype=float)
    ece = expected_calibration_error(conf, right)
    cells = [f"{100 * share:.0f}%@{mean:.2f}" for mean, share, _ in deciles(conf, right)]
    clipped = np.clip(c, 0.001, 0.999)
    loss = -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
    return (f"ECE {100 * ece:.2f} pts, Brier {np.mean((c - y) ** 2):.4f}, log-loss {loss:.4f} (n={len(c)}); "
            f"right@confidence per decile: {' '.join(cells)}")


Judged = list[tuple[str, Cue, bool]]
"""(novel, cue, speaker right) of every quote line with a gold speaker: what the calibration is
fitted and measured on."""


def evaluate(novel: Novel, data: dict, judged: Judged | None = None) -> NovelResult:
    import time

    recorder = Recorder(Calibration.from_dict(data.get("calibration")).coef)
    weights = replace(weights_of(data), calibration=recorder)
    t0 = time.perf_counter()
    script = attribute(novel.book, novel.segments, weights=weights)
    sec = time.perf_counter() - t0
    if judged is not None:
        right = line_correctness(novel, script)
        quotes = [ln.segment for ln in script.lines if ln.segment.kind == "quote"]
        for seg, cue in zip(quotes, recorder.seen, strict=True):
            ok = right.get((seg.start, seg.end))
            if ok is not None:
                judged.append((novel.name, cue, ok))
    return NovelResult(
        novel.name,
        tuple(score_lines(script.lines, novel.gold, novel.characters)),
        sec,
        len(novel.book.text.split()),
        len(script.characters),
    )


def check_summary(mapped: Calibration, judged: Judged, label: str) -> str:
    """How many quote lines `narrator script` marks to check, and how often they and the others are wrong."""
    conf = mapped.apply([c for _, c, _ in judged])
    flagged = [ok for c, (_, _, ok) in zip(conf, judged, strict=True) if c < mapped.check_below]
    rest = [ok for c, (_, _, ok) in zip(conf, judged, strict=True) if c >= mapped.check_below]
    return (f"{label}: {len(flagged)} of {len(judged)} quote lines marked to check (confidence below "
            f"{mapped.check_below:.2f}): {_wrong(flagged)}; unmarked lines {_wrong(rest)}")


def _wrong(oks: list[bool]) -> str:
    return f"{100 * (1 - sum(oks) / len(oks)):.1f} % wrong ({len(oks) - sum(oks)}/{len(oks)})" if oks else "-"


def calibration_summary(label: str, mapped: Calibration, judged: Judged, out_of_fold: bool) -> str:
    """Calibration before and after the map, and (`out_of_fold`) with the map fitted per novel on
    the other novels only."""
    cues, right = [c for _, c, _ in judged], [ok for _, _, ok in judged]
    lines = [f"{label}, raw:        {calibration_report([c.raw for c in cues], right)}",
             f"{label}, calibrated: {calibration_report(mapped.apply(cues), right)}"]
    if out_of_fold:
        conf, ys = [], []
        for name in dict.fromkeys(n for n, _, _ in judged):
            rest = [(c, ok) for n, c, ok in judged if n != name]
            mine = [(c, ok) for n, c, ok in judged if n == name]
            fitted = fit_calibration([c for c, _ in rest], [ok for _, ok in rest])
            conf += fitted.apply([c for c, _ in mine])
            ys += [ok for _, ok in mine]
        lines.append(f"{label}, calibrated out-of-fold (map fitted without the novel): {calibration_report(conf, ys)}")
    return "\n".join(lines)


def default_root() -> Path:
    """../shared/eval/pdnc-dev beside the checkout (or beside the folder of worktrees)."""
    here = Path(__file__).resolve()
    found = [p / "shared/eval/pdnc-dev" for p in here.parents if (p / "shared/eval/pdnc-dev").is_dir()]
    return found[0] if found else here.parents[2] / "shared/eval/pdnc-dev"


def diagnostic_args(list_help: str | None = None) -> tuple[argparse.Namespace, Weights]:
    """The arguments every train-novel diagnostic takes: ROOT, --weights FILE (default: the
    shipped weights.json) and, when `list_help` says what it prints, --list."""
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=str(default_root()))
    ap.add_argument("--weights", help="weights JSON (default: the shipped weights.json)")
    if list_help:
        ap.add_argument("--list", action="store_true", help=list_help)
    args = ap.parse_args()
    weights = Weights.from_dict(json.loads(Path(args.weights).read_text())) if args.weights else shipped_weights()
    return args, weights


def traced_train_runs(root: str, weights: Weights) -> Iterator[tuple[str, Novel, Script, Trace]]:
    """Each train novel attributed with `weights`, traced (so decoded greedily, as the trainer
    sees it): (name, novel, script, trace)."""
    for name in PDNC_DEV_SPLIT["train"]:
        novel = Novel(Path(root) / name)
        trace = Trace()
        yield name, novel, attribute(novel.book, novel.segments, weights=weights, trace=trace), trace


def train_runs(root: str, weights: Weights) -> Iterator[tuple[str, Novel, Script]]:
    """Each train novel attributed with `weights` as `narrator eval` does (the beam decoder)."""
    for name in PDNC_DEV_SPLIT["train"]:
        novel = Novel(Path(root) / name)
        yield name, novel, attribute(novel.book, novel.segments, weights=weights)


def print_wrong_rows(name: str, rows: list[tuple[str, str, str, str]]) -> None:
    """The rows (where, chosen, gold, class) of a diagnostic that are no "right" ones."""
    for where, chosen, gold, kind in rows:
        if kind != "right":
            print(f"{name} | {where} | {chosen} | {gold} | {kind}")


def count_train_classes(
    label: str,
    classify: Callable[[Novel, Script], list[tuple[str, str, str, str]]],
    each: Callable[[Novel, Script, Trace, Weights], None] | None = None,
) -> int:
    """The command line of the diagnostics that sort a kind of ranker decision by error class on
    the train novels (bench/nominal_tags.py, bench/pronoun_tags.py): `classify` gives one row
    (where, chosen, gold, class) per decision; prints the totals by class, and with --list every
    wrong row. `each`, if given, also sees every run, traced (and so decoded greedily, as the
    trainer sees it: bench/pronoun_tags.py); without it the runs are `narrator eval`'s."""
    args, weights = diagnostic_args("print every wrong quote")
    total: Counter = Counter()
    runs: Iterator[tuple[str, Novel, Script, Trace | None]] = (
        traced_train_runs(args.root, weights)
        if each is not None
        else ((name, novel, script, None) for name, novel, script in train_runs(args.root, weights))
    )
    for name, novel, script, trace in runs:
        rows = classify(novel, script)
        total.update(kind for *_, kind in rows)
        if args.list:
            print_wrong_rows(name, rows)
        if each is not None and trace is not None:
            each(novel, script, trace, weights)
    print(f"{label} {sum(total.values())}: " + ", ".join(f"{k} {v}" for k, v in total.most_common()))
    return 0


def leave_one_out(novels: list[Novel], judged: Judged | None = None) -> list[NovelResult]:
    """Each novel scored with weights fitted on the others."""
    return [evaluate(held, fit([n for n in novels if n is not held]), judged) for held in novels]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=str(default_root()))
    ap.add_argument(
        "--out",
        default=str(
            Path(__file__).resolve().parents[1] / "narrator/attribute/weights.json"
        ),
        help="file to write the fitted weights to (default: the shipped narrator/attribute/weights.json)",
    )
    ap.add_argument("--split", help="TOML file: train = [...], validation = [...] (default: the pdnc-dev split)")
    ap.add_argument("--no-cv", action="store_true", help="skip leave-one-novel-out")
    ap.add_argument("--l2", type=float, default=L2, help=f"L2 penalty (default {L2})")
    ap.add_argument("--rounds", type=int, default=ROUNDS, help=f"train/re-run rounds (default {ROUNDS})")
    args = ap.parse_args()
    globals()["L2"] = args.l2
    globals()["ROUNDS"] = args.rounds
    split = read_split(Path(args.split)) if args.split else PDNC_DEV_SPLIT
    root = Path(args.root)
    train_names = [n for n in split.get("train", ()) if (root / n / "quotes.jsonl").exists()]
    valid_names = [n for n in split.get("validation", ()) if (root / n / "quotes.jsonl").exists()]
    if not train_names:
        print(f"no train novels of the split under {root}", file=sys.stderr)
        return 2
    train = [Novel(root / n) for n in train_names]
    print(f"train ({len(train)}): {', '.join(train_names)}")
    print(f"validation ({len(valid_names)}, scored only): {', '.join(valid_names)}")
    loo: Judged = []
    if not args.no_cv:
        results = leave_one_out(train, loo)
        right = sum(r.correct for r in results)
        total = sum(r.total for r in results)
        print("\nLeave-one-novel-out over the train novels (each scored with weights fitted on the others):")
        print(format_report(results))
        print(f"leave-one-novel-out: {right}/{total} quotes right, lenient names ({100 * right / total:.2f}%); "
              f"strict {sum(r.correct_strict for r in results)}/{total}")
    data = fit(train)
    data["trained_on"] = train_names
    source = "leave-one-novel-out" if loo else "in-sample"
    seen: Judged = loo if loo else []  # a new list: filling `loo` would make --no-cv claim a leave-one-out
    if not loo:  # --no-cv: the train novels as the fitted weights decide them (optimistic)
        for nv in train:
            evaluate(nv, data, seen)
    mapped = fit_calibration([c for _, c, _ in seen], [ok for _, _, ok in seen])
    data["calibration"] = {"coef": dict(mapped.coef), "check_below": mapped.check_below,
                           "check_wrong": mapped.check_wrong, "fitted_on": f"train novels, {source}"}
    out = Path(args.out)
    out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwrote {out} ({len(data['features'])} feature weights, {len(data['confidence'])} rule accuracies, "
          f"a confidence calibration of {len(mapped.coef)} numbers fitted {source})")
    valid = [Novel(root / n) for n in valid_names]
    in_sample: Judged = []
    held_out: Judged = []
    scored = [evaluate(n, data, in_sample) for n in train] + [evaluate(n, data, held_out) for n in valid]
    print("Weights fitted on all train novels: train in-sample, validation held out:")
    print(format_report(scored, split=split))
    print(f"\nConfidence calibration (fitted on the train novels, {source}):")
    if loo:
        print(calibration_summary("train leave-one-novel-out", mapped, loo, out_of_fold=True))
    print(calibration_summary("train in-sample", mapped, in_sample, out_of_fold=not loo))
    if held_out:
        print(calibration_summary("validation", mapped, held_out, out_of_fold=False))
    print(check_summary(mapped, in_sample, "train in-sample"))
    if held_out:
        print(check_summary(mapped, held_out, "validation"))
    failures = fixture_failures(weights_of(data))
    print(f"\nFixture cases of tests/fixtures/attribute.md these weights get wrong: {len(failures)}")
    for failure in failures:
        print("  " + failure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
