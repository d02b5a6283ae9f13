"""Synthesis stage: script lines in, verified PCM clips out, each rendered once and cached.

Every clip is checked (not empty, not silent, duration plausible for its length at its rate)
because speech engines fail quietly: a truncated or silent line would otherwise end up in the
audiobook. A bad clip is retried once, then the render stops with the line named.
"""
from __future__ import annotations

import hashlib
import os
import re
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from .engines.base import Engine
from .errors import EngineError
from .types import Clip, VoiceProfile
from .wording import counted

CACHE_FORMAT = 2
"""Bump when the stored bytes or the meaning of a key change: old entries are then never read."""

# --- what is spoken ------------------------------------------------------------------------------

_DOUBLE_QUOTES = "\"“”„‟«»‹›〝〞＂"
_SINGLE_QUOTES = "'‘’‚‛`"
_WORD_CHAR = r"[^\W_]"
_APOSTROPHE = re.compile(rf"(?<={_WORD_CHAR})[{_SINGLE_QUOTES}](?={_WORD_CHAR})")
_QUOTES = re.compile(f"[{re.escape(_DOUBLE_QUOTES + _SINGLE_QUOTES)}]")
_SPACE_BEFORE_PUNCT = re.compile(r" ([,.;:!?…])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WORD = re.compile(rf"{_WORD_CHAR}+(?:'{_WORD_CHAR}+)*")


def spoken_text(text: str) -> str:
    """The text handed to the engine: quote marks gone, in-word apostrophes kept, spaces collapsed.

    Returns "" when nothing speakable (no letter or digit) remains.
    """
    text = _CONTROL.sub(" ", text)  # a NUL would end the C string early
    marked = _APOSTROPHE.sub("\x00", text)  # protect don't / O’Brien
    cleaned = _QUOTES.sub(" ", marked).replace("\x00", "'")
    cleaned = _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(cleaned.split()))
    if not any(ch.isalnum() for ch in cleaned):
        return ""
    return cleaned


def word_count(spoken: str) -> int:
    return len(_WORD.findall(spoken))


# --- checking a clip -----------------------------------------------------------------------------

SILENCE_PEAK = 200
"""Peak |sample| below which a clip counts as silent (espeak speech peaks at 8 000-30 000)."""
LETTERS_PER_WORD = 5
"""The typist's definition of a word for words-per-minute: duration scales with letters, not
words ("a b c" is much shorter than "extraordinary bureaucracies")."""
MIN_FACTOR = 0.55
"""Shortest plausible duration as a fraction of nominal; espeak-ng 1.52 measured >= 0.74 over
all variants, 80-450 wpm (bench/engine_check.py). A line cut to half its length fails."""
MAX_FACTOR = 4.0
MAX_EXTRA_SECONDS = 2.0
"""Longest plausible = MAX_FACTOR x nominal + this (sentence-final pause, one-word lines)."""


def _samples(clip: Clip) -> np.ndarray:
    return np.frombuffer(clip.pcm, dtype="<i2")


def nominal_seconds(spoken: str, rate: int) -> float:
    """Duration at `rate` words per minute, a word being LETTERS_PER_WORD letters."""
    letters = sum(ch.isalpha() for ch in spoken)
    return letters / LETTERS_PER_WORD * 60.0 / max(1, rate)


def plausible_range(spoken: str, rate: int) -> tuple[float, float]:
    """(min, max) seconds a correct rendering of `spoken` at `rate` can last.

    Measured with espeak-ng 1.52 at 80-450 wpm: real durations are 0.74-3.9x nominal (short
    one-word lines carry a fixed overhead, hence the additive slack). Digits count as a word
    each for the upper bound only: "1984" is spoken as several words but has no letters.
    """
    nominal = nominal_seconds(spoken, rate)
    digits = sum(ch.isdigit() for ch in spoken) * 60.0 / max(1, rate)
    return nominal * MIN_FACTOR, (nominal + digits) * MAX_FACTOR + MAX_EXTRA_SECONDS


def check_clip(text: str, clip: Clip, voice: VoiceProfile) -> None:
    """Raise EngineError unless `clip` looks like a complete rendering of `text` with `voice`."""
    spoken = spoken_text(text) or text
    samples = _samples(clip)
    if samples.size == 0:
        raise EngineError("the engine returned no audio")
    if int(np.abs(samples.astype(np.int32)).max()) < SILENCE_PEAK:
        raise EngineError("the engine returned only silence")
    low, high = plausible_range(spoken, voice.rate)
    if not low <= clip.seconds <= high:
        raise EngineError(
            f"implausible duration {clip.seconds:.2f}s for {counted(word_count(spoken), 'word')} at "
            f"{voice.rate} wpm (expected {low:.2f}-{high:.2f}s): truncated or garbled"
        )


def estimate_f0(clip: Clip, fmin: float = 50.0, fmax: float = 500.0) -> float:
    """Median fundamental frequency (Hz) over voiced frames, by normalised autocorrelation.

    Returns 0.0 when no frame is voiced. Used to verify that a line was really spoken with the
    pitch / voice it was asked for.
    """
    x = _samples(clip).astype(np.float64)
    sr = clip.sample_rate
    size, hop = int(0.04 * sr), int(0.01 * sr)
    if x.size < size:
        return 0.0
    count = 1 + (x.size - size) // hop
    frames = np.lib.stride_tricks.sliding_window_view(x, size)[::hop][:count]
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = np.sqrt((frames**2).mean(axis=1))
    voiced = energy > 0.15 * energy.max() if energy.size else energy
    frames = frames[voiced]
    if frames.size == 0:
        return 0.0
    window = np.hanning(size)
    spectrum = np.fft.rfft(frames * window, n=2 * size, axis=1)
    ac = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :size]
    # Divide by the window's own autocorrelation (Boersma 1993) so long lags are not penalised.
    wac = np.fft.irfft(np.abs(np.fft.rfft(window, n=2 * size)) ** 2)[:size]
    ac = ac / np.maximum(ac[:, :1], 1e-9) / np.maximum(wac / wac[0], 1e-3)
    lo, hi = int(sr / fmax), min(size // 2, int(sr / fmin))
    # Ignore the main lobe around lag 0: search only after the first dip below zero.
    below = ac[:, :hi] < 0
    first_dip = np.where(below.any(axis=1), below.argmax(axis=1), hi)
    lag_index = np.arange(hi)[None, :]
    masked = np.where((lag_index >= np.maximum(first_dip, lo)[:, None]), ac[:, :hi], -np.inf)
    best = masked.max(axis=1, keepdims=True)
    # The first peak nearly as high as the best one is the period (later ones are multiples).
    first = (masked >= 0.9 * best).argmax(axis=1)
    reach = first + np.maximum(2, first // 4)
    lags = np.array([f + int(np.argmax(row[f:r])) for row, f, r in zip(masked, first, reach)],
                    dtype=np.int64)
    strength = masked[np.arange(len(lags)), lags] if len(lags) else np.zeros(0)
    good = (strength > 0.4) & np.isfinite(strength)
    if not good.any():
        return 0.0
    return float(np.median(sr / lags[good]))


def apply_gain(pcm: bytes, gain: float) -> bytes:
    """Linear gain on s16le PCM, held below full scale: a gain that would clip the loudest
    sample is lowered to just fit, so a `volume` above 1 never distorts (it can only raise a
    quiet line to full scale; loudness matching then sets the final level)."""
    if gain == 1.0 or not pcm:
        return pcm
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak > 0:
        gain = min(float(gain), 32767.0 / peak)
    return np.clip(np.rint(samples * gain), -32768, 32767).astype("<i2").tobytes()


# --- the line cache ------------------------------------------------------------------------------

_HEADER = struct.Struct("<4sIQ32s")
_MAGIC = b"NRC1"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "narrator"


class LineCache:
    """Content-addressed store of rendered lines: `root/ab/abcdef....pcm`.

    A file is a header (magic, sample rate, frame count, sha256 of the PCM) followed by raw
    s16le PCM. A file that fails any of those checks is deleted and reported as a miss.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.corrupt = 0
        """How many damaged entries were found (and removed) since creation."""
        self.write_errors = 0
        """How many entries could not be stored (disk full, read-only): lines still render."""

    @staticmethod
    def key(engine_identity: str, voice: VoiceProfile, spoken: str) -> str:
        fields = asdict(voice)
        material = repr((CACHE_FORMAT, engine_identity, sorted(fields.items()), spoken))
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pcm"

    def get(self, key: str) -> Clip | None:
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if len(data) >= _HEADER.size:
            magic, rate, frames, digest = _HEADER.unpack_from(data)
            pcm = data[_HEADER.size:]
            if (magic == _MAGIC and rate > 0 and len(pcm) == frames * 2
                    and hashlib.sha256(pcm).digest() == digest):
                return Clip(pcm, rate)
        self.corrupt += 1
        try:
            path.unlink()
        except OSError:
            pass
        return None

    def put(self, key: str, clip: Clip) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = _HEADER.pack(_MAGIC, clip.sample_rate, clip.frames, hashlib.sha256(clip.pcm).digest())
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pcm")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(header)
                handle.write(clip.pcm)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


# --- synthesis -----------------------------------------------------------------------------------


@dataclass(slots=True)
class SynthesisStats:
    synthesized: int = 0
    """Lines the engine rendered (cache misses)."""
    cached: int = 0
    """Lines read back from the cache."""
    skipped: int = 0
    """Lines with nothing speakable (only punctuation); they produce an empty clip."""
    retried: int = 0
    """Lines whose first rendering failed its check and were rendered again."""

    def add(self, other: SynthesisStats) -> None:
        """Count `other`'s lines in too (one chapter's into a book's, a book's into a library's)."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _render(spoken: str, voice: VoiceProfile, engine: Engine) -> Clip:
    clip = engine.synthesize(spoken, voice)
    if clip.sample_rate <= 0:
        raise EngineError(f"the engine reported sample rate {clip.sample_rate}")
    check_clip(spoken, clip, voice)
    return clip


def synthesize_line(
    text: str,
    voice: VoiceProfile,
    engine: Engine,
    cache: LineCache | None = None,
    stats: SynthesisStats | None = None,
) -> Clip:
    """Render one line (from the cache when possible); volume gain applied, clip verified.

    Returns an empty clip for a line with nothing speakable. Raises EngineError naming the line
    when the engine fails twice (the engine is `reset()` between the attempts if it can).
    """
    stats = stats if stats is not None else SynthesisStats()
    spoken = spoken_text(text)
    if not spoken:
        stats.skipped += 1
        return Clip(b"", engine.sample_rate)
    key = LineCache.key(engine.identity(), voice, spoken) if cache is not None else ""
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            stats.cached += 1
            return hit
    try:
        clip = _render(spoken, voice, engine)
    except EngineError as first:
        if not engine.has_voice(voice.voice):
            raise EngineError(f"unknown {engine.name} voice '{voice.voice}' for line "
                              f"\"{_short(text)}\"; run `narrator voices` to list them") from first
        stats.retried += 1
        reset = getattr(engine, "reset", None)
        if callable(reset):
            reset()
        try:
            clip = _render(spoken, voice, engine)
        except EngineError as second:
            raise EngineError(f"{engine.name} failed twice on line \"{_short(text)}\": {second}") from second
    clip = Clip(apply_gain(clip.pcm, voice.volume), clip.sample_rate)
    stats.synthesized += 1
    if cache is not None:
        try:
            cache.put(key, clip)
        except OSError:
            cache.write_errors += 1  # the clip is good; only the next render gets slower
    return clip


def synthesize_lines(
    items: Iterable[tuple[str, VoiceProfile]],
    engine: Engine,
    cache: LineCache | None = None,
    progress: Callable[[int], None] | None = None,
    stats: SynthesisStats | None = None,
) -> Iterator[Clip]:
    """`synthesize_line` over many lines, lazily, one clip per item (empty for skipped lines).

    `progress(n)` is called after each line with the number of lines done so far; pass a
    `SynthesisStats` to learn how many lines were rendered, cached or skipped.
    """
    stats = stats if stats is not None else SynthesisStats()
    for done, (text, voice) in enumerate(items, start=1):
        yield synthesize_line(text, voice, engine, cache, stats)
        if progress is not None:
            progress(done)
