"""Tokens, sentence boundaries and the small word lists every attribution module shares.

The whole book is tokenized once (pure regex, linear time); other modules work on token
indices and character offsets into `Book.text`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

_L = "A-Za-z\u00c0-\u024f"
_WORD = re.compile(rf"[{_L}](?:(?:[{_L}'’]|-(?=[{_L}]))*[{_L}])?")
_POSSESSIVE = re.compile(r"^(.+?)(?:['’]s|['’])$")
_HONORIFIC_SUFFIX = re.compile(
    r"^(.+?)-(?:sama|san|kun|chan|sensei|senpai|dono|nii|nee)$", re.I
)

HONORIFICS_MALE = frozenset(
    "mr mister sir lord master monsieur m count duke prince king baron father brother uncle "
    "colonel captain major general lieutenant sergeant inspector professor reverend rev".split()
)
HONORIFICS_FEMALE = frozenset(
    "mrs miss ms madame mme mademoiselle mlle lady countess duchess princess queen baroness "
    "mother sister aunt dame mistress".split()
)
HONORIFICS_NEUTRAL = frozenset("dr doctor st saint cousin".split())
HONORIFICS = HONORIFICS_MALE | HONORIFICS_FEMALE | HONORIFICS_NEUTRAL
ABBREVIATIONS = frozenset("mr mrs ms dr st m mme mlle rev".split())

MALE_PRONOUNS = frozenset("he him his himself".split())
FEMALE_PRONOUNS = frozenset("she her hers herself".split())
FIRST_PRONOUNS = frozenset("i me my myself".split())

PERSON_NOUNS = {
    "man": "male",
    "gentleman": "male",
    "boy": "male",
    "fellow": "male",
    "lad": "male",
    "youth": "male",
    "husband": "male",
    "father": "male",
    "son": "male",
    "brother": "male",
    "uncle": "male",
    "king": "male",
    "prince": "male",
    "lord": "male",
    "sir": "male",
    "woman": "female",
    "lady": "female",
    "girl": "female",
    "wife": "female",
    "mother": "female",
    "daughter": "female",
    "sister": "female",
    "aunt": "female",
    "queen": "female",
    "princess": "female",
    "maid": "female",
    "widow": "female",
    "stranger": "unknown",
    "child": "unknown",
    "figure": "unknown",
    "creature": "unknown",
    "visitor": "unknown",
    "companion": "unknown",
    "friend": "unknown",
    "host": "male",
    "hostess": "female",
    "cousin": "unknown",
    "nephew": "male",
    "niece": "female",
    "guest": "unknown",
    "guard": "unknown",
    "soldier": "male",
    "officer": "male",
    "doctor": "unknown",
    "servant": "unknown",
    "driver": "unknown",
    "porter": "male",
    "clerk": "male",
}
ROLE_NOUNS = {
    "waiter": "male",
    "waitress": "female",
    "butler": "male",
    "footman": "male",
    "coachman": "male",
    "cabman": "male",
    "boatman": "male",
    "postman": "male",
    "policeman": "male",
    "constable": "male",
    "sergeant": "male",
    "landlord": "male",
    "landlady": "female",
    "housekeeper": "female",
    "nurse": "female",
    "governess": "female",
    "parlourmaid": "female",
    "housemaid": "female",
    "cook": "unknown",
    "gardener": "male",
    "shopman": "male",
    "shopkeeper": "unknown",
    "clown": "male",
    "conductor": "male",
    "messenger": "unknown",
    "maid": "female",
    "porter": "male",
    "clerk": "male",
    "driver": "unknown",
    "guard": "unknown",
}
"""People named by their job: "the waiter" is usually someone not otherwise named, so such a
description is a speaker of its own, not a pointer to a character in focus."""
PERSON_NOUNS.update(ROLE_NOUNS)

GENERIC_MODIFIERS = frozenset(
    "old young little elder younger other poor dear good first second last tall short big small "
    "same latter former".split()
)

# Capitalised words that are never character names on their own.
STOPWORDS = frozenset(
    """a an the and but or nor for so yet if then than when while where whence whither why how what
    who whom whose which that this these those there here i you he she it we they me him her us them
    my your his its our their mine yours ours theirs myself yourself himself herself itself ourselves
    yes no not oh ah ay aye alas well why now just only even still also too very much many more most
    some any all both each every either neither one two three four five six seven eight nine ten
    first second third last next chapter book part volume section prologue epilogue contents
    mr mrs ms miss dr sir madam madame lady lord god heaven heavens hell christ jesus lordship
    monday tuesday wednesday thursday friday saturday sunday january february march april june
    july august september october november december christmas easter
    english french german italian spanish american british irish scotch scottish indian
    yes please thank thanks hello goodbye good bad dear oh hush hey hi okay ok perhaps indeed
    after before again against at by from in into of off on onto out over through to toward towards
    under up upon with within without about above across along among around as because though
    although unless until till since do does did don't can't won't isn't it's i'm i'll i've i'd
    let come go look see say tell ask give take make get put keep shall will would could should
    might must can is are was were be been being have has had am no nothing everything
    something anything nobody everybody somebody anybody everyone someone anyone none
    never always sometimes often perhaps maybe quite rather sure certainly nay hm hum ha""".split()
)


_CONTRACTIONS = frozenset(
    "it's he's she's that's what's there's let's here's who's where's how's when's why's".split()
)


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    word: str
    """Surface form, possessive and Japanese honorific suffix removed."""
    lower: str
    cap: bool
    possessive: bool
    initial: bool
    """First word of a sentence, a paragraph or a quote (capitalised for grammar, not as a name)."""


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    prev_end = 0
    prev_lower = ""
    for m in _WORD.finditer(text):
        raw = m.group()
        word, possessive = raw, False
        pm = _POSSESSIVE.match(raw)
        if pm and len(pm.group(1)) > 1 and raw.lower() not in _CONTRACTIONS:
            word, possessive = pm.group(1), True
        sm = _HONORIFIC_SUFFIX.match(word)
        if sm:
            word = sm.group(1)
        gap = text[prev_end : m.start()]
        if raw == "s" and gap == " " and tokens and tokens[-1].cap and not tokens[-1].possessive:
            # "Cassandra s words": a text whose apostrophes were lost
            t = tokens[-1]
            tokens[-1] = Token(t.start, t.end, t.word, t.lower, t.cap, True, t.initial)
            prev_end = m.end()
            continue
        initial = (
            not tokens
            or any(c in gap for c in '.!?"“”‘:;—()[]')
            and not (prev_lower in ABBREVIATIONS and gap.strip() == ".")
            or "\n\n" in gap
            or (gap.startswith("'") or gap.endswith("'") or "‘" in gap)
            and not gap.strip(" \n'")
        )
        tokens.append(
            Token(
                m.start(),
                m.start() + len(word),
                word,
                word.lower(),
                word[0].isupper(),
                possessive,
                bool(initial),
            )
        )
        prev_end = m.end()
        prev_lower = word.lower()
    return tokens


_ABBREV_LOOKBEHIND = r"(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bM\.)(?<!\bMme\.)(?<!\b[A-Z]\.)"
_SENTENCE_END = re.compile(
    r"(?<=[.!?…])" + _ABBREV_LOOKBEHIND + r"[\"'”’)\]]*\s+(?=[\"“‘'(]?[A-Z0-9])|\n\s*\n"
)


def last_sentence(text: str) -> tuple[int, str]:
    """(offset, text) of the final sentence of `text` (offset relative to `text`)."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() < len(text.rstrip()):
            start = m.end()
    return start, text[start:]


class TokenIndex:
    """Tokens of the book with fast range lookup."""

    __slots__ = ("tokens", "starts")

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.starts = [t.start for t in tokens]

    def between(self, start: int, end: int) -> range:
        return range(bisect_left(self.starts, start), bisect_left(self.starts, end))

    def first_at_or_after(self, pos: int) -> int:
        return bisect_left(self.starts, pos)
