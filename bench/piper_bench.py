"""Speed and memory of the Piper engine: ~300 words of lines, or a full chapter on 1 and 2 CPUs.

    python bench/piper_bench.py [--voice en_US-joe-medium] [--words 300] [--rate 175] [--pitch 50]
    taskset -c 0 python bench/piper_bench.py     # one CPU, as on a small CI runner
    python bench/piper_bench.py --chapter 1 [--book PATH] [--cpus 1,2]

Lines mode prints the model load time, the real-time factor (synthesis seconds per second of
audio; below 1 is faster than real time) and the process's peak RSS. Lines are the book's
paragraphs, rendered through `synthesize_line` without a cache, so every clip also passes
`check_clip`.

Chapter mode renders one whole chapter (default: chapter 1 of the sample book) the way
`narrator render BOOK --engine piper` does: Piper casting (the shipped joe voice, pitch/rate
variations per character, unless more voices are installed), synthesis, loudness matching,
assembly and the MP3, with an empty line cache. Each run is a fresh process pinned to the first
N CPUs (`--cpus`), with the espeak engine on the same chapter as the baseline measured in the
same run (the machine may be shared; the ratio is what carries over). It prints, per CPU count
and engine: audio length, model load, render wall time, real-time factor and peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
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


def lines_bench(args: argparse.Namespace) -> int:
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


def render_chapter_once(book: Path, index: int, engine_name: str) -> dict[str, float | int | str]:
    """One chapter rendered as `narrator render --engine ENGINE` would, in this process, timed."""
    from narrator.chapter import ChapterJob, render_chapter
    from narrator.engines import get_engine
    from narrator.pipeline import chapter_tags, prepare

    with tempfile.TemporaryDirectory(prefix="piper-bench-") as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # empty line and pitch caches
        started = time.perf_counter()
        engine = get_engine(engine_name)
        plan = prepare(book, output=Path(tmp) / "out", engine=engine)
        chapter = plan.chapters[index - 1]
        engine.synthesize("Ready.", chapter.utterances[0].voice)  # model load, onnxruntime warm-up
        load = time.perf_counter() - started
        probe = 0.0
        if engine_name == "piper":  # what measuring one speaker for casting costs (joe: same size as libritts_r)
            from narrator.engines.piper_speakers import PROBE
            from narrator.synthesize import estimate_f0

            started = time.perf_counter()
            estimate_f0(engine.synthesize(PROBE, VoiceProfile(engine="piper", voice="en_US-joe-medium", rate=160)))
            probe = time.perf_counter() - started
        job = ChapterJob(chapter, chapter_tags(plan.script.book, chapter.chapter), Path(tmp) / "cache")
        started = time.perf_counter()
        outcome = render_chapter(job, engine)
        wall = time.perf_counter() - started
        size = outcome.path.stat().st_size
    return {"engine": engine.identity(), "audio": outcome.seconds, "load": load, "wall": wall,
            "rss": peak_rss_mb(), "lines": len(chapter.utterances), "words": chapter.words,
            "voices": len({u.voice for u in chapter.utterances}), "mp3": size, "probe": probe}


def chapter_bench(args: argparse.Namespace) -> int:
    """Each (CPU count, engine) in a fresh pinned process; a table of the results."""
    from narrator.engines.piper_speakers import MAX_PROBED

    usable = sorted(os.sched_getaffinity(0))
    print(f"book {args.book.name}, chapter {args.chapter}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs (other work slows every row alike)")
    print(f"{'CPUs':>4} {'engine':7} {'audio s':>8} {'load s':>7} {'render s':>9} {'RTF':>6} {'x real':>7} "
          f"{'peak RSS':>9}  vs espeak")
    for cpus in args.cpus:
        if cpus > len(usable):
            print(f"{cpus:>4} (only {len(usable)} CPUs usable here)")
            continue
        baseline = None
        for engine in ("espeak", "piper"):
            command = [sys.executable, __file__, "--child", engine, "--chapter", str(args.chapter),
                       "--book", str(args.book)]
            pinned = set(usable[:cpus])
            out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT,
                                 preexec_fn=lambda cpus=pinned: os.sched_setaffinity(0, cpus))
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rtf = r["wall"] / r["audio"]
            baseline = baseline or rtf
            print(f"{cpus:>4} {engine:7} {r['audio']:8.1f} {r['load']:7.2f} {r['wall']:9.2f} {rtf:6.3f} "
                  f"{1 / rtf:6.1f}x {r['rss']:6.0f} MB  {rtf / baseline:6.1f}x")
            if engine == "piper" and cpus == args.cpus[0]:
                print(f"     ({r['engine']}; {r['lines']} lines, {r['words']} words, {r['voices']} voice "
                      f"profiles, MP3 {r['mp3'] / 1e6:.1f} MB; measuring one speaker's pitch for casting "
                      f"{r['probe']:.2f} s, so ~{r['probe'] * MAX_PROBED:.0f} s once for a model of "
                      f"{MAX_PROBED}+ speakers)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voice", default="en_US-joe-medium", help="Piper voice id or .onnx path")
    parser.add_argument("--model-dir", type=Path, default=None, help="extra folder of Piper voices")
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--rate", type=int, default=175)
    parser.add_argument("--pitch", type=int, default=50)
    parser.add_argument("--chapter", type=int, default=None, help="render this whole chapter instead")
    parser.add_argument("--book", type=Path, default=SAMPLE, help="book for --chapter (default: the sample)")
    parser.add_argument("--cpus", type=lambda s: [int(n) for n in s.split(",")], default=[1, 2],
                        help="CPU counts to pin the chapter runs to (default 1,2)")
    parser.add_argument("--child", choices=["espeak", "piper"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(render_chapter_once(args.book.resolve(), args.chapter, args.child)))
        return 0
    if args.chapter:
        args.book = args.book.resolve()
        return chapter_bench(args)
    return lines_bench(args)


if __name__ == "__main__":
    sys.exit(main())
