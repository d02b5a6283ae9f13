"""A deterministic stand-in engine for tests: a sine tone per line, no library needed.

Frequency encodes the voice (base voice, variant gender, pitch) and duration encodes the text
length and rate, so tests can check that the right profile reached the engine. Faults can be
injected per text to exercise retries and loud failures.
"""
from __future__ import annotations

import math
import zlib
from collections.abc import Iterable

import numpy as np

from ..errors import EngineError
from ..types import Clip, VoiceProfile
from .base import VoiceInfo

FAKE_VOICES = (
    VoiceInfo("en-us", "Fake American", "en-us", "male"),
    VoiceInfo("en-gb", "Fake British", "en-gb", "male"),
    VoiceInfo("en-gb-x-rp", "Fake Received", "en-gb-x-rp", "male"),
    VoiceInfo("en-029", "Fake Caribbean", "en-029", "female"),
)
FAKE_VARIANTS = (
    VoiceInfo("m1", "male1", "variant", "male"),
    VoiceInfo("m2", "male2", "variant", "male"),
    VoiceInfo("m3", "male3", "variant", "male"),
    VoiceInfo("f1", "female1", "variant", "female"),
    VoiceInfo("f2", "female2", "variant", "female"),
    VoiceInfo("f3", "female3", "variant", "female"),
    VoiceInfo("croak", "croak", "variant", "male"),
    VoiceInfo("klatt", "klatt", "variant", "unknown"),
)
SAMPLE_RATE = 22050
LETTERS_PER_WORD = 5


class FakeEngine:
    """Sine tones: frequency = f(voice, pitch), seconds = (letters/5 + digits) * 60 / rate.

    `fail`, `truncate`, `silence`: a text containing one of these substrings makes the engine
    raise, return a quarter-length clip, or return silence. `fault_times` limits how many times
    each fault fires (None = always), so a test can make the first attempt fail and the retry
    succeed.
    """

    name = "fake"
    sample_rate = SAMPLE_RATE

    def __init__(
        self,
        fail: Iterable[str] = (),
        truncate: Iterable[str] = (),
        silence: Iterable[str] = (),
        fault_times: int | None = None,
        voices: Iterable[VoiceInfo] = FAKE_VOICES,
        variants: Iterable[VoiceInfo] = FAKE_VARIANTS,
    ) -> None:
        self._faults = {**{s: "fail" for s in fail}, **{s: "truncate" for s in truncate},
                        **{s: "silence" for s in silence}}
        self._fault_left = {s: fault_times for s in self._faults}
        self._voices = {v.id: v for v in voices}
        self._variants = {v.id: v for v in variants}
        self.calls: list[tuple[str, VoiceProfile]] = []
        """Every synthesize() call, in order."""
        self.resets = 0

    def identity(self) -> str:
        return "fake 1"

    def voices(self) -> list[VoiceInfo]:
        return list(self._voices.values())

    def variants(self) -> list[VoiceInfo]:
        return list(self._variants.values())

    def has_voice(self, voice_id: str) -> bool:
        base, plus, variant = voice_id.partition("+")
        return base in self._voices and (not plus or variant in self._variants)

    def reset(self) -> None:
        self.resets += 1

    def frequency(self, voice: VoiceProfile) -> float:
        """Tone frequency for a profile: 100-160 Hz by voice id, x1.8 for a female voice/variant,
        then one octave per 100 pitch steps around 50."""
        base_id, _, variant = voice.voice.partition("+")
        base = 100.0 + zlib.crc32(base_id.encode()) % 61
        gender = (self._variants[variant] if variant else self._voices[base_id]).gender
        if gender == "female":
            base *= 1.8
        return base * 2.0 ** ((voice.pitch - 50) / 100.0)

    def _fault(self, text: str) -> str | None:
        for needle, kind in self._faults.items():
            left = self._fault_left[needle]
            if needle in text and (left is None or left > 0):
                if left is not None:
                    self._fault_left[needle] = left - 1
                return kind
        return None

    def synthesize(self, text: str, voice: VoiceProfile) -> Clip:
        self.calls.append((text, voice))
        if not self.has_voice(voice.voice):
            raise EngineError(f"unknown fake voice '{voice.voice}'")
        fault = self._fault(text)
        if fault == "fail":
            raise EngineError(f"injected failure on {text!r}")
        letters = sum(ch.isalpha() for ch in text)
        digits = sum(ch.isdigit() for ch in text)
        seconds = (letters / LETTERS_PER_WORD + digits) * 60.0 / max(1, voice.rate)
        frames = max(1, round(seconds * SAMPLE_RATE))
        t = np.arange(frames) / SAMPLE_RATE
        tone = 8000.0 * np.sin(2 * math.pi * self.frequency(voice) * t)
        if fault == "silence":
            tone[:] = 0.0
        elif fault == "truncate":
            tone = tone[: frames // 4]
        return Clip(np.rint(tone).astype("<i2").tobytes(), SAMPLE_RATE)
