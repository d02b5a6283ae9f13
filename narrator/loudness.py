"""Loudness matching: every line gained to one integrated loudness (ITU-R BS.1770, LUFS), with a
peak limiter so no sample clips.

Speech engines render voices at very different levels (espeak's variants differ by 10 dB and
more, a profile's `volume` multiplies that), so without this a quiet character is lost next to
a loud one and chapters differ in level. Each line is measured once with pyloudnorm (the
BS.1770-4 K-weighted, gated integrated loudness) and gained to the target; a smooth peak
limiter keeps every sample under `PEAK_CEILING_DB` without hard clipping.

Where it happens: *after* the line cache. The cache keeps the engine's clip exactly as
rendered (so changing the target never re-synthesizes anything), and the gain decision is
stored next to it in `<cache>/loudness/`, keyed by the clip's PCM digest, its sample rate and the
target. A re-render reads the clip and its gain and does no measuring at all.

Lines shorter than one 400 ms BS.1770 block are measured on the clip repeated end to end until
it fills a block (a repeated signal has the loudness of the signal itself), not padded with
silence (which would read as quieter).
"""
from __future__ import annotations

import hashlib
import math
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import CastError, ExportError
from .types import Clip

DEFAULT_TARGET = -18.0
"""LUFS. Speech audiobooks sit around -18 to -20 LUFS (ACX asks for -23 to -18 dB RMS)."""
PEAK_CEILING_DB = -1.0
"""dBFS no sample may exceed after gain (true-peak margin for the MP3 encoder)."""
TARGET_RANGE = (-40.0, -6.0)
BLOCK_SECONDS = 0.4
"""BS.1770 gating block; pyloudnorm cannot measure anything shorter."""
LIMITER_SECONDS = 0.005
"""Limiter look-around: gain reductions spread over ±5 ms, so they do not click."""
GAIN_FORMAT = 1
"""Bump when the measurement or the limiter changes: stored gain decisions are then ignored."""
MAX_GAIN = 100.0
"""+40 dB at most: a nearly silent line is not blown up into noise."""


def parse_target(value: Any, where: str = "") -> float | None:
    """A loudness target from a voice file or a caller: a number of LUFS, or off/none/false → None.

    CastError otherwise; its message starts with `where` (e.g. the file and key) when given."""
    if value is None or value is False:
        return None
    prefix = f"{where}: " if where else ""
    not_loudness = f"is not a loudness; give LUFS like {DEFAULT_TARGET:g}, or off."
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("off", "none", "no", "false"):
            return None
        try:
            value = float(word.removesuffix("lufs").strip())
        except ValueError:
            raise CastError(f"{prefix}{value!r} {not_loudness}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CastError(f"{prefix}{value!r} {not_loudness}")
    low, high = TARGET_RANGE
    if not low <= float(value) <= high:
        raise CastError(f"{prefix}{value} LUFS is out of range; use {low:g} to {high:g} "
                        f"(e.g. {DEFAULT_TARGET:g}), or off.")
    return float(value)


def _pyloudnorm() -> Any:
    try:
        import pyloudnorm
    except ImportError as exc:
        raise ExportError("loudness matching needs pyloudnorm: `pip install pyloudnorm` "
                          "(or render with --loudness off)") from exc
    return pyloudnorm


@lru_cache(maxsize=8)
def _meter(rate: int) -> Any:
    return _pyloudnorm().Meter(rate)


def _floats(clip: Clip) -> np.ndarray:
    return np.frombuffer(clip.pcm, dtype="<i2").astype(np.float64) / 32768.0


def loudness(clip: Clip) -> float:
    """Integrated loudness of a clip in LUFS; -inf for silence (or nothing)."""
    x = _floats(clip)
    if x.size == 0 or not np.any(x):
        return float("-inf")
    block = int(math.ceil(BLOCK_SECONDS * clip.sample_rate)) + 1
    if x.size < block:
        x = np.tile(x, int(math.ceil(block / x.size)))
    value = _integrated_loudness(x, clip.sample_rate)
    return value if math.isfinite(value) else float("-inf")


@lru_cache(maxsize=8)
def _k_weighting(rate: int) -> tuple[np.ndarray, np.ndarray]:
    """pyloudnorm's two K-weighting biquads as one 4th-order filter (one pass, a third the time)."""
    stages = list(_meter(rate)._filters.values())
    b, a = np.array([1.0]), np.array([1.0])
    for stage in stages:
        b, a = np.convolve(b, stage.b), np.convolve(a, stage.a)
    return b, a


def _integrated_loudness(x: np.ndarray, rate: int) -> float:
    """BS.1770-4 gated loudness of mono float samples, as pyloudnorm's Meter computes it, with
    the block energies and gating vectorised (its per-block Python loop was ~3 ms a line).

    The K-weighting filters are pyloudnorm's own; without them (an unknown pyloudnorm layout)
    the meter is asked directly."""
    meter = _meter(rate)
    filters = getattr(meter, "_filters", None)
    if not isinstance(filters, dict) or not all(hasattr(f, "b") and hasattr(f, "a") for f in filters.values()):
        with np.errstate(divide="ignore"):
            return float(meter.integrated_loudness(x))
    from scipy.signal import lfilter

    b, a = _k_weighting(rate)
    y = lfilter(b, a, x)
    block_seconds = float(meter.block_size)
    step = block_seconds * (1.0 - float(meter.overlap))
    blocks = int(np.round((x.size / rate - block_seconds) / step)) + 1
    lower = (block_seconds * np.arange(blocks) * (1.0 - meter.overlap) * rate).astype(np.int64)
    upper = (block_seconds * (np.arange(blocks) * (1.0 - meter.overlap) + 1) * rate).astype(np.int64)
    hop = step * rate
    per_block = round(block_seconds / step)
    if float(hop).is_integer() and float(per_block * step) == block_seconds and upper[-1] <= y.size:
        # blocks are whole runs of hop-long pieces: sum squares per piece, then per block
        hop = int(hop)
        pieces = blocks - 1 + per_block
        square_sums = np.einsum("ij,ij->i", *(y[: pieces * hop].reshape(pieces, hop),) * 2)
        z = np.convolve(square_sums, np.ones(per_block), mode="valid")[:blocks] / (block_seconds * rate)
    else:
        energy = np.concatenate(([0.0], np.cumsum(y * y)))
        upper = np.minimum(upper, y.size)
        z = (energy[upper] - energy[lower]) / (block_seconds * rate)
    with np.errstate(divide="ignore"):
        block_loudness = -0.691 + 10.0 * np.log10(z)
        above_absolute = z[block_loudness >= -70.0]
        if above_absolute.size == 0:
            return float("-inf")
        relative = -0.691 + 10.0 * np.log10(above_absolute.mean()) - 10.0
        gated = z[(block_loudness > relative) & (block_loudness > -70.0)]
        if gated.size == 0:
            return float("-inf")
        return float(-0.691 + 10.0 * np.log10(gated.mean()))


def limit(x: np.ndarray, rate: int, ceiling_db: float = PEAK_CEILING_DB) -> np.ndarray:
    """Peak-limit float samples (full scale 1.0) so no |sample| exceeds the ceiling.

    The needed gain per sample is min(1, ceiling/|x|); it is spread by a minimum filter over
    ±LIMITER_SECONDS and smoothed with a moving average of the same width. Every averaging window
    lies inside the minimum filter's reach, so the smoothed gain never exceeds what any sample
    needs: the result is under the ceiling without hard clipping (a final clip only guards
    rounding).
    """
    ceiling = 10 ** (ceiling_db / 20)
    over = np.flatnonzero(np.abs(x) > ceiling)
    if over.size == 0:
        return x
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    radius = max(1, int(LIMITER_SECONDS * rate))
    reach = 2 * radius + 1
    out = x.copy()
    # Speech peaks are sparse: filter only the stretches around them (the gain is 1 elsewhere).
    starts = over[np.r_[True, np.diff(over) > 2 * reach]]
    ends = over[np.r_[np.diff(over) > 2 * reach, True]]
    for first, last in zip(starts, ends):
        lo, hi = max(0, int(first) - 2 * reach), min(x.size, int(last) + 2 * reach + 1)
        part = x[lo:hi]
        need = np.minimum(1.0, ceiling / np.maximum(np.abs(part), 1e-12))
        spread = minimum_filter1d(need, size=reach, mode="nearest")
        smooth = uniform_filter1d(spread, size=reach, mode="nearest")
        out[lo:hi] = part * smooth
    return np.clip(out, -ceiling, ceiling)


def apply(clip: Clip, gain: float) -> Clip:
    """The clip gained by `gain` (linear) and peak-limited; s16le out, no sample clipped."""
    if not clip.pcm or gain == 1.0 and _peak(clip) <= 10 ** (PEAK_CEILING_DB / 20):
        return clip
    y = limit(_floats(clip) * gain, clip.sample_rate)
    pcm = np.clip(np.rint(y * 32768.0), -32767, 32767).astype("<i2").tobytes()
    return Clip(pcm, clip.sample_rate)


def _peak(clip: Clip) -> float:
    samples = np.frombuffer(clip.pcm, dtype="<i2")
    return float(np.abs(samples.astype(np.int32)).max()) / 32768.0 if samples.size else 0.0


def _decide(clip: Clip, target: float) -> tuple[float, Clip | None]:
    """The gain, and the clip at that gain when working it out already produced it.

    The first guess is the loudness difference; limiting a peaky line can lower its loudness,
    so the result is measured again and the gain corrected (twice at most). Silent clips keep 1.
    """
    level = loudness(clip)
    if not math.isfinite(level):
        return 1.0, None
    gain = min(MAX_GAIN, 10 ** ((target - level) / 20))
    if _peak(clip) * gain <= 10 ** (PEAK_CEILING_DB / 20):
        return gain, None  # nothing will be limited, so the loudness moves by exactly the gain
    for _ in range(2):
        gained = apply(clip, gain)
        after = loudness(gained)
        if not math.isfinite(after) or abs(after - target) <= 0.2:
            return gain, gained
        gain = min(MAX_GAIN, gain * 10 ** ((target - after) / 20))
    return gain, None


class GainStore:
    """Gain decisions on disk: `root/ab/<key>.gain` holding the gain as text.

    The key covers the clip's PCM (sha256), its sample rate, the target and GAIN_FORMAT, so a
    decision is reused exactly when it applies. Unreadable entries count as misses.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = Path(root) if root is not None else None
        self.measured = 0
        self.reused = 0

    @staticmethod
    def key(clip: Clip, target: float) -> str:
        h = hashlib.sha256(f"{GAIN_FORMAT} {clip.sample_rate} {target:.3f} ".encode())
        h.update(clip.pcm)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.gain"

    def get(self, key: str) -> float | None:
        if self.root is None:
            return None
        try:
            value = float(self._path(key).read_text(encoding="ascii"))
        except (OSError, ValueError):
            return None
        return value if math.isfinite(value) and 0 < value <= MAX_GAIN else None

    def put(self, key: str, gain: float) -> None:
        if self.root is None:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".gain")
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(repr(gain))
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs a measurement next time

    def gain(self, clip: Clip, target: float) -> float:
        return self._gain(clip, target)[0]

    def _gain(self, clip: Clip, target: float) -> tuple[float, Clip | None]:
        key = self.key(clip, target)
        stored = self.get(key)
        if stored is not None:
            self.reused += 1
            return stored, None
        gain, gained = _decide(clip, target)
        self.measured += 1
        self.put(key, gain)
        return gain, gained


def match(clip: Clip, target: float | None, store: GainStore | None = None) -> Clip:
    """The clip at `target` LUFS (None: unchanged), gain decided once and remembered in `store`."""
    if target is None or not clip.pcm:
        return clip
    gain, gained = (store or GainStore(None))._gain(clip, target)
    return gained if gained is not None else apply(clip, gain)


__all__ = ["DEFAULT_TARGET", "GainStore", "apply", "limit", "loudness", "match",
           "parse_target"]
