"""Speed and memory of the Piper engine on ~300 words of the sample book.

    python bench/piper_bench.py [--voice en_US-joe-medium] [--words 300] [--rate 175] [--pitch 50]
    taskset -c 0 python bench/piper_bench.py     # one CPU, as on a small CI runner

Prints the model load time, the real-time factor (synthesis seconds per second of audio; below 1
is faster than real time) and the process's peak RSS. Lines are the book's paragraphs, rendered
through `synthesize_line` without a cache, so every clip also passes `check_clip`.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrator.synthesize import spoken_text, synthesize_line, word_count
from narrator.types import VoiceProfile

SAMPLE = ROOT / "text" / "the-lighthouse-keepers.md"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def sample_lines(words: int) -> list[str]:
    """Whole paragraphs from the sample book until about `words` words."""
    lines: list[str] = []
    total = 0
    for paragraph in SAMPLE.read_text(encoding="utf-8").split("\n\n"):
        spoken = spoken_text(paragraph)
        if not spoken or paragraph.lstrip().startswith(("#", "---")):
            continue
        lines.append(spoken)
        total += word_count(spoken)
        if total >= words:
            break
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voice", default="en_US-joe-medium", help="Piper voice id or .onnx path")
    parser.add_argument("--model-dir", type=Path, default=None, help="extra folder of Piper voices")
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--rate", type=int, default=175)
    parser.add_argument("--pitch", type=int, default=50)
    args = parser.parse_args()

    base_rss = peak_rss_mb()
    from narrator.engines import get_engine

    started = time.perf_counter()
    engine = get_engine("piper", model_dir=args.model_dir)
    profile = VoiceProfile(engine="piper", voice=args.voice, rate=args.rate, pitch=args.pitch)
    engine.synthesize("Ready.", profile)  # loads the model (and warms onnxruntime)
    load = time.perf_counter() - started

    lines = sample_lines(args.words)
    audio = 0.0
    started = time.perf_counter()
    for line in lines:
        audio += synthesize_line(line, profile, engine).seconds
    wall = time.perf_counter() - started
    words = sum(word_count(line) for line in lines)

    print(f"engine       {engine.identity()}")
    print(f"voice        {args.voice} (rate {args.rate}, pitch {args.pitch}); "
          f"CPUs usable {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}")
    print(f"load         {load:.2f} s (import, model load, first line)")
    print(f"text         {words} words in {len(lines)} lines -> {audio:.1f} s of audio")
    print(f"synthesis    {wall:.2f} s; real-time factor {wall / audio:.3f} ({audio / wall:.1f}x real time)")
    print(f"peak RSS     {peak_rss_mb():.0f} MB (interpreter and narrator before Piper: {base_rss:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
