#!/usr/bin/env python3
"""Which fixture cases of tests/fixtures/attribute.md a weights file gets wrong.

    python bench/fixture_check.py [--weights FILE]

The fixture cases are short texts in our own prose, one per attribution rule; the unit tests run
them with the shipped weights. A refit learns its weights from the train novels only, and a
weight the novels hardly teach (a gender cue, a turn cue in a three-line scene) can come out
too weak for the short texts: this lists the cases such a file breaks (each under the default
sequence decoder and the greedy pass), so a refit is judged by them beside its novel scores.
bench/train_attribution.py prints the same list for the file it writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_attribute import FIXTURES, read_fixture_file  # noqa: E402

from narrator.attribute import Weights, attribute  # noqa: E402
from narrator.attribute.decode import GREEDY, Beam  # noqa: E402
from narrator.segment import segment_book  # noqa: E402
from narrator.types import Book, Chapter  # noqa: E402


def speakers(prose: str, weights: Weights | None, beam: Beam) -> list[str]:
    """The lower-cased speaker of every quote of `prose`."""
    book = Book("Test", "Tester", prose, (Chapter(1, "", 0, len(prose), 0),))
    script = attribute(book, segment_book(book), weights=weights, beam=beam)
    return [(ln.speaker or "").lower() for ln in script.lines if ln.segment.kind == "quote"]


def fixture_failures(weights: Weights | None) -> list[str]:
    """One line per fixture case (and decoder) whose speakers differ from the expected ones."""
    failures = []
    for line, title, prose, expected in read_fixture_file(FIXTURES):
        want = [s.lower() for s, _ in expected]
        for label, beam in (("beam", Beam()), ("greedy", GREEDY)):
            got = speakers(prose, weights, beam)
            if got != want:
                wrong = [f"{g or 'unknown'} for {w}" for g, w in zip(got, want, strict=False) if g != w]
                failures.append(f"line {line} ({label}): {title}: {', '.join(wrong) or 'quote count differs'}")
    return failures


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", help="weights JSON (default: the shipped weights.json)")
    args = ap.parse_args()
    weights = Weights.from_dict(json.loads(Path(args.weights).read_text())) if args.weights else None
    failures = fixture_failures(weights)
    cases = len(read_fixture_file(FIXTURES))
    print(f"fixture cases: {cases}; failing (case x decoder): {len(failures)}")
    for f in failures:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
