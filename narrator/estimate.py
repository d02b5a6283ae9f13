"""How long a line will sound, before any engine speaks it (`render --dry-run`, scheduling).

A rate is words per minute in words of `synthesize.LETTERS_PER_WORD` letters: espeak-ng's own
measure, and the one Piper's NATURAL_WPM is calibrated in. Measured against real espeak renders
(bench/estimate_bench.py): lines last their nominal length within 2 % over a book (The Sign of the
Four 0.984, the sample book 1.004 with the pauses), though single voices run 0.98-1.10; counting
whole words instead overestimated by 17-24 %, English words averaging about four letters.

A letter is one sound's worth of text. In the Brahmic scripts (Devanagari, Bengali, Tamil...) a
consonant letter carries a vowel (क is "ka"), a vowel sign replaces it and a virama removes it;
counting them as letters of an alphabet gave 0.65 of a Sanskrit render's real length, counting
sounds 0.95-0.99. A digit is a word ("1887": eighteen eighty-seven).
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from .synthesize import LETTERS_PER_WORD

_BRAHMIC = range(0x0900, 0x0E00)
"""Devanagari to Sinhala."""


@lru_cache(maxsize=8192)
def _sounds(ch: str) -> int:
    """Letters' worth of sound in one character."""
    if ch.isascii() or ord(ch) not in _BRAHMIC:
        return 1 if ch.isalpha() else 0
    name = unicodedata.name(ch, "")
    if "VOWEL SIGN" in name or "NUKTA" in name:
        return 0  # a vowel sign takes the place of the inherent vowel; a nukta changes a sound
    if name.endswith(("VIRAMA", "AL-LAKUNA", "PULLI")):
        return -1  # the consonant before it loses its vowel
    if " LETTER " in name:
        sound = name.split(" LETTER ", 1)[1]
        return 1 if sound[:1] in ("A", "E", "I", "O", "U") or sound.startswith("VOCALIC") else 2
    return 1 if unicodedata.category(ch) in ("Mn", "Mc") else 0  # anusvara, visarga, candrabindu


def spoken_letters(text: str) -> int:
    """Letters in `text`, a Brahmic consonant counting with its vowel (see the module doc)."""
    if text.isascii():
        return sum(ch.isalpha() for ch in text)
    return max(0, sum(_sounds(ch) for ch in text))


def line_seconds(spoken: str, rate: int) -> float:
    """Estimated seconds of `spoken` (text as the engine gets it) at `rate` words per minute."""
    words = spoken_letters(spoken) / LETTERS_PER_WORD + sum(ch.isdigit() for ch in spoken)
    return words * 60.0 / max(1, rate)


__all__ = ["line_seconds", "spoken_letters"]
