"""Default engine: a direct ctypes binding to libespeak-ng.

Why not pyttsx3: its espeak driver lets rate/pitch silently not apply to some utterances, carries
pitch over voice changes and keeps the previous voice when given an unknown one (see
bench/engine_check.py). Talking to the library directly lets us set *every* parameter on every
call, check every return code and collect samples synchronously.

Not byte-for-byte deterministic: espeak-ng keeps a pitch-flutter phase in a static variable
(wavegen.c) that no API resets, so the same line rendered twice differs in the last bits and
by a few samples in length (< 0.1%). Rate, pitch, voice and duration are reproducible; the
line cache makes repeated renders identical anyway.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path

from ..errors import EngineError
from ..language import Spoken, best_voice
from ..types import Clip, VoiceProfile
from .base import VoiceInfo, espeak_data_path, espeak_variants

# speak_lib.h
AUDIO_OUTPUT_SYNCHRONOUS = 2
espeakINITIALIZE_DONT_EXIT = 0x8000
espeakRATE, espeakVOLUME, espeakPITCH, espeakRANGE = 1, 2, 3, 4
espeakPUNCTUATION, espeakCAPITALS, espeakWORDGAP = 5, 6, 7
espeakCHARS_UTF8 = 1
POS_CHARACTER = 1
EE_OK, EE_INTERNAL_ERROR, EE_BUFFER_FULL, EE_NOT_FOUND = 0, -1, 1, 2
RATE_MIN, RATE_MAX = 80, 450
DEFAULT_VOLUME = 100  # espeak's own default; VoiceProfile.volume is applied by synthesize.py


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
        ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p), ("languages", ctypes.c_void_p), ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.POINTER(_Event))

_LOCK = threading.RLock()
"""libespeak-ng is one global synthesiser per process: every call into it holds this lock."""
_STATE: dict[str, object] = {}
"""The loaded library, sample rate, data path: initialised once per process (espeak cannot re-init)."""


def claim(owner: str) -> None:
    """Reserve the process's libespeak-ng for `owner` ("espeak" or "pyttsx3").

    Both drive the same global synthesiser with different modes and callbacks, so mixing them in
    one process would silently break one of them: refuse loudly instead.
    """
    with _LOCK:
        current = _STATE.setdefault("owner", owner)
        if current != owner:
            raise EngineError(f"the {current} engine already uses libespeak-ng in this process; "
                              f"the {owner} engine cannot be used alongside it")


def _load_library() -> ctypes.CDLL:
    candidates: list[str] = []
    try:
        import espeakng_loader

        candidates.append(espeakng_loader.get_library_path())
    except ImportError:
        pass
    for name in ("espeak-ng", "espeak"):
        found = ctypes.util.find_library(name)
        if found:
            candidates.append(found)
    candidates.append("libespeak-ng.so.1")
    errors = []
    for candidate in candidates:
        try:
            # RTLD_GLOBAL so pyttsx3's driver, which dlopens "libespeak-ng.so.1", gets this copy.
            return ctypes.CDLL(candidate, mode=ctypes.RTLD_GLOBAL)
        except OSError as exc:
            errors.append(str(exc))
    raise EngineError(
        "espeak-ng library not found; reinstall with `pip install espeakng-loader` "
        "or install libespeak-ng1 (" + "; ".join(errors[:2]) + ")"
    )


def _declare(lib: ctypes.CDLL) -> None:
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_GetParameter.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.espeak_GetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint),
                                 ctypes.c_void_p]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.argtypes = []
    lib.espeak_Synchronize.restype = ctypes.c_int
    lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
    lib.espeak_Terminate.argtypes = []
    lib.espeak_Terminate.restype = ctypes.c_int
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    lib.espeak_Info.restype = ctypes.c_char_p


_CHUNKS: list[bytes] = []


@_SynthCallback
def _on_synth(wav, numsamples, events):
    if numsamples > 0 and wav:
        _CHUNKS.append(ctypes.string_at(wav, numsamples * 2))
    return 0  # 0 = continue synthesis


def _initialise() -> dict[str, object]:
    with _LOCK:
        claim("espeak")
        if "lib" in _STATE:
            return _STATE
        lib = _load_library()
        try:
            _declare(lib)
        except AttributeError as exc:
            raise EngineError(f"the loaded espeak library lacks {exc}; install libespeak-ng1 >= 1.49") from exc
        data = espeak_data_path()
        if data is None and os.environ.get("ESPEAK_DATA_PATH"):
            data = Path(os.environ["ESPEAK_DATA_PATH"])
        path_arg = str(data).encode() if data is not None else None
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, path_arg, espeakINITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise EngineError(
                f"espeak-ng could not start (data at {data}); reinstall with "
                "`pip install --force-reinstall espeakng-loader`"
            )
        lib.espeak_SetSynthCallback(_on_synth)
        version = (lib.espeak_Info(None) or b"?").decode(errors="replace")
        _STATE.update(lib=lib, sample_rate=rate, data=data, version=version)
        return _STATE


def _languages(raw: int | None) -> list[tuple[str, int]]:
    """`languages` is a run of (priority byte, NUL-terminated name) pairs ending with a 0 byte."""
    out: list[tuple[str, int]] = []
    if not raw:
        return out
    offset = 0
    while True:
        priority = ctypes.string_at(raw + offset, 1)
        if priority == b"\x00":
            return out
        name = ctypes.string_at(raw + offset + 1)
        out.append((name.decode(errors="replace"), priority[0]))
        offset += 2 + len(name)


class EspeakEngine:
    """libespeak-ng called directly; one synthesis at a time per process."""

    name = "espeak"

    def __init__(self) -> None:
        state = _initialise()
        self._lib: ctypes.CDLL = state["lib"]  # type: ignore[assignment]
        self.sample_rate: int = int(state["sample_rate"])  # type: ignore[call-overload]
        self._version = str(state["version"])
        data = state["data"]
        self._variants = {v.id.lower(): v for v in espeak_variants(data)}  # type: ignore[arg-type]
        self._voices: list[VoiceInfo] | None = None
        self._spoken: list[Spoken] = []
        """Every language of every voice with espeak's priority (`en` is spoken by en-gb first)."""
        self._by_language: dict[str, str] = {}
        """Language id (`en-gb`) -> voice file identifier (`gmw/en`): SetVoiceByName only knows
        file and display names, so `en-gb+f3` must be sent as `gmw/en+f3`."""

    def identity(self) -> str:
        return f"espeak-ng {self._version}"

    def voices(self) -> list[VoiceInfo]:
        """Every language voice the library knows (variants are listed by `espeak_variants()`).

        The id is the voice's main language (`en-gb`), or its file identifier when another voice
        already uses that language; both are accepted by `synthesize`.
        """
        if self._voices is None:
            found: list[VoiceInfo] = []
            with _LOCK:
                array = self._lib.espeak_ListVoices(None)
                entries = []
                i = 0
                while array and array[i]:
                    v = array[i].contents
                    entries.append((_languages(v.languages), (v.identifier or b"").decode(errors="replace"),
                                    (v.name or b"").decode(errors="replace")))
                    i += 1
            for langs, ident, name in entries:
                if ident.startswith("mb/"):  # mbrola voices need a separate install
                    continue
                main = langs[0][0] if langs else ident
                # Primary languages only: "en" is a secondary language of en-029 too, and
                # espeak itself resolves it to British English.
                self._by_language.setdefault(main.lower(), ident)
                voice_id = main if self._by_language.get(main.lower()) == ident else ident
                # No gender: a language file may not declare one (espeak-ng rejects it), and the
                # "male" espeak_ListVoices reports is only its default. The variant appended to
                # the voice (+m3, +f2, +Annie…) gives the speaker a gender (`espeak_variants`).
                found.append(VoiceInfo(voice_id, name, main, "unknown"))
                self._spoken += [Spoken(language, voice_id, priority) for language, priority in langs]
            self._voices = found
        return list(self._voices)

    def voice_for_language(self, tag: str) -> str | None:
        """The voice id that speaks language `tag` best, by espeak's own priorities (`fr`: France
        before Belgium; `zh`: Mandarin before Cantonese; `es-mx`: es-419), or None."""
        if self._voices is None:
            self.voices()
        return best_voice(self._spoken, tag)

    def _resolve(self, voice_id: str) -> str:
        """The name to give espeak_SetVoiceByName; EngineError for an unknown variant."""
        base, _, variant = voice_id.strip().partition("+")
        if variant and variant.lower() not in self._variants:
            raise EngineError(f"unknown espeak variant '+{variant}' in voice '{voice_id}'; "
                              "run `narrator voices` to list them")
        if self._voices is None:
            self.voices()
        base = self._by_language.get(base.lower(), base)
        return f"{base}+{self._variants[variant.lower()].id}" if variant else base

    def has_voice(self, voice_id: str) -> bool:
        try:
            name = self._resolve(voice_id)
        except EngineError:
            return False
        with _LOCK:
            return self._lib.espeak_SetVoiceByName(name.encode()) == EE_OK

    def reset(self) -> None:
        """Terminate and re-initialise the library (synthesize.py calls this before a retry)."""
        with _LOCK:
            self._lib.espeak_Terminate()
            data = _STATE["data"]
            rate = self._lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0,
                                               str(data).encode() if data else None,
                                               espeakINITIALIZE_DONT_EXIT)
            if rate <= 0:
                raise EngineError("espeak-ng could not restart; reinstall espeakng-loader")
            self._lib.espeak_SetSynthCallback(_on_synth)

    def _set(self, parameter: int, value: int, what: str) -> None:
        if self._lib.espeak_SetParameter(parameter, value, 0) != EE_OK:
            raise EngineError(f"espeak rejected {what}={value}")

    def synthesize(self, text: str, voice: VoiceProfile) -> Clip:
        name = self._resolve(voice.voice)
        with _LOCK:
            self._lib.espeak_SetSynthCallback(_on_synth)
            code = self._lib.espeak_SetVoiceByName(name.encode())
            if code != EE_OK:
                raise EngineError(f"unknown espeak voice '{voice.voice}' (error {code}); "
                                  "run `narrator voices` to list them")
            # Set every parameter on every call so nothing carries over from the previous line.
            self._set(espeakRATE, max(RATE_MIN, min(RATE_MAX, int(voice.rate))), "rate")
            self._set(espeakVOLUME, DEFAULT_VOLUME, "volume")
            self._set(espeakPITCH, max(0, min(100, int(voice.pitch))), "pitch")
            self._set(espeakRANGE, max(0, min(100, int(voice.range))), "range")
            self._set(espeakWORDGAP, 0, "wordgap")
            # 1.52 returns EE_INTERNAL_ERROR for these two although it applies them: don't check.
            self._lib.espeak_SetParameter(espeakPUNCTUATION, 0, 0)
            self._lib.espeak_SetParameter(espeakCAPITALS, 0, 0)
            data = text.encode("utf-8") + b"\x00"
            buf = ctypes.create_string_buffer(data, len(data))
            _CHUNKS.clear()
            code = self._lib.espeak_Synth(buf, len(data), 0, POS_CHARACTER, 0, espeakCHARS_UTF8, None, None)
            sync = self._lib.espeak_Synchronize()
            pcm = b"".join(_CHUNKS)
            _CHUNKS.clear()
        if code != EE_OK or sync != EE_OK:
            raise EngineError(f"espeak failed to synthesize (error {code}/{sync})")
        return Clip(pcm, self.sample_rate)

