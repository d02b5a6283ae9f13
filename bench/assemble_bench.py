"""Why `narrator.assemble` joins once: time pydub's `+` against one `b"".join`, and measure how
fast lameenc encodes speech-rate mono audio.

    python bench/assemble_bench.py [--clips 1200] [--clip-seconds 1.0]

pydub is imported only here (the product never needs it, nor ffmpeg). Its `+` copies the whole
accumulated segment every time, so building a chapter clip by clip is quadratic.
"""
from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script from a checkout without installing
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from narrator.assemble import Pacing, assemble, iter_assembled
from narrator.export import Tags, write_mp3
from narrator.types import Clip

RATE = 22050


def make_clips(n: int, seconds: float) -> list[Clip]:
    rng = np.random.default_rng(0)
    frames = int(round(seconds * RATE))
    base = (np.sin(2 * np.pi * 180 * np.arange(frames) / RATE) * 6000).astype(np.int16)
    return [
        Clip((base + rng.integers(-500, 500, frames, dtype=np.int16)).astype("<i2").tobytes(),
             RATE)
        for _ in range(n)
    ]


def pauses_for_bench(n: int) -> list[float]:
    p = Pacing()
    cycle = (p.same_speaker, p.speaker_change, p.paragraph, p.speaker_change)
    return [cycle[i % len(cycle)] for i in range(n - 1)]


def bench_pydub(clips: list[Clip], pauses: list[float]) -> tuple[float, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Couldn't find ffmpeg" — not needed for raw PCM
        from pydub import AudioSegment

    t0 = time.perf_counter()
    out = AudioSegment(data=clips[0].pcm, sample_width=2, frame_rate=RATE, channels=1)
    for clip, pause in zip(clips[1:], pauses):
        out += AudioSegment.silent(duration=pause * 1000, frame_rate=RATE)
        out += AudioSegment(data=clip.pcm, sample_width=2, frame_rate=RATE, channels=1)
    return time.perf_counter() - t0, len(out.raw_data)


def bench_join(clips: list[Clip], pauses: list[float]) -> tuple[float, int]:
    t0 = time.perf_counter()
    out = assemble(clips, pauses)
    return time.perf_counter() - t0, len(out.pcm)


def bench_encode(clips: list[Clip], pauses: list[float], bitrate: int, quality: int) -> None:
    seconds = sum(c.seconds for c in clips) + sum(pauses)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.mp3"
        t0 = time.perf_counter()
        chunks = iter_assembled(clips, pauses, sample_rate=RATE)
        write_mp3(chunks, RATE, path, Tags(title="bench"), bitrate=bitrate, quality=quality)
        took = time.perf_counter() - t0
        size = path.stat().st_size
    print(f"lameenc {RATE} Hz mono {bitrate} kbps q{quality}: {seconds:.0f} s of audio in "
          f"{took:.2f} s = {seconds / took:.0f}x real time "
          f"({size / 1e6:.1f} MB, streamed + tagged)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=1200)
    ap.add_argument("--clip-seconds", type=float, default=1.0)
    ap.add_argument("--skip-pydub", action="store_true")
    args = ap.parse_args()

    clips = make_clips(args.clips, args.clip_seconds)
    pauses = pauses_for_bench(len(clips))
    total = sum(c.seconds for c in clips) + sum(pauses)
    print(f"{len(clips)} clips of {args.clip_seconds:g} s, "
          f"{total / 60:.1f} min of audio at {RATE} Hz")

    join_s, join_bytes = bench_join(clips, pauses)
    print(f"one b''.join (narrator.assemble): {join_s:8.3f} s")
    if not args.skip_pydub:
        pydub_s, pydub_bytes = bench_pydub(clips, pauses)
        print(f"pydub AudioSegment +=          : {pydub_s:8.3f} s  "
              f"({pydub_s / join_s:.0f}x slower)")
        if abs(pydub_bytes - join_bytes) > 2 * len(pauses):
            print(f"note: sizes differ: pydub {pydub_bytes} B vs join {join_bytes} B")
    for quality in (7, 2):
        bench_encode(clips, pauses, bitrate=64, quality=quality)


if __name__ == "__main__":
    main()
