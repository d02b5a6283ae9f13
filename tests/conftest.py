"""Shared fixtures: a fake engine, throwaway caches and a small book with dialogue."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from narrator import options as options_module
from narrator.engines.base import VoiceInfo
from narrator.engines.fake import FAKE_VARIANTS, FAKE_VOICES, FakeEngine
from narrator.voices import load_voices

SAMPLE = Path(__file__).resolve().parent.parent / "text" / "the-lighthouse-keepers.md"

BOOK_TEXT = """Chapter 1

The rain came down on the harbour all evening, and the lamps along the quay burned low.
Anna stood at the window of the inn and watched the boats rock at their moorings.

"He is late again," said Anna. "He is always late when the sea is rough."

"He will come," Tom replied. "He always does, and he always brings fish."

She laughed. "You have too much faith in him, Tom."

Chapter 2

By morning the storm had passed, and the whole town came down to the water to look.

"There he is!" cried Anna, pointing at a sail beyond the breakwater.

Tom shaded his eyes. "I told you he would come."
"""


def preset_fake_engine(**options: object) -> FakeEngine:
    """A fake engine that knows every voice id the shipped presets use."""
    config = load_voices()
    profiles = [config.narrator, config.unknown, *(v for pool in config.pools.values() for v in pool)]
    bases = {p.voice.partition("+")[0] for p in profiles if p}
    variants = {p.voice.partition("+")[2] for p in profiles if p and "+" in p.voice}
    gender = lambda v: "female" if v.startswith("f") or v in ("Annie", "anika") else "male"  # noqa: E731
    return FakeEngine(
        voices=[*FAKE_VOICES, *(VoiceInfo(b, b, b, "unknown") for b in sorted(bases))],
        variants=[*FAKE_VARIANTS, *(VoiceInfo(v, v, "variant", gender(v)) for v in sorted(variants))],
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def engine() -> FakeEngine:
    return preset_fake_engine()


@pytest.fixture(autouse=True)
def _one_process_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Renders run in the test's own process unless the test asks for workers (jobs=2): faster,
    and a fake engine's `calls` and monkeypatched functions stay visible. The real default (one
    worker per core) is tested in tests/test_options.py."""
    monkeypatch.setattr(options_module, "default_jobs", lambda: 1)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's real cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def book_path(tmp_path: Path) -> Path:
    path = tmp_path / "harbour.txt"
    path.write_text(BOOK_TEXT, encoding="utf-8")
    return path


@pytest.fixture
def sample_book(tmp_path: Path) -> Path:
    target = tmp_path / SAMPLE.name
    shutil.copy(SAMPLE, target)
    return target
