"""`render --dry-run`'s length estimate against the length really rendered.

A trial estimated 4:29:56 for a book that rendered to 3:45:26: the estimate counted whole words at
each voice's rate, while rates are in words of five letters (English words average about four).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from narrator.pipeline import prepare, render
from narrator.resume import Manifest


def estimate_and_real(book: Path, out: Path, **options: object) -> tuple[float, float]:
    plan = prepare(book, output=out, **options)  # type: ignore[arg-type]
    render(book, plan=plan)
    manifest = Manifest.read(plan.book_dir)
    return (sum(c.estimated_seconds for c in plan.chapters),
            sum(manifest.seconds(c.path) for c in plan.chapters))


def test_the_estimate_is_the_fake_engines_real_length(book_path: Path, tmp_path: Path, engine) -> None:
    """The fake engine speaks exactly at the nominal rate (letters / 5 per word), so the estimate
    must land on its real length: what is left is trimming a few edge samples."""
    estimate, real = estimate_and_real(book_path, tmp_path / "out", engine=engine)
    assert estimate == pytest.approx(real, rel=0.01)


@pytest.mark.engine
def test_the_estimate_is_within_5_percent_of_a_real_espeak_render(book_path: Path, tmp_path: Path) -> None:
    estimate, real = estimate_and_real(book_path, tmp_path / "out", cache_dir=tmp_path / "cache")
    assert estimate == pytest.approx(real, rel=0.05), (estimate, real)


@pytest.mark.parametrize("text, letters", [
    ("Tobias", 6), ("it's 4", 3),
    ("क", 2), ("कि", 2), ("क्", 1), ("क्ष", 3), ("अ", 1), ("कं", 3),  # ka, ki, k, ksa, a, kam
    ("नमस्ते", 7),  # na-ma-s-te
])
def test_a_brahmic_consonant_counts_with_its_vowel(text: str, letters: int) -> None:
    """Sanskrit chapters were estimated at 0.65 of their real length while a consonant counted as one
    letter: क is "ka", a vowel sign replaces the "a", a virama removes it."""
    from narrator.estimate import spoken_letters

    assert spoken_letters(text) == letters
