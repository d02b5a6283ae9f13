"""Attribution speed: words per second at 1x, 2x and 4x the size of a generated dialogue book.

    python bench/attribution_speed.py [--words 60000] [--greedy] [--profile 25]

The budget is < 3 s per 100k words on one core, and the time must grow linearly with the book
(growth per doubling <= 2.2x). Each size is timed three times in this process and the best run
is kept (the machine is shared; the best run is the least disturbed one). Wall clock and CPU time
(`time.process_time`) are both shown: on a shared machine the CPU time of this single-threaded
process is what "on one core" measures. --greedy also times the greedy pass (`beam=GREEDY`, no
sequence decoder) on the same books, as the baseline. --profile N runs the pass once on the 1x book
under cProfile instead and prints its N most expensive functions (own time, then cumulative); the
profiler's overhead is per call, so compare its figures with each other, not with the timings.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrator.attribute import attribute
from narrator.attribute.decode import GREEDY, Beam
from narrator.segment import segment_book
from narrator.types import Book, Chapter, Segment

PARAGRAPHS = (
    '"You have been very unkind to Harriet," said Mr. Knightley, and he frowned.\n\n'
    '"I have done nothing of the kind," said Emma. She turned away.\n\n'
    '"Then why does she cry?"\n\n"Because she is a silly girl."\n\n'
    "Mr. Knightley looked at Emma for a long moment and then at the window.\n\n"
)


def bench_book(words: int) -> tuple[Book, dict[int, list[Segment]]]:
    """The generated dialogue book of about `words` words, and its segments."""
    per = len(PARAGRAPHS.split())
    text = PARAGRAPHS * max(1, words // per)
    book = Book("Bench", "Bench", text, (Chapter(1, "", 0, len(text), 0),))
    return book, segment_book(book)


def best_seconds(words: int, repeats: int = 3, beam: Beam | None = None) -> tuple[float, float, int]:
    """Best wall-clock and best CPU seconds of `attribute` on a book of about `words` words."""
    book, segments = bench_book(words)
    wall = cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        attribute(book, segments, beam=beam)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu, len(book.text.split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=60_000)
    parser.add_argument("--greedy", action="store_true", help="also time the greedy pass (baseline)")
    parser.add_argument("--profile", type=int, metavar="N", help="print the N costliest functions instead")
    args = parser.parse_args()
    if args.profile:
        book, segments = bench_book(args.words)
        attribute(book, segments)  # the shipped weights and regexes, made once per process
        profile = cProfile.Profile()
        profile.runcall(attribute, book, segments)
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
        return 0
    rows = []
    for factor in (1, 2, 4):
        seconds, cpu, words = best_seconds(args.words * factor)
        rows.append((factor, words, cpu))
        line = (f"{factor}x  {words:8,} words  {seconds:6.2f} s  {words / seconds:9,.0f} words/s  "
                f"{100_000 * seconds / words:5.2f} s wall, {100_000 * cpu / words:5.2f} s CPU per 100k words")
        if args.greedy:
            g_wall, g_cpu, _ = best_seconds(args.words * factor, beam=GREEDY)
            line += (f"   greedy {100_000 * g_wall / words:5.2f} s wall, {100_000 * g_cpu / words:5.2f} s CPU"
                     f"  (beam/greedy CPU {cpu / g_cpu:.2f})")
        print(line)
    growth = [b[2] / a[2] for a, b in zip(rows, rows[1:])]
    print("growth per doubling (CPU): " + ", ".join(f"{g:.2f}" for g in growth) + "  (<= 2.2 is linear enough)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
