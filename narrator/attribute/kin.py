"""Kin nouns ("said her father", "His mother put down her pen."): the possessor's relative,
found through the family's surname when the book's names make them unique.

Ranked like a pronoun, "her mother" went to the most salient woman, often the possessor herself.
The possessor is the character in focus of the possessive's gender; the family are the
characters sharing one of the possessor's surnames ("Elizabeth Bennet" → "Mr. Bennet"). A father,
mother, husband or wife is called by title and surname alone ("Mrs. Bennet"), a son, daughter,
brother or sister is not; marriage changes names, so a husband or wife is looked for only when
the possessor is also called by title and surname ("Miss Welland"'s husband is no Welland).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..types import Character
from .data import History, Mention

KIN_NOUNS = frozenset("father mother husband wife son daughter brother sister".split())
ELDERS = frozenset("father mother husband wife".split())
"""Relatives called by title and surname."""
FAMILY_NOUNS = KIN_NOUNS | frozenset("aunt uncle grandmother grandfather grandmamma grandpapa".split())
"""Relatives a person has one of, in the book's story: "my aunt" is one person throughout, "my
friend" whoever is with the narrator."""
FAMILY_TITLES = frozenset("mr mr. mrs mrs. lady sir".split())


@dataclass(frozen=True, slots=True)
class Families:
    """The book's characters by surname: the last capitalised word of any of their names."""

    surnames: Mapping[str, frozenset[str]]
    """Character → their surnames (lower case)."""
    members: Mapping[str, tuple[str, ...]]
    """Surname → the characters who bear it."""

    @classmethod
    def of(cls, characters: Sequence[Character]) -> Families:
        surnames: dict[str, frozenset[str]] = {}
        members: dict[str, list[str]] = {}
        for c in characters:
            mine = surnames_of((c.name, *c.aliases))
            surnames[c.name] = mine
            for s in mine:
                members.setdefault(s, []).append(c.name)
        return cls(surnames, {s: tuple(names) for s, names in members.items()})


def surnames_of(names: Sequence[str]) -> frozenset[str]:
    """Last words of the several-word names ("bennet" for "Elizabeth Bennet")."""
    return frozenset(
        w[-1].lower() for w in (a.split() for a in names) if len(w) >= 2 and w[-1][:1].isupper()
    )


def kin_referent(
    families: Families, history: History, gender_of: Callable[[str], str], m: Mention
) -> str | None:
    """The one character of the possessor's family that 'her father' / 'his wife' / "the
    undertaker's wife" fits (the possessor: the one in focus, or the one named), or None when
    the book's names do not single one out."""
    words = m.label.split()
    if m.kind != "desc" or words[-1] not in KIN_NOUNS:
        return None
    if len(m.names) == 1:
        possessor: str | None = m.names[0]  # "the undertaker's wife", "Diana's mother"
    elif len(words) == 2 and words[0] in ("his", "her"):
        possessor = history.most_salient("male" if words[0] == "his" else "female", m.start, gender_of)
    else:
        return None
    if possessor is None:
        return None
    if words[-1] in ("husband", "wife") and not _titled(possessor):
        return None
    elder = words[-1] in ELDERS
    fits = {
        c
        for surname in families.surnames.get(possessor) or surnames_of((possessor,))
        for c in families.members.get(surname, ())
        if c != possessor and gender_of(c) == m.gender and _titled(c) == elder
    }
    return fits.pop() if len(fits) == 1 else None


def _titled(name: str) -> bool:
    """'Mrs. Bennet', 'Sir Thomas': a title and one more word."""
    words = name.split()
    return len(words) == 2 and words[0].lower() in FAMILY_TITLES
