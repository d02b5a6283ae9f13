"""Voice profiles in TOML: the shipped presets, a user's `--voices` files and a book's cast file.

One format serves all three (see `voices/presets.toml`)::

    [narrator]                    # who reads the narration
    voice = "en-gb-x-rp+m3"
    rate = 165

    [characters."Tsunade"]        # a character's voice, and what narrator knows about them
    voice = "en-gb+f3"
    pitch = 60
    gender = "female"
    aliases = ["Lady Tsunade"]

    [[pool.female]]               # voices automatic casting hands out
    voice = "en-us+f3"

    [pacing]                      # pauses in seconds
    paragraph = 0.6

    [loudness]                    # every line matched to this integrated loudness
    target = -18                  # LUFS, or "off"

Later files override earlier ones key by key.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, cast

from .errors import CastError
from .types import Gender, VoiceProfile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROFILE_KEYS = {f.name for f in fields(VoiceProfile)}
CHARACTER_KEYS = PROFILE_KEYS | {"aliases", "gender", "lines"}
POOLS = ("male", "female", "neutral")
GENDERS: tuple[Gender, ...] = ("male", "female", "unknown")
MAX_FILE_BYTES = 8 * 2**20
"""Largest voice or cast file read (a cast of 500 characters is about 100 KB)."""


@dataclass(frozen=True, slots=True)
class CharacterEntry:
    """A character as a voices or cast file describes them."""

    name: str
    voice: VoiceProfile | None = None
    """None: let casting choose."""
    aliases: tuple[str, ...] = ()
    gender: Gender | None = None
    lines: int = 0


@dataclass(frozen=True, slots=True)
class VoiceConfig:
    narrator: VoiceProfile | None = None
    """None only in a file that does not set it; `load_voices` always fills it in."""
    unknown: VoiceProfile | None = None
    pools: Mapping[str, tuple[VoiceProfile, ...]] = field(default_factory=dict)
    characters: Mapping[str, CharacterEntry] = field(default_factory=dict)
    pacing: Mapping[str, float] = field(default_factory=dict)
    sources: tuple[Path, ...] = ()
    loudness: Mapping[str, float | None] = field(default_factory=dict)
    """`[loudness]`: `target` in LUFS (None = off) when a file sets it."""


def presets_path() -> Path:
    """The shipped `voices/presets.toml`: from the source tree when running from it, else the
    copy installed as package data `narrator.presets`."""
    source_tree = Path(__file__).resolve().parent.parent / "voices" / "presets.toml"
    if source_tree.exists():
        return source_tree
    return Path(str(resources.files("narrator.presets") / "presets.toml"))


def load_voices(paths: Sequence[Path] = ()) -> VoiceConfig:
    """The shipped presets, overridden in order by each file in `paths`."""
    config = parse_voice_file(presets_path())
    for path in paths:
        config = merge(config, parse_voice_file(Path(path)))
    return replace(config, narrator=config.narrator or VoiceProfile(), unknown=config.unknown or VoiceProfile())


def parse_voice_file(path: Path) -> VoiceConfig:
    where = str(path)
    if not path.exists():
        raise CastError(f"Voice file {where!r} does not exist.")
    if path.is_dir():
        raise CastError(f"Voice file {where!r} is a folder; give a .toml file.")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CastError(f"Voice file {where!r} is over {MAX_FILE_BYTES // 2**20} MB; a voice or cast file is a "
                            "few KB. Give the right file.")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise CastError(f"Voice file {where!r} is not valid TOML: {e}. Fix that line and try again.") from e
    except UnicodeDecodeError as e:
        raise CastError(f"Voice file {where!r} is not UTF-8 text.") from e
    except RecursionError:  # tomllib recurses once per nesting level: "x = [[[[…" 5,000 deep
        raise CastError(f"Voice file {where!r} nests arrays or tables too deep to be a voice file; "
                        "fix the file.") from None
    except OSError as e:
        raise CastError(f"Voice file {where!r} cannot be read: {e.strerror}.") from e
    return _config_from_dict(data, path)


def merge(base: VoiceConfig, top: VoiceConfig) -> VoiceConfig:
    characters = dict(base.characters)
    for name, entry in top.characters.items():
        old = characters.get(name)
        if old is None:
            characters[name] = entry
        else:
            characters[name] = CharacterEntry(
                name,
                entry.voice or old.voice,
                entry.aliases or old.aliases,
                entry.gender or old.gender,
                entry.lines or old.lines,
            )
    return VoiceConfig(
        narrator=top.narrator or base.narrator,
        unknown=top.unknown or base.unknown,
        pools={**base.pools, **top.pools},
        characters=characters,
        pacing={**base.pacing, **top.pacing},
        sources=base.sources + top.sources,
        loudness={**base.loudness, **top.loudness},
    )


def _config_from_dict(data: dict[str, Any], path: Path) -> VoiceConfig:
    where = str(path)
    unknown_keys = set(data) - {"narrator", "unknown", "pool", "characters", "pacing", "book", "loudness"}
    if unknown_keys:
        raise CastError(f"Voice file {where!r} has unknown section {sorted(unknown_keys)[0]!r}; "
                        "expected narrator, unknown, characters, pool or pacing.")
    pools: dict[str, tuple[VoiceProfile, ...]] = {}
    for gender, entries in _table(data, "pool", where).items():
        if gender not in POOLS or not isinstance(entries, list):
            raise CastError(f"Voice file {where!r}: [[pool.{gender}]] must be one of {', '.join(POOLS)}.")
        if not all(isinstance(e, dict) for e in entries):
            raise CastError(f"Voice file {where!r}: pool.{gender} must be a list of voice tables "
                            f"([[pool.{gender}]] with voice = \"…\"), not {entries[:1]!r}.")
        pools[gender] = tuple(profile_from_dict(e, f"{where} [[pool.{gender}]]") for e in entries)
    characters = {
        name: _character_from_dict(name, entry, f"{where} [characters.{name!r}]")
        for name, entry in _table(data, "characters", where).items()
    }
    pacing = {}
    for key, value in _table(data, "pacing", where).items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 10:
            raise CastError(f"Voice file {where!r}: pacing.{key} must be a number of seconds (0-10).")
        pacing[key] = float(value)
    loudness: dict[str, float | None] = {}
    for key, value in _table(data, "loudness", where).items():
        if key != "target":
            raise CastError(f"Voice file {where!r}: unknown key loudness.{key}; expected target.")
        from .loudness import parse_target

        loudness[key] = parse_target(value, f"Voice file {where!r}: loudness.target")
    return VoiceConfig(
        narrator=_optional_profile(data, "narrator", where),
        unknown=_optional_profile(data, "unknown", where),
        pools=pools,
        characters=characters,
        pacing=pacing,
        sources=(path,),
        loudness=loudness,
    )


def _optional_profile(data: dict[str, Any], key: str, where: str) -> VoiceProfile | None:
    if key not in data:
        return None
    return profile_from_dict(_table(data, key, where), f"{where} [{key}]")


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise CastError(f"Voice file {where!r}: {key} must be a table ([{key}]).")
    return value


def profile_from_dict(data: Mapping[str, Any], where: str, allowed: set[str] = PROFILE_KEYS) -> VoiceProfile:
    """A `VoiceProfile` from TOML keys, each checked for type and range."""
    bad = set(data) - allowed
    if bad:
        raise CastError(f"{where}: unknown key {sorted(bad)[0]!r}; expected {', '.join(sorted(allowed))}.")
    profile = VoiceProfile()
    checks: dict[str, tuple[type | tuple[type, ...], float, float]] = {
        "rate": (int, 60, 500), "pitch": (int, 0, 100), "range": (int, 0, 100),
        "volume": ((int, float), 0.0, 4.0),
    }
    values: dict[str, Any] = {}
    for key in PROFILE_KEYS & set(data):
        value = data[key]
        if key in ("engine", "voice"):
            if not isinstance(value, str) or not value.strip():
                raise CastError(f"{where}: {key} must be a non-empty string.")
            values[key] = value.strip()
            continue
        kind, low, high = checks[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise CastError(f"{where}: {key} = {value!r} must be a number from {low:g} to {high:g}.")
        number = float(cast(float, value))
        if not low <= number <= high:
            raise CastError(f"{where}: {key} = {value!r} must be a number from {low:g} to {high:g}.")
        values[key] = number if key == "volume" else int(number)
    return replace(profile, **values)


def _character_from_dict(name: str, data: Any, where: str) -> CharacterEntry:
    if not isinstance(data, dict):
        raise CastError(f"{where}: must be a table of voice settings.")
    bad = set(data) - CHARACTER_KEYS
    if bad:
        raise CastError(f"{where}: unknown key {sorted(bad)[0]!r}; expected {', '.join(sorted(CHARACTER_KEYS))}.")
    gender = data.get("gender")
    if gender is not None and gender not in GENDERS:
        raise CastError(f"{where}: gender = {gender!r} must be one of {', '.join(GENDERS)}.")
    aliases = data.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise CastError(f"{where}: aliases must be a list of names.")
    voice_keys = {k: v for k, v in data.items() if k in PROFILE_KEYS}
    voice = profile_from_dict(voice_keys, where) if "voice" in voice_keys else None
    if voice_keys and voice is None:
        raise CastError(f"{where}: give a voice (e.g. voice = \"en-us+f3\") with {sorted(voice_keys)[0]}.")
    lines = data.get("lines", 0)
    return CharacterEntry(name, voice, tuple(aliases), gender, lines if isinstance(lines, int) else 0)
