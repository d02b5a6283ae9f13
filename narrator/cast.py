"""Casting: give every speaking character a voice.

User choices (a `--voices` file or the book's cast file) win. Everyone else gets a voice of
their own gender, in any engine: a voice known to be of the other gender is never handed to a
character whose gender is known while one of theirs (or of no declared gender) can serve.

* Engines that cast from the voice files (espeak, pyttsx3) hand out the gender's pool in
  order (`voices/presets.toml`), the characters who speak most first.
* Engines with their own catalogue (`engine.casting()`, Piper) pick, for each character, the
  voice that a hash of the name selects among the voices of that gender (the next free one on
  a collision), so a character keeps their voice across re-renders and across the books of a
  series; narration and unattributed quotes get steady voices the engine chooses.

When the fresh voices run out, a used voice of the same gender comes back with a clearly
different pitch/rate (at least CLEAR_PITCH or CLEAR_RATE apart from everyone else on it), if
possible one that nobody who speaks in the same chapters uses. The result depends only on the
script, the profiles and the engine's voices, so it is the same every run.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .engines import cached_engine
from .engines.base import CastingVoices, Engine, espeak_variants
from .errors import CastError, NarratorError
from .export import atomic_write_text
from .language import NEAREST, best_voice, normalize, primary, same_language, spoken_by
from .types import NARRATOR, UNKNOWN, Gender, Script, VoiceProfile
from .voices import VoiceConfig, load_voices
from .wording import counted

log = logging.getLogger(__name__)

_POOL_GENDER: dict[str, Gender] = {"male": "male", "female": "female", "neutral": "unknown"}
_POOL_ORDER: dict[Gender, tuple[str, ...]] = {
    "male": ("male", "neutral", "female"),
    "female": ("female", "neutral", "male"),
    "unknown": ("neutral", "male", "female"),
}
CLEAR_PITCH, CLEAR_RATE = 12, 15
"""Two characters on the same voice differ by at least this much in pitch (0-100) or rate (wpm)."""
_PITCH_BAND: dict[Gender, tuple[int, int]] = {"male": (20, 75), "female": (30, 90), "unknown": (15, 90)}
"""Pitches a variation may take, so a reused voice still sounds like the character's gender."""
_RATE_BAND = (110, 240)
_TOWARD: dict[Gender, int] = {"male": -30, "female": 30, "unknown": 0}
"""Last resort, no voice of the gender at all: another voice moved this far in pitch toward it."""
_STEPS = sorted(
    ((dp, dr) for dp in range(-3 * CLEAR_PITCH, 3 * CLEAR_PITCH + 1, CLEAR_PITCH)
     for dr in range(-3 * CLEAR_RATE, 3 * CLEAR_RATE + 1, CLEAR_RATE) if (dp, dr) != (0, 0)),
    key=lambda s: (abs(s[0]) // CLEAR_PITCH + abs(s[1]) // CLEAR_RATE, abs(s[1]), -s[0], -s[1]),
)
"""Pitch/rate offsets of a reused voice, smallest first; any two differ clearly from each other."""


@dataclass(frozen=True, slots=True)
class CastMember:
    name: str
    lines: int
    gender: Gender
    voice: VoiceProfile
    chosen_by: str
    """"you" when a voices/cast file set the voice, "auto" when casting picked it."""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Voice:
    profile: VoiceProfile
    gender: Gender
    """The voice's own gender: declared (espeak variant, engine catalogue), else its pool's."""


@dataclass(slots=True)
class _Pools:
    voices: dict[Gender, list[_Voice]]
    by_name: bool
    """Engine catalogue: pick by a hash of the name. Voice files: in pool order."""
    users: dict[tuple[str, str], list[tuple[frozenset[int], VoiceProfile]]] = field(default_factory=dict)
    """Base voice (engine, voice) -> who uses it: their chapters and exact profile."""
    warned: set[Gender] = field(default_factory=set)

    def use(self, voice: VoiceProfile, chapters: frozenset[int]) -> None:
        self.users.setdefault(_base(voice), []).append((chapters, voice))

    def fits(self, voice: VoiceProfile, chapters: frozenset[int], *, apart: bool) -> bool:
        """Clearly different from everyone on the same base voice (and, if `apart`, none of
        them speaks in the same chapters)."""
        for their_chapters, theirs in self.users.get(_base(voice), ()):
            if abs(voice.pitch - theirs.pitch) < CLEAR_PITCH and abs(voice.rate - theirs.rate) < CLEAR_RATE:
                return False
            if apart and their_chapters & chapters:
                return False
        return True


def cast_members(script: Script, config: VoiceConfig, engine: Engine | None = None, *,
                 cache_dir: Path | None = None) -> tuple[CastMember, ...]:
    """Narrator, unknown and every character who speaks, with the voice each will use.

    `engine`: the engine that will speak every voice (`--engine`). If it has its own catalogue
    (`casting()`, Piper), voices of other engines (the espeak presets, an old cast file) are
    cast again from it, from its voices of the book's language; otherwise the voice files' pools
    are used, moved to the book's language (`in_language`). `cache_dir`: where an engine keeps
    what it measured of its voices (Piper: each speaker's pitch; None: the default cache).
    """
    catalogue: CastingVoices | None = None
    if engine is not None and callable(getattr(engine, "casting", None)):
        catalogue = _catalogue(engine, script.book.language or _language_of(config), cache_dir)
    moved: frozenset[str] = frozenset()
    if catalogue is None and script.book.language is not None:
        config, moved = in_language(config, script.book.language, engine)
    assert config.narrator is not None and config.unknown is not None
    counts = Counter(line.speaker for line in script.lines if line.speaker is not None)
    spoken: dict[str, set[int]] = defaultdict(set)
    for line in script.lines:
        if line.speaker is not None:
            spoken[line.speaker].add(line.chapter)
    everywhere = frozenset(c.index for c in script.book.chapters) | frozenset().union(*spoken.values())
    known = {c.name: c for c in script.characters}
    speakers = [name for name in counts if name != UNKNOWN]
    speakers += [n for n, e in config.characters.items() if e.voice and n not in counts and n in known]
    speakers.sort(key=lambda name: (-counts[name], name))

    def keep(voice: VoiceProfile) -> bool:
        """Voices of another engine than the catalogue's are cast again from it."""
        return catalogue is None or voice.engine == catalogue.engine

    pools = _catalogue_pools(catalogue) if catalogue is not None else _config_pools(config.pools)
    narrator, unknown = _steady_voices(config, catalogue, keep)
    presets = _shipped_presets()
    members = [
        CastMember(NARRATOR, _narration_lines(script), "unknown", narrator,
                   _chosen(narrator, presets.narrator, keep(config.narrator) and NARRATOR not in moved)),
        CastMember(UNKNOWN, counts[UNKNOWN], "unknown", unknown,
                   _chosen(unknown, presets.unknown, keep(config.unknown) and UNKNOWN not in moved)),
    ]
    pools.use(narrator, everywhere)
    pools.use(unknown, everywhere)
    pinned = {n: e.voice for n, e in config.characters.items() if e.voice is not None and keep(e.voice)}
    for name, voice in pinned.items():
        pools.use(voice, frozenset(spoken.get(name, ())))
    for name in speakers:
        entry = config.characters.get(name)
        character = known.get(name)
        gender: Gender = (entry.gender if entry and entry.gender else None) or (
            character.gender if character else "unknown")
        aliases = (entry.aliases if entry and entry.aliases else ()) or (character.aliases if character else ())
        if name in pinned:
            members.append(CastMember(name, counts[name], gender, pinned[name], "you", aliases))
            continue
        chapters = frozenset(spoken.get(name, ()))
        voice = _pick(name, gender, chapters, pools)
        pools.use(voice, chapters)
        members.append(CastMember(name, counts[name], gender, voice, "auto", aliases))
    return tuple(members)


def _narration_lines(script: Script) -> int:
    """Lines the narrator's voice reads: the narration that is spoken (not headings, front matter)."""
    book = script.book
    return sum(1 for line in script.lines
               if line.speaker is None and book.is_spoken(line.segment.start, line.segment.end))


def in_language(config: VoiceConfig, language: str, engine: Engine | None = None) -> tuple[VoiceConfig, frozenset[str]]:
    """The voice files' narrator, unknown and pools moved to `language` where they speak another:
    the engine's voice for it, with the same variant, rate and pitch (`en-gb-x-rp+m3` for a Hindi
    book: `hi+m3`). Also which of NARRATOR and UNKNOWN moved. A voice already of the language
    (any region: the English presets mix accents on purpose) is kept; characters' voices set in
    a voices or cast file are the user's and are kept. An engine without a voice for the language
    reads it with the nearest it has (`language.NEAREST`), else keeps the files' voices; either
    way it is said once, as a warning."""
    assert config.narrator is not None and config.unknown is not None
    targets: dict[str, str | None] = {}

    def moved(profile: VoiceProfile) -> VoiceProfile:
        speaker = engine or _engine_named(profile.engine)
        if speaker is None:
            return profile
        base, plus, variant = profile.voice.partition("+")
        if same_language(_voice_language(speaker, base), language):
            return profile
        if speaker.name not in targets:
            targets[speaker.name] = _voice_for(speaker, language)
        target = targets[speaker.name]
        return profile if target is None else replace(profile, voice=target + plus + variant)

    narrator, unknown = moved(config.narrator), moved(config.unknown)
    pools = {pool: tuple(moved(p) for p in profiles) for pool, profiles in config.pools.items()}
    which = frozenset(n for n, old, new in ((NARRATOR, config.narrator, narrator), (UNKNOWN, config.unknown, unknown))
                      if old != new)
    return replace(config, narrator=narrator, unknown=unknown, pools=pools), which


def _engine_named(name: str) -> Engine | None:
    """This process's engine `name`, or None when it cannot load (the voice check says why later)."""
    try:
        return cached_engine(name)
    except NarratorError:
        return None


def _voice_language(engine: Engine, base: str) -> str:
    """The language a base voice id speaks: its catalogue entry's, else the id itself (espeak's
    ids are languages: `en-gb-x-rp`)."""
    for info in engine.voices():
        if base in (info.id, info.language):
            return normalize(info.language) or base
    return base


def _voice_for(engine: Engine, language: str) -> str | None:
    """The engine's voice for `language`, else for the nearest language it has (warned once)."""
    find = getattr(engine, "voice_for_language", None)

    def voice(tag: str) -> str | None:
        return find(tag) if callable(find) else best_voice(spoken_by(engine.voices()), tag)

    found = voice(language)
    if found is not None:
        return found
    nearest = NEAREST.get(primary(language))
    found = voice(nearest) if nearest else None
    if found is not None:
        name = next((v.name for v in engine.voices() if v.id == found), found)
        log.warning("%s has no voice for the book's language %r, so it is read by its %s voice %r, the "
                    "nearest it has (--language TAG chooses another)", engine.name, language, name, found)
    else:
        log.warning("%s has no voice for the book's language %r, so it is read by the voice files' "
                    "voices (--language TAG chooses another)", engine.name, language)
    return found


def _language_of(config: VoiceConfig) -> str:
    """The voice files' own language: the narrator's (the shipped presets': English)."""
    assert config.narrator is not None
    return normalize(config.narrator.voice.partition("+")[0]) or "en"


def _catalogue(engine: Engine, language: str, cache_dir: Path | None) -> CastingVoices:
    """The engine's own voices to cast from: those of `language`, else of the nearest language it
    has (`language.NEAREST`), else all it has (either fallback warned once)."""
    catalogue: CastingVoices = engine.casting(language, cache_dir)  # type: ignore[attr-defined]
    if _speaks(catalogue, language):
        return catalogue
    nearest = NEAREST.get(primary(language))
    if nearest is not None:
        closest: CastingVoices = engine.casting(nearest, cache_dir)  # type: ignore[attr-defined]
        if _speaks(closest, nearest):
            log.warning("%s has no voice for the book's language %r installed, so it is read by its %r voices, "
                        "the nearest it has (--language TAG chooses another)", engine.name, language, nearest)
            return closest
    log.warning("%s has no voice for the book's language %r installed, so it is read with the voices it has; "
                "`narrator voices download --list %s` lists voices to download", engine.name, language,
                primary(nearest or language))
    return catalogue


def _speaks(catalogue: CastingVoices, language: str) -> bool:
    return any(same_language(normalize(v.language) or "", language) for v in catalogue.voices)


@lru_cache(maxsize=1)
def _shipped_presets() -> VoiceConfig:
    """The shipped presets alone (to label a voice "presets" or "you"), read once per process."""
    return load_voices()


def _chosen(voice: VoiceProfile, preset: VoiceProfile | None, kept: bool) -> str:
    if not kept:
        return "auto"
    return "presets" if voice == preset else "you"


def _base(voice: VoiceProfile) -> tuple[str, str]:
    return (voice.engine, voice.voice)


def _steady_voices(config: VoiceConfig, catalogue: CastingVoices | None,
                   keep: Callable[[VoiceProfile], bool]) -> tuple[VoiceProfile, VoiceProfile]:
    """Narrator and unknown: the files' (when the engine can speak them), else the catalogue's."""
    assert config.narrator is not None and config.unknown is not None
    narrator, unknown = config.narrator, config.unknown
    if catalogue is None:
        return narrator, unknown
    if not keep(narrator):
        narrator = VoiceProfile(engine=catalogue.engine, voice=catalogue.narrator, rate=catalogue.rate)
    if not keep(unknown):
        unknown = VoiceProfile(engine=narrator.engine, voice=catalogue.unknown, rate=catalogue.rate)
        if _base(unknown) == _base(narrator):
            unknown = replace(unknown, pitch=narrator.pitch + CLEAR_PITCH)
    return narrator, unknown


def _config_pools(pools: Mapping[str, Sequence[VoiceProfile]]) -> _Pools:
    """The voice files' pools, each voice with its gender: an espeak variant's own, else the pool's."""
    declared = {v.id: v.gender for v in espeak_variants()}
    voices: dict[Gender, list[_Voice]] = {"male": [], "female": [], "unknown": []}
    for pool in ("male", "female", "neutral"):
        for profile in pools.get(pool, ()):
            variant = profile.voice.partition("+")[2] if profile.engine == "espeak" else ""
            own = declared.get(variant, "unknown")
            voices[_POOL_GENDER[pool]].append(_Voice(profile, own if own != "unknown" else _POOL_GENDER[pool]))
    return _Pools(voices, by_name=False)


def _catalogue_pools(catalogue: CastingVoices) -> _Pools:
    voices: dict[Gender, list[_Voice]] = {"male": [], "female": [], "unknown": []}
    for info in sorted(catalogue.voices, key=lambda v: v.id):
        profile = VoiceProfile(engine=catalogue.engine, voice=info.id, rate=catalogue.rate)
        voices[info.gender].append(_Voice(profile, info.gender))
    return _Pools(voices, by_name=True)


def _pick(name: str, gender: Gender, chapters: frozenset[int], pools: _Pools) -> VoiceProfile:
    """A fresh voice of the character's gender; else a clear variation of a used one, if possible
    one nobody in the same chapters uses; else (no voice of the gender at all) another voice
    moved toward it in pitch."""
    own = _compatible(name, gender, pools)
    for voice in own:
        if _base(voice.profile) not in pools.users:
            return voice.profile
    toward = 0
    if not own:
        own = _foreign(name, gender, pools)
        toward = _TOWARD[gender]
    if not own:
        raise CastError("No voices to cast from; add entries to [[pool.*]] in a --voices file.")
    for apart in (True, False):
        for variation in _variations(own, _PITCH_BAND[gender], toward):
            if pools.fits(variation, chapters, apart=apart):
                return variation
    # Every variation is in use: share the one whose users speak in the fewest of these chapters.
    return min(_variations(own, _PITCH_BAND[gender], toward),
               key=lambda v: sum(len(c & chapters) + 1 for c, _ in pools.users.get(_base(v), ())))


def _compatible(name: str, gender: Gender, pools: _Pools) -> list[_Voice]:
    """Voices a character of `gender` may have, in the order to try them."""
    if pools.by_name:
        if gender == "unknown":
            every = sorted((v for vs in pools.voices.values() for v in vs), key=lambda v: v.profile.voice)
            return _rotated(every, name)
        return _rotated(pools.voices[gender], name) + _rotated(pools.voices["unknown"], name)
    ordered = [v for pool in _POOL_ORDER[gender] for v in pools.voices[_POOL_GENDER[pool]]]
    return [v for v in ordered if gender == "unknown" or v.gender in (gender, "unknown")]


def _foreign(name: str, gender: Gender, pools: _Pools) -> list[_Voice]:
    """Every voice, for a gender that has none of its own (once per gender, a warning)."""
    if gender not in pools.warned:
        pools.warned.add(gender)
        other = "female" if gender == "male" else "male"
        log.warning("no %s voice to cast from, so %s characters get a %s voice moved %s in pitch; add %s "
                    "voices (for Piper: `narrator voices download en_US-libritts_r-medium`)",
                    gender, gender, other, "up" if gender == "female" else "down", gender)
    every = [v for vs in pools.voices.values() for v in vs]
    return _rotated(every, name) if pools.by_name else every


def _rotated(voices: Sequence[_Voice], name: str) -> list[_Voice]:
    """`voices` starting at the one a hash of `name` picks: the same name, the same voice."""
    if not voices:
        return []
    start = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:12], 16) % len(voices)
    return [*voices[start:], *voices[:start]]


def _variations(voices: Sequence[_Voice], band: tuple[int, int], toward: int) -> Iterator[VoiceProfile]:
    """Each voice moved by each of _STEPS (smallest first), staying in the gender's pitch band;
    with `toward`, first moved that far in pitch, and from there only further that way."""
    steps = [(0, 0), *_STEPS] if toward else _STEPS
    for dp, dr in steps:
        for voice in voices:
            base = voice.profile
            low, high = band
            pitch = min(high, max(low, base.pitch + toward)) if toward else base.pitch
            if toward:
                low, high = (pitch, high) if toward > 0 else (low, pitch)
            if low <= pitch + dp <= high and _RATE_BAND[0] <= base.rate + dr <= _RATE_BAND[1]:
                yield replace(base, pitch=pitch + dp, rate=base.rate + dr)

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
            lines += [f"# read quotes whose speaker is not known ({counted(m.lines, 'line')})", "[unknown]",
                      *_profile_lines(m.voice), ""]
        else:
            lines += [f"[characters.{_toml_string(m.name)}]", f"lines = {m.lines}",
                      f"gender = {_toml_string(m.gender)}",
                      f"aliases = [{', '.join(_toml_string(a) for a in _aliases(m))}]",
                      *_profile_lines(m.voice), ""]
    atomic_write_text(path, "\n".join(lines))
    return path


def _aliases(m: CastMember) -> list[str]:
    """The forms of the name the book uses, the cast name first: an entry renamed by hand still
    finds its character by the old name."""
    return [m.name, *(a for a in m.aliases if a != m.name)]


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
    """A TOML basic string: quotes, backslashes and control characters (a line break inside a
    described speaker's words) escaped."""
    escaped = "".join(
        "\\" + c if c in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
        for c in value
    )
    return f'"{escaped}"'
