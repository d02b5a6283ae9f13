"""Mentions of people in the text: names (via the character index), pronouns, descriptions."""

from __future__ import annotations

from ._text import Token
from .characters import CharacterIndex
from .data import Mention
from .vocabulary import (
    FEMALE_PRONOUNS,
    FIRST_PRONOUNS,
    GENERIC_MODIFIERS,
    MALE_PRONOUNS,
    PERSON_NOUNS,
    ROLE_NOUNS,
    STOPWORDS,
)

_NOT_MODIFIERS = frozenset(
    "and or but of to in on at with as was were is had has have be been said the a an by for from "
    "who which that".split()
)


def find_mentions(
    text: str, tokens: list[Token], index: CharacterIndex
) -> list[Mention]:
    mentions: list[Mention] = []
    n = len(tokens)
    keys = index.keys
    i = 0
    while i < n:
        t = tokens[i]
        w = t.lower
        matched = False
        if w in index.first_words and (t.cap or w in ("the", "a", "an")):
            for length in range(min(index.max_len, n - i), 0, -1):
                last = tokens[i + length - 1]
                if not last.cap:
                    continue
                key = tuple(tok.lower for tok in tokens[i : i + length])
                names = keys.get(key)
                if not names:
                    continue
                if not _tight(text, tokens, i, i + length):
                    continue
                mentions.append(
                    Mention(
                        t.start,
                        last.end,
                        i,
                        i + length,
                        "name",
                        tuple(names),
                        index.gender(names[0]) if len(names) == 1 else "unknown",
                        last.possessive,
                    )
                )
                i += length
                matched = True
                break
            if matched:
                continue
        if (
            w in MALE_PRONOUNS
            or w in FEMALE_PRONOUNS
            or (w in FIRST_PRONOUNS and (w != "i" or t.cap))
        ):
            if (
                w in ("his", "her", "my")
                and i + 1 < n
                and tokens[i + 1].lower in PERSON_NOUNS
                and _tight(text, tokens, i, i + 2)
            ):
                noun = tokens[i + 1].lower
                mentions.append(
                    Mention(
                        t.start,
                        tokens[i + 1].end,
                        i,
                        i + 2,
                        "desc",
                        gender=PERSON_NOUNS[noun],
                        label=f"{w} {noun}",
                        generic=True,
                        possessive=tokens[i + 1].possessive,
                    )
                )
                i += 2
                continue
            gender = (
                "male"
                if w in MALE_PRONOUNS
                else "female"
                if w in FEMALE_PRONOUNS
                else "first"
            )
            mentions.append(
                Mention(
                    t.start,
                    t.end,
                    i,
                    i + 1,
                    "pron",
                    gender=gender,
                    possessive=w in ("his", "her", "my"),
                )
            )
            i += 1
            continue
        if w in ("the", "this", "that") and not t.cap or (w == "the" and t.cap):
            j = i + 1
            mods: list[str] = []
            while j < n and len(mods) <= 3:
                u = tokens[j]
                if (
                    u.lower in PERSON_NOUNS
                    and not u.cap
                    and _tight(text, tokens, i, j + 1)
                ):
                    generic = all(m in GENERIC_MODIFIERS for m in mods) and u.lower not in ROLE_NOUNS
                    label = _label(mods, u.lower)
                    mentions.append(
                        Mention(
                            t.start,
                            u.end,
                            i,
                            j + 1,
                            "desc",
                            gender=PERSON_NOUNS[u.lower],
                            label=label,
                            generic=generic,
                            possessive=u.possessive,
                        )
                    )
                    i = j + 1
                    matched = True
                    break
                if (
                    u.cap
                    or u.lower in _NOT_MODIFIERS
                    or (u.lower in STOPWORDS and u.lower not in _NUMBERS)
                    or u.possessive
                ):
                    break
                mods.append(u.lower)
                j += 1
            if matched:
                continue
        i += 1
    return mentions


def _label(mods: list[str], noun: str) -> str:
    words: list[str] = []
    for m in mods:
        if words and (m.endswith("ed") or m.endswith("ing")) and words[-1] in _NUMBERS:
            words[-1] = words[-1] + "-" + m
        else:
            words.append(m)
    return " ".join(["the", *words, noun])


_NUMBERS = frozenset(
    "one two three four five six seven eight nine ten many one-".split()
)


def _tight(text: str, tokens: list[Token], i: int, j: int) -> bool:
    """Tokens i..j-1 follow each other with only spaces (or an abbreviation dot) between."""
    for k in range(i, j - 1):
        a, b = tokens[k], tokens[k + 1]
        if a.possessive:
            return False
        gap = text[a.end : b.start]
        if gap in (" ", "\n", "-") or (
            gap.strip() in ("", ".") and len(gap) <= 3 and "\n\n" not in gap
        ):
            continue
        return False
    return True
