"""Which engine renders what it is asked to? Measured justification for the espeak default.

Renders 40 lines of the same sentence whose profile (voice, rate, pitch) changes on every line,
with each engine in its own process (both drive the one libespeak-ng 1.52), and counts lines
that came out wrong: speech duration (leading/trailing silence trimmed) or fundamental frequency
more than 8% away from the reference for that profile, i.e. an ignored or carried-over
parameter. The reference is what the *same* engine renders for that profile as the very first
line of a fresh process, where nothing can carry over. Also reports ms per call and what an
unknown voice id does.

    python bench/engine_check.py [--lines 40]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEXT = "I am not going back there, not tonight, not ever."
PROFILES = [  # (voice, rate, pitch)
    ("en-us", 120, 20),
    ("en-gb+f3", 300, 80),
    ("en-us+m3", 175, 50),
    ("en-gb-x-rp+f1", 220, 35),
    ("en-us", 400, 90),
]
TOLERANCE = 0.08


CALIBRATION_TEXT = "It was a dark and stormy night; the rain fell in torrents, except at occasional intervals."


def calibrate() -> dict:
    """espeak's real seconds per word by rate and F0 by pitch: the numbers check_clip relies on."""
    from narrator.engines import get_engine
    from narrator.synthesize import estimate_f0, word_count
    from narrator.types import VoiceProfile

    engine = get_engine("espeak")
    words = word_count(CALIBRATION_TEXT)
    per_word = {rate: engine.synthesize(CALIBRATION_TEXT, VoiceProfile(rate=rate)).seconds / words
                for rate in (80, 120, 175, 250, 350, 450)}
    f0 = {voice: {pitch: estimate_f0(engine.synthesize(CALIBRATION_TEXT, VoiceProfile(voice=voice, pitch=pitch)))
                  for pitch in (0, 25, 50, 75, 100)} for voice in ("en-us", "en-us+f3")}
    return {"per_word": per_word, "f0": f0}


def speech_seconds(clip) -> float:  # type: ignore[no-untyped-def]
    """Duration from the first to the last non-silent sample (engines differ in end pauses)."""
    import numpy as np

    samples = np.abs(np.frombuffer(clip.pcm, dtype="<i2").astype(np.int32))
    loud = np.nonzero(samples > 300)[0]
    return 0.0 if loud.size == 0 else (loud[-1] - loud[0]) / clip.sample_rate


def first_line(engine_name: str, profile: int) -> dict:
    from narrator.engines import get_engine
    from narrator.synthesize import estimate_f0
    from narrator.types import VoiceProfile

    voice, rate, pitch = PROFILES[profile]
    clip = get_engine(engine_name).synthesize(
        TEXT, VoiceProfile(engine=engine_name, voice=voice, rate=rate, pitch=pitch))
    return {"seconds": speech_seconds(clip), "f0": estimate_f0(clip)}


def worker(engine_name: str, lines: int) -> dict:
    from narrator.engines import get_engine
    from narrator.errors import EngineError
    from narrator.synthesize import estimate_f0
    from narrator.types import VoiceProfile

    engine = get_engine(engine_name)
    engine.synthesize("Warm up.", VoiceProfile())
    rows = []
    start = time.perf_counter()
    for i in range(lines):
        voice, rate, pitch = PROFILES[i % len(PROFILES)]
        t0 = time.perf_counter()
        clip = engine.synthesize(TEXT, VoiceProfile(engine=engine_name, voice=voice, rate=rate, pitch=pitch))
        rows.append({"profile": i % len(PROFILES), "seconds": speech_seconds(clip), "f0": estimate_f0(clip),
                     "ms": (time.perf_counter() - t0) * 1000})
    total_ms = (time.perf_counter() - start) * 1000
    try:
        engine.synthesize(TEXT, VoiceProfile(engine=engine_name, voice="xx-nonexistent"))
        unknown = "silently accepted"
    except EngineError:
        unknown = "EngineError"
    return {"rows": rows, "ms_per_line": total_ms / lines, "unknown_voice": unknown}


def medians(rows: list[dict]) -> list[tuple[float, float]]:
    out = []
    for index in range(len(PROFILES)):
        mine = [r for r in rows if r["profile"] == index]
        out.append((statistics.median(r["seconds"] for r in mine), statistics.median(r["f0"] for r in mine)))
    return out


def analyse(name: str, result: dict, reference: list[tuple[float, float]] | None) -> None:
    rows = result["rows"]
    ref = reference or medians(rows)
    wrong = wrong_rate = wrong_f0 = 0
    print(f"\n== {name}: {result['ms_per_line']:.1f} ms per line, unknown voice -> {result['unknown_voice']}")
    print(f"{'profile':<26}{'1st s':>7}{'1st F0':>7}{'median s':>9}{'median F0':>10}{'wrong':>6}"
          f"{'(dur':>6}{'F0)':>5}")
    for index, (voice, rate, pitch) in enumerate(PROFILES):
        mine = [r for r in rows if r["profile"] == index]
        dur, f0 = ref[index]
        bad = [r for r in mine if abs(r["seconds"] - dur) > TOLERANCE * dur
               or abs(r["f0"] - f0) > TOLERANCE * f0]
        bad_dur = sum(abs(r["seconds"] - dur) > TOLERANCE * dur for r in mine)
        bad_f0 = sum(abs(r["f0"] - f0) > TOLERANCE * f0 for r in mine)
        wrong, wrong_rate, wrong_f0 = wrong + len(bad), wrong_rate + bad_dur, wrong_f0 + bad_f0
        own_d, own_f = medians(rows)[index]
        print(f"{voice + f' r{rate} p{pitch}':<26}{dur:>7.2f}{f0:>7.0f}{own_d:>9.2f}{own_f:>10.0f}{len(bad):>6}"
              f"{bad_dur:>6}{bad_f0:>5}")
    print(f"wrong lines: {wrong} of {len(rows)} (duration off: {wrong_rate}, F0 off: {wrong_f0})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "calibrate":
        print(json.dumps(calibrate()))
        return
    if args.worker and args.first is not None:
        print(json.dumps(first_line(args.worker, args.first)))
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.lines)))
        return
    proc = subprocess.run([sys.executable, __file__, "--worker", "calibrate"], capture_output=True,
                          text=True, timeout=600, check=False)
    if proc.returncode == 0:
        cal = json.loads(proc.stdout.strip().splitlines()[-1])
        print("espeak-ng seconds per word (nominal 60/rate in brackets):")
        print("  " + "  ".join(f"{r} wpm {s:.3f} ({60 / int(r):.3f})" for r, s in cal["per_word"].items()))
        for voice, by_pitch in cal["f0"].items():
            print(f"F0 of {voice} by pitch: " + ", ".join(f"p{p} {f:.0f} Hz" for p, f in by_pitch.items()))
    for name in ("espeak", "pyttsx3"):
        reference: list[tuple[float, float]] | None = []
        for index in range(len(PROFILES)):
            proc = subprocess.run([sys.executable, __file__, "--worker", name, "--first", str(index)],
                                  capture_output=True, text=True, timeout=600, check=False)
            if proc.returncode != 0 or reference is None:
                reference = None
                continue
            first = json.loads(proc.stdout.strip().splitlines()[-1])
            reference.append((first["seconds"], first["f0"]))
        proc = subprocess.run([sys.executable, __file__, "--worker", name, "--lines", str(args.lines)],
                              capture_output=True, text=True, timeout=600, check=False)
        if proc.returncode != 0:
            print(f"\n== {name}: failed\n{proc.stderr.strip()[-2000:]}")
            continue
        try:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            print(f"\n== {name}: unparseable output (something wrote to stdout):\n{proc.stdout[:500]}")
            continue
        stray = proc.stdout.strip().splitlines()[:-1]
        if stray:
            print(f"({name} leaked {len(stray)} line(s) to stdout, e.g. {stray[0]!r})")
        analyse(name, result, reference)


if __name__ == "__main__":
    main()
