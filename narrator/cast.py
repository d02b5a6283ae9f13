"""Casting: give every speaking character a voice.

User choices (a `--voices` file or the book's cast file) win; everyone else gets the next
unused voice from the gender's pool in `voices/presets.toml`, the characters who speak most
first. The result depends only on the script and the profiles, so it is the same every run.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .errors import CastError
from .export import atomic_write_text
from .types import NARRATOR, UNKNOWN, Gender, Script, VoiceProfile
from .voices import VoiceConfig, load_voices

_POOL_FOR: dict[str, tuple[str, ...]] = {
    "male": ("male", "neutral", "female"),
    "female": ("female", "neutral", "male"),
    "unknown": ("neutral", "male", "female"),
}


@dataclass(frozen=True, slots=True)
class CastMember:
    name: str
    lines: int
    gender: Gender
    voice: VoiceProfile
    chosen_by: str
    """"you" when a voices/cast file set the voice, "auto" when casting picked it."""
    aliases: tuple[str, ...] = ()


def cast_members(script: Script, config: VoiceConfig) -> tuple[CastMember, ...]:
    """Narrator, unknown and every character who speaks, with the voice each will use."""
    assert config.narrator is not None and config.unknown is not None
    counts = Counter(line.speaker for line in script.lines if line.speaker is not None)
    known = {c.name: c for c in script.characters}
    speakers = [name for name in counts if name != UNKNOWN]
    speakers += [n for n, e in config.characters.items() if e.voice and n not in counts and n in known]
    speakers.sort(key=lambda name: (-counts[name], name))

    presets = _shipped_presets()
    taken = {_key(config.narrator), _key(config.unknown)}
    taken |= {_key(e.voice) for e in config.characters.values() if e.voice is not None}
    pools = {name: list(config.pools.get(name, ())) for name in ("male", "female", "neutral")}
    members = [
        CastMember(NARRATOR, 0, "unknown", config.narrator, _chosen(config.narrator, presets.narrator)),
        CastMember(UNKNOWN, counts[UNKNOWN], "unknown", config.unknown, _chosen(config.unknown, presets.unknown)),
    ]
    for name in speakers:
        entry = config.characters.get(name)
        character = known.get(name)
        gender: Gender = (entry.gender if entry and entry.gender else None) or (
            character.gender if character else "unknown")
        aliases = (entry.aliases if entry and entry.aliases else ()) or (character.aliases if character else ())
        if entry is not None and entry.voice is not None:
            members.append(CastMember(name, counts[name], gender, entry.voice, "you", aliases))
            continue
        voice = _next_voice(pools, _POOL_FOR[gender], taken)
        taken.add(_key(voice))
        members.append(CastMember(name, counts[name], gender, voice, "auto", aliases))
    return tuple(members)


@lru_cache(maxsize=1)
def _shipped_presets() -> VoiceConfig:
    """The shipped presets alone (to label a voice "presets" or "you"), read once per process."""
    return load_voices()


def _chosen(voice: VoiceProfile, preset: VoiceProfile | None) -> str:
    return "presets" if voice == preset else "you"


def _key(voice: VoiceProfile) -> tuple[object, ...]:
    return (voice.engine, voice.voice, voice.rate, voice.pitch)


def _next_voice(pools: dict[str, list[VoiceProfile]], order: Sequence[str], taken: set) -> VoiceProfile:
    """First unused pool voice; when all are used, a pitch/rate-shifted variation of one."""
    for candidate in _candidates(pools, order):
        if _key(candidate) not in taken:
            return candidate
    raise CastError("Ran out of distinct voices; add entries to [[pool.*]] in a --voices file.")


def _candidates(pools: dict[str, list[VoiceProfile]], order: Sequence[str]) -> Iterator[VoiceProfile]:
    """The gender's own and neutral voices, then the same voices moved apart in pitch and speed,
    and only then the other gender's voices: a man is never given a woman's voice while a
    variation of a man's voice is free."""
    for group in (order[:-1], order[-1:]):
        for name in group:
            yield from pools[name]
        for shift in range(1, 40):
            for name in group:
                for voice in pools[name]:
                    yield replace(
                        voice,
                        pitch=(voice.pitch + 17 * shift) % 101,
                        rate=max(90, min(320, voice.rate + (12 if shift % 2 else -12) * ((shift + 1) // 2))),
                    )


def write_cast_file(members: Sequence[CastMember], path: Path, *, title: str, force: bool = False) -> Path:
    """Write the cast as an editable TOML file that `render` reads back (never overwrites
    an existing file unless `force`)."""
    if path.exists() and not force:
        raise CastError(f"Cast file {str(path)!r} already exists; edit it, or pass --force to replace it.")
    lines = [
        f"# narrator cast for {title!r}. Edit voices, genders and aliases, then render again.",
        "# Voices: `narrator voices`. Fields: voice, rate (wpm), pitch and range (0-100), volume.",
        "",
    ]
    for m in members:
        if m.name == NARRATOR:
            lines += ["[narrator]", *_profile_lines(m.voice), ""]
        elif m.name == UNKNOWN:
            lines += [f"# read quotes whose speaker is not known ({m.lines} lines)", "[unknown]",
                      *_profile_lines(m.voice), ""]
        else:
            lines += [f"[characters.{_toml_string(m.name)}]", f"lines = {m.lines}",
                      f"gender = {_toml_string(m.gender)}",
                      f"aliases = [{', '.join(_toml_string(a) for a in m.aliases if a != m.name)}]",
                      *_profile_lines(m.voice), ""]
    atomic_write_text(path, "\n".join(lines))
    return path


def _profile_lines(voice: VoiceProfile) -> list[str]:
    return [
        f"engine = {_toml_string(voice.engine)}",
        f"voice = {_toml_string(voice.voice)}",
        f"rate = {voice.rate}",
        f"pitch = {voice.pitch}",
        f"range = {voice.range}",
        f"volume = {voice.volume:g}",
    ]


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
