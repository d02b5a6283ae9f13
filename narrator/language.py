"""A book's language (a BCP 47 tag such as `en`, `hi`, `pt-BR`) and the engine voice that speaks it.

Tags are kept in one form, lower case with hyphens (`pt-br`). An engine voice speaks a tag when
one of its languages is the tag, or a prefix of it at a subtag boundary (`de` speaks `de-at`),
or shares its primary language (`en-gb` speaks `en-au`); among several, the closest match wins,
then the engine's own preference (espeak-ng gives each language of a voice a priority: `fr` is
French from France before Belgian, `zh` Mandarin before Cantonese).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")
UNDETERMINED = frozenset({"und", "mul", "zxx", "mis"})
"""ISO 639 codes that name no language (undetermined, several, no linguistic content, uncoded)."""
NEAREST = {"sa": "hi", "pi": "hi", "nn": "nb"}
"""Languages engines rarely have, read by the closest one they do: Sanskrit and Pali (written in
Devanagari, read aloud in India with Hindi phonology) by Hindi; Nynorsk by Bokmål."""


def normalize(tag: str | None) -> str | None:
    """`tag` in narrator's form (`pt_BR` -> `pt-br`), or None when it names no language."""
    if not tag:
        return None
    cleaned = tag.strip().replace("_", "-").lower()
    if not _TAG.match(cleaned) or cleaned.split("-")[0] in UNDETERMINED:
        return None
    return cleaned


def primary(tag: str) -> str:
    """The language without region or script: `pt-br` -> `pt`."""
    return tag.split("-", 1)[0]


def same_language(a: str, b: str) -> bool:
    return primary(a) == primary(b)


@dataclass(frozen=True, slots=True)
class Spoken:
    """One language an engine voice speaks."""

    language: str
    voice: str
    """The engine's voice id."""
    priority: int = 5
    """The engine's preference among voices of the language: lower first (espeak-ng's scale)."""


def best_voice(spoken: Iterable[Spoken], tag: str) -> str | None:
    """The voice that speaks `tag` best (see the module doc), or None when none speaks it."""
    tag = normalize(tag) or tag
    best: tuple[int, int, int] | None = None
    found = None
    for entry in spoken:
        language = normalize(entry.language)
        if language is None:
            continue
        if language == tag:
            closeness = 0
        elif tag.startswith(language + "-"):
            closeness = 1 + tag.count("-") - language.count("-")  # de-at -> de before nothing
        elif primary(language) == primary(tag):
            closeness = 10 + language.count("-")  # en-au -> en-gb: a sibling region
        else:
            continue
        rank = (closeness, entry.priority, len(entry.voice))
        if best is None or rank < best:
            best, found = rank, entry.voice
    return found


def spoken_by(voices: Sequence[object]) -> list[Spoken]:
    """`Spoken` entries from `VoiceInfo`s (one language each, no preference)."""
    return [Spoken(str(getattr(v, "language", "")), str(getattr(v, "id", ""))) for v in voices]


__all__ = ["NEAREST", "Spoken", "best_voice", "normalize", "primary", "same_language", "spoken_by"]
