"""How close is `render --dry-run`'s length estimate to the real audio? (a script, not a test)

    python bench/estimate_bench.py                                   # the sample book
    python bench/estimate_bench.py ../shared/eval/pdnc-dev/TheSignOfTheFour/text.txt
    python bench/estimate_bench.py BOOK --output /tmp/out --jobs 2   # keep the render

For each book: the dry-run estimate, then a real render with the book's own voices (espeak by
default; lines come from the line cache when an earlier render made them, so a second run is
quick), and the real length of the files written (the manifest's seconds, which are the encoded
MP3s' exact lengths). It also prints, per voice, how long its lines really are against the
nominal length the estimate uses (letters / LETTERS_PER_WORD words at the voice's rate), read
from the same cached clips with their edge silence trimmed as the chapter has it: that ratio is
the voice's real speaking rate against its nominal one, the measurement the estimate stands on.
The old estimate (whole words at the voice's rate) is printed for comparison.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrator import pipeline  # noqa: E402
from narrator.assemble import trim_silence  # noqa: E402
from narrator.engines import cached_engine  # noqa: E402
from narrator.resume import Manifest  # noqa: E402
from narrator.synthesize import LineCache, default_cache_dir, nominal_seconds, spoken_text, word_count  # noqa: E402


def clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def measure(book: Path, output: Path, jobs: int | None, cache: Path | None) -> None:
    plan = pipeline.prepare(book, output=output, jobs=jobs, cache_dir=cache)
    estimate = sum(c.estimated_seconds for c in plan.chapters)
    by_words = sum(sum(word_count(spoken_text(u.text)) * 60 / u.voice.rate for u in c.utterances)
                   + sum(c.pauses) for c in plan.chapters)
    pipeline.render(book, plan=plan)
    manifest = Manifest.read(plan.book_dir)
    real = sum(manifest.seconds(c.path) for c in plan.chapters)
    print(f"{book.name}: {len(plan.chapters)} chapters, {plan.lines} lines")
    print(f"  estimate {clock(estimate)}  real {clock(real)}  estimate/real {estimate / real:.3f}"
          f"   (old, whole words: {clock(by_words)}, {by_words / real:.3f})")
    pauses = sum(sum(c.pauses) for c in plan.chapters)
    print(f"  pauses (pacing config) {clock(pauses)}, speech {clock(real - pauses)} real vs "
          f"{clock(estimate - pauses)} estimated")
    lines = LineCache(cache or default_cache_dir())
    voices: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for chapter in plan.chapters:
        for u in chapter.utterances:
            spoken = spoken_text(u.engine_text)
            if not spoken:
                continue
            engine = cached_engine(u.voice.engine)
            clip = lines.get(LineCache.key(engine.identity(), u.voice, spoken))
            if clip is None:
                continue
            row = voices[f"{u.voice.voice} @{u.voice.rate}"]
            row[0] += trim_silence(clip).seconds
            row[1] += nominal_seconds(spoken, u.voice.rate)
            row[2] += 1
    print("  voice (rate wpm)               lines   real speech / nominal")
    for name, (seconds, nominal, count) in sorted(voices.items(), key=lambda kv: -kv[1][0]):
        print(f"  {name:30} {int(count):6}   {seconds / nominal:.3f}  ({clock(seconds)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("books", nargs="*", type=Path, default=[ROOT / "text" / "the-lighthouse-keepers.md"])
    parser.add_argument("--output", type=Path, help="Render here (default: a temporary folder).")
    parser.add_argument("--jobs", type=int, help="Worker processes (default: one per core).")
    parser.add_argument("--cache", type=Path, help="Line cache (default: narrator's).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="narrator-estimate-") as tmp:
        for book in args.books:
            measure(book, args.output or Path(tmp), args.jobs, args.cache)


if __name__ == "__main__":
    main()
