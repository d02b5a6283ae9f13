"""How fast and how big is a book-length render? (a script, not a test)

    python bench/render_bench.py                      # 20k-word book + memory at 100k/500k words
    python bench/render_bench.py --memory-words 0     # skip the memory runs

1. Generates a deterministic multi-chapter novel with dialogue and six characters
   (bench/bookgen.py), renders it with `narrator render` on 1 and on 2 worker processes (fresh
   cache and output each), renders it again unchanged, and again after changing the speaker of
   ONE script line.
2. Times the engine alone on exactly the text narrator speaks, the plain way a person would:
   `espeak-ng -f TEXT -w x.wav` then `ffmpeg -i x.wav -ac 1 -b:a 64k x.mp3` (needs Debian's
   espeak-ng and ffmpeg; narrator itself needs neither). Costs are compared per second of audio
   produced, so a different speaking rate does not skew the ratio.
3. Memory: renders two book sizes and samples the memory of the whole process tree (main process,
   forkserver and workers, psutil every 50 ms): "peak tree" sums PSS (a page shared by forked
   processes counts once), "main proc" / "worker" the largest RSS of the main process / of any
   other (forkserver, worker) (what getrusage(RUSAGE_CHILDREN).ru_maxrss would report). It must
   stay flat as the book grows. By default these runs use the fake engine (sine tones; the rest of
   the pipeline — attribution, loudness, assembly, lameenc, tags — is the real one) because 500k
   words through espeak takes long on 2 cores; `--memory-engine espeak` for the real thing.

Every measured command is its own subprocess. Other load on the machine skews wall times: the
load average is printed with each run; CPU seconds (user+sys over the process tree) are shown too.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bookgen import NAMES, make_book  # noqa: E402

FAKE_WRAPPER = """
import sys
sys.path.insert(0, {root!r})
from tests.conftest import preset_fake_engine
import narrator.cli as cli
cli._engine = lambda name: preset_fake_engine() if name else None
sys.argv = ["narrator", *sys.argv[1:]]
cli.main()
"""


@dataclass
class Run:
    wall: float
    cpu: float
    peak_tree_mb: float
    peak_process_mb: float
    peak_main_mb: float
    peak_worker_mb: float
    processes: int
    stderr: str
    load: float

    def summary(self) -> dict[str, int]:
        """Counts from narrator's closing line."""
        flat = " ".join(self.stderr.split())
        m = re.search(r"Wrote (\d+) chapter\(s\), (\d+) unchanged.*?lines synthesized (\d+), from cache (\d+)", flat)
        if not m:
            raise SystemExit(f"could not parse narrator's output:\n{self.stderr[-2000:]}")
        return dict(zip(("written", "unchanged", "synthesized", "cached"), map(int, m.groups())))


def measure(command: list[str], cwd: Path | None = None) -> Run:
    """Run `command`, sampling RSS and CPU of it and all its descendants every 50 ms."""
    import psutil

    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    cpu: dict[int, float] = {}
    pss: dict[int, int] = {}
    peak_tree = peak_one = peak_main = peak_worker = 0
    seen: set[int] = set()
    chunks: list[str] = []
    import threading

    reader = threading.Thread(target=lambda: chunks.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    tick = 0
    while proc.poll() is None:
        tick += 1
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        total = 0
        for p in tree:
            try:
                with p.oneshot():
                    rss = p.memory_info().rss
                    shared_fairly = pss.get(p.pid, rss)
                    if tick % 5 == 1:  # reading smaps costs CPU: PSS every 0.25 s, RSS every 0.05 s
                        try:  # proportional: pages a forked worker shares with its parent count once
                            shared_fairly = pss[p.pid] = p.memory_full_info().pss
                        except (psutil.AccessDenied, AttributeError):
                            pass
                    times = p.cpu_times()
            except psutil.Error:
                continue
            seen.add(p.pid)
            total += shared_fairly
            peak_one = max(peak_one, rss)
            if p.pid == proc.pid:
                peak_main = max(peak_main, rss)
            else:
                peak_worker = max(peak_worker, rss)
            cpu[p.pid] = times.user + times.system  # own time only: reaped children are sampled themselves
        peak_tree = max(peak_tree, total)
        time.sleep(0.05)
    proc.wait()
    wall = time.perf_counter() - start
    reader.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{''.join(chunks)[-3000:]}")
    return Run(wall, sum(cpu.values()), peak_tree / 2**20, peak_one / 2**20, peak_main / 2**20,
               peak_worker / 2**20, len(seen), "".join(chunks), load)


def narrator_cmd(engine: str) -> list[str]:
    if engine == "fake":
        return [sys.executable, "-c", FAKE_WRAPPER.format(root=str(ROOT))]
    return [sys.executable, "-m", "narrator"]


def audio_seconds(book_out: Path) -> float:
    manifest = next(book_out.rglob(".narrator.json"))
    return sum(e["seconds"] for e in json.loads(manifest.read_text()).values())


def spoken_script(book: Path, target: Path) -> int:
    """Write exactly what narrator hands the engine, one line per utterance; return its words."""
    from narrator.pipeline import prepare
    from narrator.synthesize import spoken_text, word_count

    plan = prepare(book, output=target.parent / "unused")
    lines = [spoken_text(u.engine_text) for c in plan.chapters for u in c.utterances]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sum(word_count(x) for x in lines)


def edit_one_line(book: Path, script_out: Path) -> str:
    """`narrator script`, then give one quote of the middle chapter another speaker."""
    text = subprocess.run([sys.executable, "-m", "narrator", "script", str(book)], check=True,
                          capture_output=True, text=True).stdout
    rows = text.splitlines()
    quotes = [i for i, row in enumerate(rows) if re.match(rf"^\[\d+\] ({'|'.join(NAMES)}):", row)]
    i = quotes[len(quotes) // 2]
    speaker = re.match(r"^\[\d+\] (\w+):", rows[i]).group(1)  # type: ignore[union-attr]
    other = next(n for n in NAMES if n != speaker)
    rows[i] = rows[i].replace(f"] {speaker}:", f"] {other}:", 1)
    script_out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return f"{speaker} -> {other}: {rows[i][:70]}"


def mb(x: float) -> str:
    return f"{x:6.0f} MB"


def speed(args: argparse.Namespace, work: Path) -> None:
    book = work / "book.md"
    book.write_text(make_book(args.words, chapters=args.chapters), encoding="utf-8")
    text = work / "spoken.txt"
    words = spoken_script(book, text)
    base = narrator_cmd("espeak")
    print(f"Book: {args.chapters} chapters (uneven: longest ~3x shortest), {words} spoken words, "
          f"{len(text.read_text().splitlines())} lines, characters {', '.join(NAMES)}")
    print(f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")

    rows = []
    # --- engine alone
    have_tools = shutil.which("espeak-ng") and shutil.which("ffmpeg")
    if have_tools:
        wav, mp3 = work / "x.wav", work / "x.mp3"
        e1 = measure(["espeak-ng", "-f", str(text), "-w", str(wav)])
        e2 = measure(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-ac", "1", "-b:a", "64k", str(mp3)])
        with wave.open(str(wav)) as w:
            engine_audio = w.getnframes() / w.getframerate()
        engine_wall = e1.wall + e2.wall
        rows.append(("espeak-ng -w", e1, engine_audio))
        rows.append(("ffmpeg mp3", e2, engine_audio))
    # --- narrator, 1 and 2 workers, each with a fresh cache and output
    # Pin the voices (`narrator cast --write`, as a user fixing speakers would): otherwise moving
    # one quote to another character can change the line counts automatic casting ranks by.
    subprocess.run([*base, "cast", str(book), "--write"], check=True, capture_output=True)
    runs = {}
    for loud in ("default", "off"):
        for jobs in (1, 2):
            tag = f"{jobs}{loud}"
            out, cache = work / f"out{tag}", work / f"cache{tag}"
            extra = ["--loudness", "off"] if loud == "off" else []
            r = measure([*base, "render", str(book), "-o", str(out), "--cache", str(cache), "--jobs", str(jobs),
                         *extra])
            runs[jobs if loud == "default" else -jobs] = (r, audio_seconds(out))
            rows.append((f"narrator -j{jobs}" + (" loud.off" if loud == "off" else ""), r, audio_seconds(out)))
    out2, cache2 = work / "out2default", work / "cache2default"
    again = measure([*base, "render", str(book), "-o", str(out2), "--cache", str(cache2), "--jobs", "2"])
    rows.append(("unchanged again", again, 0.0))
    script = work / "edited.script.txt"
    change = edit_one_line(book, script)
    edited = measure([*base, "render", str(book), "-o", str(out2), "--cache", str(cache2), "--jobs", "2",
                      "--script", str(script)])
    rows.append(("one line edited", edited, 0.0))

    print(f"{'run':18} {'wall s':>8} {'cpu s':>8} {'audio s':>9} {'x realtime':>10} {'peak tree':>10} "
          f"{'peak proc':>10} {'load':>5}")
    for name, r, audio in rows:
        audio_col = f"{audio:9.0f}" if audio else " " * 9
        rt = f"{audio / r.wall:10.0f}" if audio else " " * 10
        print(f"{name:18} {r.wall:8.2f} {r.cpu:8.2f} {audio_col} {rt} {mb(r.peak_tree_mb):>10} "
              f"{mb(r.peak_process_mb):>10} {r.load:5.2f}")
    t1 = runs[1][0].wall
    t2 = runs[2][0].wall
    print()
    if have_tools:
        per_engine = engine_wall / engine_audio
        print(f"engine alone (espeak-ng + ffmpeg): {1000 * per_engine:.2f} ms per audio second "
              f"({1000 * (e1.cpu + e2.cpu) / engine_audio:.2f} ms CPU)")
        for key, name in ((1, "narrator -j1 (default: loudness matched to -18 LUFS)"),
                          (-1, "narrator -j1 --loudness off")):
            r, audio = runs[key]
            print(f"  {name}: {1000 * r.wall / audio:.2f} ms -> ratio {(r.wall / audio) / per_engine:.2f} "
                  f"(CPU ratio {(r.cpu / audio) / ((e1.cpu + e2.cpu) / engine_audio):.2f}; target <= 1.0)")
    else:
        print("espeak-ng/ffmpeg not installed: engine-alone comparison skipped")
    for key, name in ((1, "default"), (-1, "--loudness off")):
        one, two = runs[key][0], runs[2 * key][0]
        print(f"speed-up 1 -> 2 workers ({name}): {one.wall / two.wall:.2f}x wall; CPU {one.cpu:.1f} s vs "
              f"{two.cpu:.1f} s (target >= 1.7x)")
    print(f"unchanged re-render: {again.wall:.2f} s = {100 * again.wall / t2:.1f} % of the first --jobs 2 render, "
          f"{100 * again.wall / t1:.1f} % of --jobs 1 (target <= 5 %); {again.summary()}")
    s = edited.summary()
    print(f"one script line edited ({change}): {edited.wall:.2f} s, lines synthesized {s['synthesized']}, "
          f"chapters written {s['written']}, unchanged {s['unchanged']} (target: 1 and 1)")


def memory(args: argparse.Namespace, work: Path) -> None:
    if not args.memory_words:
        return
    print(f"\nMemory (engine: {args.memory_engine}; --jobs {args.memory_jobs}; ~2,500 words per chapter; "
          "peak = sampled RSS, whole tree = main + workers):")
    print(f"{'words':>8} {'chapters':>8} {'lines':>7} {'audio h':>8} {'wall s':>8} {'peak tree':>10} "
          f"{'main proc':>10} {'worker':>10} {'procs':>5}")
    for words in args.memory_words:
        book = work / f"mem{words}.md"
        chapters = max(4, words // 2500)
        book.write_text(make_book(words, chapters=chapters, seed=words), encoding="utf-8")
        out, cache = work / f"mem-out{words}", work / f"mem-cache{words}"
        r = measure([*narrator_cmd(args.memory_engine), "render", str(book), "-o", str(out), "--cache", str(cache),
                     "--jobs", str(args.memory_jobs), *(["--engine", "fake"] if args.memory_engine == "fake" else [])])
        s = r.summary()
        print(f"{words:8} {chapters:8} {s['synthesized'] + s['cached']:7} {audio_seconds(out) / 3600:8.1f} "
              f"{r.wall:8.1f} {mb(r.peak_tree_mb):>10} {mb(r.peak_main_mb):>10} {mb(r.peak_worker_mb):>10} "
              f"{r.processes:5}")
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=20000)
    parser.add_argument("--chapters", type=int, default=20)
    parser.add_argument("--memory-words", type=int, nargs="*", default=[100000, 500000])
    parser.add_argument("--memory-engine", choices=["fake", "espeak"], default="fake")
    parser.add_argument("--memory-jobs", type=int, default=2)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="narrator-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_speed:
            speed(args, work)
        memory(args, work)
    import resource

    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nLargest single process over all runs (getrusage RUSAGE_CHILDREN ru_maxrss): {largest:.0f} MB "
          "(counts processes this script waited for; pool workers are reaped by the forkserver)")


if __name__ == "__main__":
    main()
