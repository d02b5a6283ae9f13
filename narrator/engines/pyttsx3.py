"""Portable engine over pyttsx3 (SAPI5 on Windows, NSSpeechSynthesizer on macOS, espeak on Linux).

Not trustworthy on Linux (use "espeak" there): pyttsx3 2.99's espeak driver was measured to
ignore rate/pitch on some utterances, carry pitch over voice changes, keep the previous voice on
an unknown id, write only the last of several queued files and print "Audio saved to ..." on
stdout. So this wrapper renders exactly one line per runAndWait into its own temporary WAV,
validates the voice id first, silences stdout at the file-descriptor level, and re-applies every
property before each line. Voice and pitch then come out right, but the *rate* is still
wrong on 17-32 of 40 alternating-profile lines (bench/engine_check.py): the driver runs espeak
in its asynchronous mode, and a wrong rate persists over several lines, so rendering twice and
comparing does not help (tried: no fewer wrong lines, twice the cost). synthesize.py still
checks every clip (empty, silent, truncated), but cannot see a rate error of 2x.
"""
from __future__ import annotations

import contextlib
import ctypes
import importlib.metadata
import io
import os
import struct
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EngineError
from ..types import Clip, VoiceProfile
from .base import Gender, VoiceInfo, espeak_data_path, espeak_variants

_LOCK = threading.Lock()
FILE_WAIT_SECONDS = 10.0
"""How long a line's WAV may take to appear after runAndWait returns (see _wait_for_audio_file)."""


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send both Python-level and C-level writes to stdout to /dev/null for the duration."""
    sys.stdout.flush()
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
    except (AttributeError, io.UnsupportedOperation, ValueError):
        fd = 1
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        try:
            sys.__stdout__.flush() if sys.__stdout__ is not None else None
        except (OSError, ValueError):
            pass
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _prepare_espeak() -> None:
    """pyttsx3's espeak driver dlopens "libespeak-ng.so.1" and finds its data through
    ESPEAK_DATA_PATH: provide both from espeakng-loader when no system espeak-ng exists."""
    from .espeak import claim

    claim("pyttsx3")
    try:
        import espeakng_loader
    except ImportError:
        return
    data = espeak_data_path()
    if data is not None:
        os.environ.setdefault("ESPEAK_DATA_PATH", str(data))
    try:
        # Same SONAME (libespeak-ng.so.1): the driver's dlopen by name then returns this copy.
        ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    except OSError:
        pass


def voice_gender(driver: str, value: Any) -> Gender:
    """A driver voice's gender as the driver reports it, except for espeak's: a language voice
    has none (espeak_ListVoices reports its default, "male", for every one of them); the
    variant appended to it (+f3, +m1) gives one, as with the espeak engine."""
    if driver == "espeak":
        return "unknown"
    text = str(value or "").lower().removeprefix("voicegender")  # macOS: VoiceGenderFemale
    return "female" if text.startswith("f") else "male" if text.startswith("m") else "unknown"


class Pyttsx3Engine:
    """pyttsx3 behind the Engine protocol, one line per runAndWait."""

    name = "pyttsx3"

    def __init__(self, driver: str | None = None) -> None:
        if sys.platform.startswith("linux") and driver in (None, "espeak"):
            _prepare_espeak()
            driver = "espeak"
        try:
            import pyttsx3
        except ImportError as exc:
            raise EngineError("pyttsx3 is not installed; run `pip install pyttsx3`") from exc
        self._driver_name = driver or "default"
        try:
            with quiet_stdout():
                self._tts = pyttsx3.init(driver) if driver else pyttsx3.init()
                raw = self._tts.getProperty("voices")
        except Exception as exc:  # pyttsx3 raises anything from its drivers
            raise EngineError(f"pyttsx3 could not start ({exc}); use `--engine espeak` "
                              "or install your platform's speech engine") from exc
        try:
            self._version = importlib.metadata.version("pyttsx3")
        except importlib.metadata.PackageNotFoundError:
            self._version = getattr(pyttsx3, "__version__", "?")
        self._voices: dict[str, VoiceInfo] = {}
        self._aliases: dict[str, str] = {}
        for v in raw:
            langs = [str(x) for x in (getattr(v, "languages", None) or [])]
            gender = voice_gender(self._driver_name, v.gender)
            info = VoiceInfo(str(v.id), str(v.name), langs[0] if langs else "", gender)
            self._voices[info.id] = info
            for alias in (info.name, info.language):
                if alias:
                    self._aliases.setdefault(alias.lower(), info.id)
        self._variants = ({v.id.lower(): v.id for v in espeak_variants()}
                          if self._driver_name == "espeak" else {})
        self._tmp = tempfile.TemporaryDirectory(prefix="narrator-pyttsx3-")
        self.sample_rate = 22050
        """The espeak driver always writes 22050 Hz; other drivers are asked with a probe line."""
        if self._driver_name != "espeak":
            self.sample_rate = self.synthesize("Hello.", VoiceProfile(
                engine="pyttsx3", voice=next(iter(self._voices), ""))).sample_rate

    def identity(self) -> str:
        return f"pyttsx3 {self._version} {self._driver_name}"

    def voices(self) -> list[VoiceInfo]:
        return list(self._voices.values())

    def variants(self) -> list[VoiceInfo]:
        """Variants a voice id may end with (`+f3`): espeak's, with the espeak driver; else none."""
        return espeak_variants() if self._variants else []

    def _resolve(self, voice_id: str) -> str:
        base, plus, variant = voice_id.partition("+")
        found = base if base in self._voices else self._aliases.get(base.lower())
        if found is None:
            raise EngineError(f"unknown pyttsx3 voice '{voice_id}'; run `narrator voices --engine "
                              "pyttsx3` to list them")
        if plus:
            if variant.lower() not in self._variants:
                raise EngineError(f"unknown variant '+{variant}' for pyttsx3 voice '{voice_id}'")
            return f"{found}+{self._variants[variant.lower()]}"
        return found

    def has_voice(self, voice_id: str) -> bool:
        try:
            self._resolve(voice_id)
        except EngineError:
            return False
        return True

    def synthesize(self, text: str, voice: VoiceProfile) -> Clip:
        voice_id = self._resolve(voice.voice)
        path = Path(self._tmp.name) / "line.wav"
        with _LOCK:
            path.unlink(missing_ok=True)
            try:
                with quiet_stdout():
                    # Every property on every line: the driver keeps (some of) them otherwise.
                    self._tts.setProperty("voice", voice_id)
                    self._tts.setProperty("rate", int(voice.rate))
                    self._tts.setProperty("volume", 1.0)
                    if self._driver_name == "espeak":  # SAPI5 / NSSS have no pitch property
                        self._tts.setProperty("pitch", int(voice.pitch))
                    self._tts.save_to_file(text, str(path))
                    self._tts.runAndWait()
                    # still quiet: the driver prints "Audio saved to …" when its late write ends
                    written = _wait_for_audio_file(path, self._still_speaking)
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(f"pyttsx3 failed: {exc}") from exc
            if not written:
                raise EngineError("pyttsx3 wrote no audio file")
            return read_audio(path)

    def _still_speaking(self) -> bool:
        """Whether the espeak driver's callback thread is still finishing the line (other
        drivers work synchronously)."""
        driver = getattr(getattr(self._tts, "proxy", None), "_driver", None)
        return bool(getattr(driver, "_speaking", False))

    def reset(self) -> None:
        """Drop and rebuild the pyttsx3 engine object (used by synthesize.py before a retry)."""
        import pyttsx3

        with _LOCK, quiet_stdout():
            with contextlib.suppress(Exception):  # a wedged driver is what reset is for
                self._tts.stop()
            drv = None if self._driver_name == "default" else self._driver_name
            self._tts = None  # pyttsx3.init returns a cached engine while one is referenced
            self._tts = pyttsx3.init(drv) if drv else pyttsx3.init()


def _wait_for_audio_file(path: Path, busy: Callable[[], bool], timeout: float = FILE_WAIT_SECONDS) -> bool:
    """Whether the driver's file is there and complete, waiting up to `timeout` seconds.

    The espeak driver writes the WAV from espeak's own callback thread, and under load
    runAndWait has been seen to return before that write (no file, or a header whose data
    length is not written yet), so a complete file, and the driver done with it, is awaited
    rather than assumed."""
    deadline = time.monotonic() + timeout
    while True:
        if _complete(path) and not busy():
            return True
        if time.monotonic() >= deadline:
            return path.exists()  # read_audio reports what is wrong with it
        time.sleep(0.02)


def _complete(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if data[:4] != b"RIFF":
        return len(data) > 0  # AIFF and other drivers' files are written synchronously
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            expected = wav.getnframes() * wav.getsampwidth() * wav.getnchannels()
            return len(wav.readframes(wav.getnframes())) == expected
    except (wave.Error, EOFError, struct.error):
        return False


def read_audio(path: Path) -> Clip:
    """A WAV (espeak, SAPI5) or AIFF (macOS writes AIFF whatever the extension) -> mono s16le."""
    data = path.read_bytes()
    if data[:4] == b"FORM":
        channels, width, rate, raw = _parse_aiff(data)
        raw = np.frombuffer(raw, dtype=f">i{width}").astype(f"<i{width}").tobytes() if width > 1 else raw
        if width == 1:  # AIFF 8-bit is signed, WAV 8-bit unsigned
            raw = (np.frombuffer(raw, dtype=np.int8).astype(np.int16) + 128).astype(np.uint8).tobytes()
    else:
        try:
            with wave.open(str(path), "rb") as wav:
                channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
                raw = wav.readframes(wav.getnframes())
        except (wave.Error, EOFError, OSError) as exc:
            raise EngineError(f"pyttsx3 wrote an unreadable audio file: {exc}") from exc
    return _to_clip(raw, channels, width, rate)


def _parse_aiff(data: bytes) -> tuple[int, int, int, bytes]:
    if data[8:12] not in (b"AIFF", b"AIFC"):
        raise EngineError("pyttsx3 wrote an unknown audio format")
    pos, comm, sound = 12, None, None
    while pos + 8 <= len(data):
        kind, size = data[pos:pos + 4], struct.unpack(">I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if kind == b"COMM":
            comm = body
        elif kind == b"SSND":
            offset = struct.unpack(">I", body[:4])[0]
            sound = body[8 + offset:]
        pos += 8 + size + (size & 1)
    if comm is None or sound is None or len(comm) < 18:
        raise EngineError("pyttsx3 wrote a damaged AIFF file")
    if data[8:12] == b"AIFC" and len(comm) >= 22 and comm[18:22] not in (b"NONE", b"twos"):
        raise EngineError(f"pyttsx3 wrote compressed AIFF ({comm[18:22]!r}), which is not supported")
    channels, _, bits = struct.unpack(">hIh", comm[:8])
    exponent, mantissa = struct.unpack(">HQ", comm[8:18])  # 80-bit extended float
    rate = round(mantissa * 2.0 ** ((exponent & 0x7FFF) - 16383 - 63))
    return channels, (bits + 7) // 8, rate, sound


def _to_clip(raw: bytes, channels: int, width: int, rate: int) -> Clip:
    if width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.int32) - 128) << 8
    elif width == 2:
        samples = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.int32)
    elif width == 4:
        samples = np.frombuffer(raw[: len(raw) // 4 * 4], dtype="<i4").astype(np.int64) >> 16
    else:
        raise EngineError(f"pyttsx3 wrote {8 * width}-bit audio, which is not supported")
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(axis=1)
    return Clip(np.clip(samples, -32768, 32767).astype("<i2").tobytes(), rate)
