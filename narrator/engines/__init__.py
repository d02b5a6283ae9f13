"""Speech engines behind one small protocol (see base.py); `get_engine` builds one by name,
`cached_engine` hands out this process's one (espeak keeps global state: one per process)."""
from __future__ import annotations

from typing import Any

from ..errors import EngineError
from .base import Engine, VoiceInfo, espeak_variants

ENGINE_NAMES = ("espeak", "pyttsx3", "fake", "piper")

__all__ = ["ENGINE_NAMES", "Engine", "VoiceInfo", "cached_engine", "espeak_variants", "get_engine"]

_CACHED: dict[str, Engine] = {}
"""This process's engines by name, built on first use."""


def get_engine(name: str = "espeak", **options: Any) -> Engine:
    """Build the engine called `name`; EngineError with a one-line fix when it cannot load.

    The espeak and pyttsx3 engines share libespeak-ng on Linux and cannot both be used in one
    process (the second raises EngineError). "piper" is optional (`pip install 'narrator[piper]'`)
    and takes `model_dir=PATH`, a folder of voices or one .onnx file, searched before
    `$NARRATOR_PIPER_DIR`.
    """
    key = name.strip().lower()
    try:
        if key == "espeak":
            from .espeak import EspeakEngine

            return EspeakEngine(**options)
        if key == "pyttsx3":
            from .pyttsx3 import Pyttsx3Engine

            return Pyttsx3Engine(**options)
        if key == "piper":
            from .piper import PiperEngine

            return PiperEngine(**options)
        if key == "fake":
            from .fake import FakeEngine

            return FakeEngine(**options)
    except TypeError as exc:
        raise EngineError(f"bad option for the {key} engine: {exc}") from exc
    raise EngineError(f"unknown engine '{name}'; choose one of: {', '.join(ENGINE_NAMES)}")


def cached_engine(name: str) -> Engine:
    """This process's engine called `name`, built on first use and then reused (worker
    processes each build their own)."""
    if name not in _CACHED:
        _CACHED[name] = get_engine(name)
    return _CACHED[name]
