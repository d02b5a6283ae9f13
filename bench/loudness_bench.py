"""Loudness matching across voices: the same passage read by a quiet and a loud espeak voice,
integrated loudness (BS.1770, LUFS) of the assembled passage before and after matching.

    python bench/loudness_bench.py [--target -18] [--mp3 DIR]

Each voice reads every sentence as one line, as a chapter would: lines synthesized with the real
espeak-ng engine, matched per line (narrator.loudness), joined with 0.45 s pauses and trimmed as
in a chapter. With --mp3 DIR the matched passages are also encoded with narrator's MP3 writer and
decoded again with ffmpeg (imageio-ffmpeg's or on PATH) to show the numbers survive encoding.
Acceptance: the two voices differ by less than 1 LU after matching.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from narrator import loudness  # noqa: E402
from narrator.assemble import iter_assembled  # noqa: E402
from narrator.engines import get_engine  # noqa: E402
from narrator.export import Tags, write_mp3  # noqa: E402
from narrator.synthesize import LineCache, synthesize_line  # noqa: E402
from narrator.types import Clip, VoiceProfile  # noqa: E402

PASSAGE = [
    "The ferry left the harbour at dusk, and the gulls followed it out past the light.",
    "We are late, she said. We are always late when the sea is rough.",
    "The tide waits for nobody, he replied, and pulled his collar up against the rain.",
    "By midnight they could see the lamps of the far shore, small and yellow in the dark.",
    "Home, she said at last.",
]

VOICES = {
    "quiet (en-us+whisper, volume 0.35)": VoiceProfile(voice="en-us+whisper", rate=160, pitch=40, volume=0.35),
    "loud (en-gb-scotland+m4, volume 2.5)": VoiceProfile(voice="en-gb-scotland+m4", rate=185, pitch=60,
                                                         volume=2.5),
}


def passage(voice: VoiceProfile, engine, cache: LineCache, target: float | None,
            store: loudness.GainStore) -> Clip:
    clips = [loudness.match(synthesize_line(text, voice, engine, cache), target, store) for text in PASSAGE]
    pcm = b"".join(iter_assembled(clips, [0.45] * (len(clips) - 1), sample_rate=engine.sample_rate, trim=True))
    return Clip(pcm, engine.sample_rate)


def peak_dbfs(clip: Clip) -> float:
    peak = np.abs(np.frombuffer(clip.pcm, "<i2").astype(np.int32)).max()
    return 20 * np.log10(max(peak, 1) / 32768)


def decoded_loudness(clip: Clip, directory: Path, name: str) -> float:
    from narrator.m4b import ffmpeg_exe

    path = write_mp3(clip, clip.sample_rate, directory / f"{name}.mp3", Tags(title=name))
    pcm = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(clip.sample_rate), "-"], capture_output=True, check=True).stdout
    return loudness.loudness(Clip(pcm, clip.sample_rate))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=float, default=loudness.DEFAULT_TARGET)
    parser.add_argument("--mp3", type=Path, help="also write the matched passages here and measure them decoded")
    args = parser.parse_args()
    engine = get_engine("espeak")
    print(f"engine {engine.identity()}, {len(PASSAGE)} lines per voice, target {args.target:g} LUFS")
    with tempfile.TemporaryDirectory() as tmp:
        cache = LineCache(Path(tmp) / "cache")
        store = loudness.GainStore(Path(tmp) / "gains")
        loudness.match(Clip(np.full(4410, 1000, "<i2").tobytes(), engine.sample_rate), args.target)  # warm up scipy
        rows = {}
        for name, voice in VOICES.items():
            before = passage(voice, engine, cache, None, store)
            started = time.perf_counter()
            after = passage(voice, engine, cache, args.target, store)
            took = time.perf_counter() - started
            rows[name] = (loudness.loudness(before), loudness.loudness(after), peak_dbfs(before), peak_dbfs(after),
                          after.seconds, took, after)
        print(f"{'voice':38} {'before':>9} {'after':>9} {'peak before':>12} {'peak after':>11} {'audio':>7}")
        for name, (b, a, pb, pa, secs, _took, _) in rows.items():
            print(f"{name:38} {b:7.2f} LUFS {a:6.2f} LUFS {pb:8.2f} dBFS {pa:7.2f} dBFS {secs:6.1f}s")
        (b1, a1, *_), (b2, a2, *_) = rows.values()
        print(f"{'difference between the voices':38} {abs(b1 - b2):7.2f} LU   {abs(a1 - a2):6.2f} LU")
        print(f"measuring + gain: {store.measured} lines, "
              f"{sum(r[5] for r in rows.values()) * 1000 / max(store.measured, 1):.1f} ms per line "
              "(cache reads included; re-renders reuse the stored decision)")
        ok = abs(a1 - a2) < 1.0
        if args.mp3:
            args.mp3.mkdir(parents=True, exist_ok=True)
            decoded = [decoded_loudness(r[6], args.mp3, f"voice{i}") for i, r in enumerate(rows.values(), 1)]
            print(f"after MP3 encode + decode: {decoded[0]:.2f} / {decoded[1]:.2f} LUFS, "
                  f"difference {abs(decoded[0] - decoded[1]):.2f} LU")
            ok = ok and abs(decoded[0] - decoded[1]) < 1.0
    print("PASS: difference after matching < 1 LU" if ok else "FAIL: difference after matching >= 1 LU")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
