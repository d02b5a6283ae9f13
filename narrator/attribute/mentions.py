"""Mentions of people in the text: names (via the character index), pronouns, descriptions."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence

from ..types import Gender
from ._text import Token
from .characters import CharacterIndex
from .data import Mention
from .kin import KIN_NOUNS
from .vocabulary import (
    CLOSING_MARKS,
    FEMALE_PRONOUNS,
    FIRST_PRONOUNS,
    GENERIC_MODIFIERS,
    GENERIC_NOUNS,
    HONORIFICS,
    MALE_PRONOUNS,
    NOT_PERSONS,
    PERSON_NOUNS,
    SPEECH_NOUNS,
    SPEECH_VERBS,
    STOPWORDS,
    WEAK_SPEECH_VERBS,
)

_NOT_MODIFIERS = frozenset(
    "and or but of to in on at with as was were is had has have be been said the a an by for from "
    "who which that".split()
)


def find_mentions(
    text: str, tokens: list[Token], index: CharacterIndex, speaking: Mapping[str, Gender] | None = None
) -> list[Mention]:
    """Every mention of a person, in text order, none overlapping: the longest alias of a known
    character, else a pronoun (or "his wife"), else a description ("the six armed man").
    `speaking`: the book's `tag_nouns`, when the caller has read them already (they depend on
    the text alone, and a book's mentions are found again for every new list of characters)."""
    mentions: list[Mention] = []
    n = len(tokens)
    first_words = index.first_words
    starts = first_words | _STARTS
    if speaking is None:
        speaking = tag_nouns(text, tokens)
    i = 0
    while i < n:
        t = tokens[i]
        w = t.lower
        if w not in starts:  # most words: no mention starts there (the tests below, all at once)
            i += 1
            continue
        m = None
        if w in first_words and (t.cap or w in ("the", "a", "an")):
            m = _name_at(text, tokens, i, index)
        if m is None and w in ("the", "my") and index.epithets:
            m = _epithet_at(text, tokens, i, index)
        if m is None and (
            w in MALE_PRONOUNS
            or w in FEMALE_PRONOUNS
            or (w in FIRST_PRONOUNS and (w != "i" or t.cap))
        ):
            m = _pronoun_at(text, tokens, i)
        if m is None and w == "the" and i + 1 < n and tokens[i + 1].lower in _ORDINALS:
            m = _former_latter_at(text, tokens, i, mentions)
        if m is None and (w in ("the", "this", "that", "a", "an") and not t.cap or (w in ("the", "a", "an") and t.cap)):
            m = _description_at(text, tokens, i, speaking)
        if m is None:
            i += 1
        else:
            m = _relative_of(text, tokens, m) or m
            mentions.append(m)
            i = m.tok_end
    return mentions


def _relative_of(text: str, tokens: list[Token], m: Mention) -> Mention | None:
    """ "the undertaker's wife", "Diana's mother": a possessive name or description right
    before a kin noun is the possessor, and the phrase mentions the relative (the possessor in
    `names`, for kin.kin_referent; a described person of their own when it is no name)."""
    k = m.tok_end
    if not m.possessive or k >= len(tokens) or tokens[k].lower not in KIN_NOUNS or tokens[k].cap:
        return None
    if text[m.end : tokens[k].start].lstrip("'’s") != " ":
        return None
    noun = tokens[k]
    gender = PERSON_NOUNS.get(noun.lower, "unknown")
    if m.kind == "name" and len(m.names) == 1:
        label = f"{m.names[0]}'s {noun.lower}"
        return Mention(m.start, noun.end, m.tok, k + 1, "desc", m.names, gender, noun.possessive, label, True)
    if m.kind == "desc" and m.label.startswith("the "):
        label = f"{m.label}'s {noun.lower}"
        return Mention(m.start, noun.end, m.tok, k + 1, "desc", (), gender, noun.possessive, label, False)
    return None


_STARTS = MALE_PRONOUNS | FEMALE_PRONOUNS | FIRST_PRONOUNS | {"the", "this", "that", "a", "an"}
"""Words a mention other than a name starts with: a pronoun, or a determiner (a description,
an epithet, "the former")."""


def _name_at(text: str, tokens: list[Token], i: int, index: CharacterIndex) -> Mention | None:
    """The longest alias of a character starting at token i (its last word capitalised)."""
    n = len(tokens)
    for length in range(min(index.max_len, n - i), 0, -1):
        last = tokens[i + length - 1]
        if not last.cap:
            continue
        key = tuple(tok.lower for tok in tokens[i : i + length])
        names = index.keys.get(key)
        if not names:
            continue
        if not _tight(text, tokens, i, i + length):
            continue
        return Mention(
            tokens[i].start,
            last.end,
            i,
            i + length,
            "name",
            tuple(names),
            index.gender(names[0]) if len(names) == 1 else "unknown",
            last.possessive,
        )
    return None


def _epithet_at(text: str, tokens: list[Token], i: int, index: CharacterIndex) -> Mention | None:
    """ "the beadle" where the book ties that epithet to one character (Mr. Bumble), "my aunt"
    where a first-person book does (people.my_epithets): a name."""
    if i + 1 >= len(tokens) or tokens[i + 1].cap or not _tight(text, tokens, i, i + 2):
        return None
    word = tokens[i + 1].lower
    name = index.epithets.get(word if tokens[i].lower == "the" else f"my {word}")
    if name is None:
        return None
    noun = tokens[i + 1]
    return Mention(tokens[i].start, noun.end, i, i + 2, "name", (name,), index.gender(name), noun.possessive)


_ORDINALS = {"former": 0, "latter": 1}
"""'the former' / 'the latter': the first / second of the two people just named together."""
_QUOTE_MARK = re.compile("[\"“”]")
"""A name between the pair and 'the former' ends the search, unless a quote lies between (a
name said in a quote, "My dear Miss Woodhouse," said the latter, is no one named since)."""
_PAIR_WINDOW = 400
"""How far back (characters) the pair may be, in the same or the previous paragraph."""
_AFTER_ORDINAL = frozenset(
    "was were had has is could would should might must did does now then still only at of who "
    "whom".split()
)
"""Words that may follow 'the former' used as a person on its own ("the latter was", "the
former of whom", "the latter, who"), not as an adjective ("the former occasion")."""


def _former_latter_at(
    text: str, tokens: list[Token], i: int, found: list[Mention]
) -> Mention | None:
    """ "When Jane and Elizabeth were alone, the former …" / "… said the latter": the first or
    second of the latest two names joined by "and", a few sentences back at most; a name."""
    n = len(tokens)
    ordinal = tokens[i + 1]
    if not _tight(text, tokens, i, i + 2):
        return None
    end = i + 2
    if not ordinal.possessive and end < n and text[ordinal.end : tokens[end].start] == " ":
        nxt = tokens[end]
        if nxt.lower in PERSON_NOUNS and not nxt.cap:
            end += 1  # "the latter gentleman"
        elif nxt.cap or not (
            nxt.lower in _AFTER_ORDINAL
            or nxt.lower in SPEECH_VERBS
            or nxt.lower.endswith(("ed", "ly"))
        ):
            return None  # "the former occasion", "the latter part"
    start = tokens[i].start
    for k in range(len(found) - 1, 0, -1):
        a, b = found[k - 1], found[k]
        if a.start < start - _PAIR_WINDOW or text.count("\n\n", a.start, start) > 1:
            break
        if joined_by_and(text, a, b):
            m = (a, b)[_ORDINALS[ordinal.lower]]
            last = tokens[end - 1]
            return Mention(start, last.end, i, end, "name", m.names, m.gender, last.possessive)
        other_name = not (b.tok_end > b.tok + 1 and tokens[b.tok + 1].lower in _ORDINALS)
        if b.kind == "name" and other_name and not _QUOTE_MARK.search(text, b.end, start):
            break  # "Darcy said little, and Hurst nothing. The former …": someone named since
    return None


_AND = re.compile(r"\s+and\s+")


def joined_by_and(text: str, a: Mention, b: Mention) -> bool:
    """Names a and b (in this order) are joined by a bare "and" ("Jane and Elizabeth")."""
    return a.kind == b.kind == "name" and _AND.fullmatch(text, a.end, b.start) is not None


def _pronoun_at(text: str, tokens: list[Token], i: int) -> Mention:
    """A personal pronoun at token i; "his wife", "her brother", "my aunt" are descriptions."""
    n = len(tokens)
    t = tokens[i]
    w = t.lower
    if (
        w in ("his", "her", "my")
        and i + 1 < n
        and tokens[i + 1].lower in PERSON_NOUNS
        and _tight(text, tokens, i, i + 2)
    ):
        noun = tokens[i + 1].lower
        return Mention(
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
    gender = (
        "male"
        if w in MALE_PRONOUNS
        else "female"
        if w in FEMALE_PRONOUNS
        else "first"
    )
    return Mention(
        t.start,
        t.end,
        i,
        i + 1,
        "pron",
        gender=gender,
        possessive=w in ("his", "her", "my"),
    )


def _description_at(text: str, tokens: list[Token], i: int, speaking: Mapping[str, Gender]) -> Mention | None:
    """ "the old man", "this strange lady", "the six armed man", "the ferrywoman", "a tall,
    grey-haired woman" (someone the narration brings in): a determiner, up to four modifiers
    (commas may part them) and a person noun (listed, or one the book's tags make a speaker,
    `tag_nouns`). Generic when every modifier is ("old", "young") and the noun is one for anyone
    ("the man"; "the waiter" is someone of their own), and for a noun no list holds."""
    n = len(tokens)
    t = tokens[i]
    j = i + 1
    mods: list[str] = []
    while j < n and len(mods) <= 3:
        u = tokens[j]
        gender = PERSON_NOUNS.get(u.lower) or speaking.get(u.lower)
        if gender is not None and not u.cap and _tight(text, tokens, i, j + 1, lists=True):
            generic = u.lower not in PERSON_NOUNS or (
                all(m in GENERIC_MODIFIERS for m in mods) and u.lower in GENERIC_NOUNS
            )
            return Mention(
                t.start,
                u.end,
                i,
                j + 1,
                "desc",
                gender=gender,
                label=_label(mods, u.lower),
                generic=generic,
                possessive=u.possessive,
            )
        if (
            u.cap
            or u.lower in _NOT_MODIFIERS
            or (u.lower in STOPWORDS and u.lower not in _NUMBERS)
            or u.possessive
        ):
            break
        mods.append(u.lower)
        j += 1
    return None


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


def _tight(text: str, tokens: list[Token], i: int, j: int, lists: bool = False) -> bool:
    """Tokens i..j-1 follow each other with only spaces (or an abbreviation dot) between;
    `lists`: a comma may part two modifiers ("a stoutish, red-faced woman")."""
    for k in range(i, j - 1):
        a, b = tokens[k], tokens[k + 1]
        if a.possessive:
            return False
        gap = text[a.end : b.start]
        if lists and i < k < j - 2 and gap.rstrip() == "," and len(gap) <= 3:
            continue
        if gap in (" ", "\n", "-") or (
            gap.strip() in ("", ".") and len(gap) <= 3 and "\n\n" not in gap
        ):
            continue
        return False
    return True


def after_quote(text: str, pos: int) -> bool:
    """A closing quote mark (and perhaps a comma) right before `pos`."""
    return text[max(0, pos - 4) : pos].rstrip(" ,\n")[-1:] in CLOSING_MARKS


TokenTest = Callable[[int], bool]
"""A test of the token at an index."""


def tag_subjects(
    text: str,
    tokens: Sequence[Token],
    determiners: Collection[str],
    *,
    verbs: Collection[str] = SPEECH_VERBS,
    words: int = 1,
    word: TokenTest | None = None,
    ends: TokenTest | None = None,
    adverbs: int = 0,
) -> dict[str, list[int]]:
    """The subjects of a speech verb in a tag right after a quote: '"…," said the doctor' (the
    verb right after the closing mark) and '"…" the beadle said' (the subject right after it,
    the verb right after its noun or after up to `adverbs` words in -ly). A subject is one of
    `determiners` (as written) and up to `words` words, none capitalised or a stopword, each
    one `word` accepts; the last is its noun: the word before the verb, or, after the verb,
    the first where `ends` says the phrase ends (any, without `ends`). Noun → the token indices
    of its subjects' nouns, in text order. One pass over the tokens."""
    found: dict[str, list[int]] = defaultdict(list)
    n = len(tokens)
    for k in range(1, n - 1):
        t = tokens[k]
        if t.word not in determiners:
            continue
        verb_first = tokens[k - 1].lower in verbs and after_quote(text, tokens[k - 1].start)
        if not verb_first and not after_quote(text, t.start):
            continue
        for j in range(k + 1, min(k + 1 + words, n)):
            u = tokens[j]
            if u.cap or u.lower in STOPWORDS or (word is not None and not word(j)):
                break
            if (ends is None or ends(j)) if verb_first else _verb_next(tokens, j, verbs, adverbs):
                found[u.lower].append(j)
                break
    return found


def _verb_next(tokens: Sequence[Token], j: int, verbs: Collection[str], adverbs: int) -> bool:
    """One of `verbs` follows token j, perhaps after up to `adverbs` words in -ly."""
    v = j + 1
    while v < len(tokens) and v <= j + adverbs and tokens[v].lower.endswith("ly"):
        v += 1
    return v < len(tokens) and tokens[v].lower in verbs


_TAG_VERBS = SPEECH_VERBS - WEAK_SPEECH_VERBS - SPEECH_NOUNS
"""Verbs whose subject in a tag is a speaker ("said", not "called": "called the dog to heel";
not "answer": "the absurd answer")."""
_NP_END = frozenset(
    "to at of in on with who whom whose and as from by upon for into towards toward without "
    "behind beside near after before".split()
)
"""Words after which a noun phrase in a tag has ended ("asked the man at the door")."""
_SCENE = 20000
_SCENES = 3
"""A noun the tags use in this many places (20,000 characters apart) is one a main character
goes by all through the book ("said the painter" for the painter of the title), not a passer-by:
it makes no mention, and turn-taking decides those quotes as before."""
_TAG_NP = 3
"""Words of a tag's noun phrase after "the" at most: two modifiers and the noun."""


def tag_nouns(text: str, tokens: list[Token]) -> dict[str, Gender]:
    """Nouns no list holds that the book's quote tags make speakers, with a gender: the subject
    of a speech verb right after a quote ('"…," said the ferrywoman', '"…" the old croupier
    replied, raking in his chips', '"…," asked the sentry at the gate, and he …'), gendered by
    its ending (-ess, -woman, -man) or a he/she in the tag's clause. A noun of no gender makes no
    mention ("said the croupier" is left to the ranker as before); nor do plurals, adjectives,
    titles and known non-persons ("said the voice", "the letter said")."""

    def word(j: int) -> bool:
        u = tokens[j]  # "said the croupier's wife", "said the dying woman aloud" are found elsewhere
        if u.lower.endswith("ly") or u.possessive or u.lower in PERSON_NOUNS:
            return False
        return _tight(text, tokens, j - 1, j + 1)

    def ends(j: int) -> bool:
        if j + 1 >= len(tokens):
            return True
        nxt = tokens[j + 1]
        return bool(text[tokens[j].end : nxt.start].strip()) or nxt.lower in _NP_END or nxt.lower.endswith("ly")

    found = tag_subjects(text, tokens, ("the", "The"), verbs=_TAG_VERBS, words=_TAG_NP, word=word, ends=ends, adverbs=2)
    out: dict[str, Gender] = {}
    for noun, at in found.items():
        if not person_like(noun) or _places(tokens, at) >= _SCENES:
            continue
        votes = [_clause_gender(text, tokens, j + 1) for j in at]
        male, female = votes.count("male"), votes.count("female")
        gender = _noun_gender(noun) or ("male" if male > female else "female" if female > male else None)
        if gender is not None:
            out[noun] = gender
    return out


def listed_genders(text: str, tokens: Sequence[Token]) -> dict[str, Gender]:
    """Listed nouns of either sex ("the cook", "the stranger") to which this book gives one
    gender: the first "he" or "she" after "the NOUN" in its sentence, no other name or person
    noun between ('The cook came up the side like a monkey, and as soon as he saw …'), says
    the same at least `_LISTED_VOTES` times and `_LISTED_ODDS` times as often as the other.
    For the voice of a described speaker only: read into the mentions, where the ranker would
    weigh it, it cost accuracy (validation 81.2 -> 81.1 %, 2026-12-01)."""
    votes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    n = len(tokens)
    for k in range(n - 1):
        noun = tokens[k + 1]
        if tokens[k].lower != "the" or PERSON_NOUNS.get(noun.lower) != "unknown" or noun.cap:
            continue
        for j in range(k + 2, min(n, k + 2 + _LISTED_REACH)):
            u = tokens[j]
            if any(c in text[tokens[j - 1].end : u.start] for c in '.!?;"“”'):
                break
            if (u.cap and u.lower not in ("i",)) or u.lower in PERSON_NOUNS:
                break  # someone else came first
            if u.lower in ("he", "she"):
                votes[noun.lower][u.lower == "she"] += 1
                break
    out: dict[str, Gender] = {}
    for word, (male, female) in votes.items():
        if max(male, female) >= _LISTED_VOTES and max(male, female) >= _LISTED_ODDS * min(male, female):
            out[word] = "male" if male > female else "female"
    return out


_LISTED_VOTES = 3
_LISTED_ODDS = 4
_LISTED_REACH = 24
"""Tokens after "the NOUN" in which its "he" or "she" is looked for."""


def _places(tokens: list[Token], at: list[int]) -> int:
    """In how many places, _SCENE characters apart, the tokens at `at` stand."""
    places, last = 0, -_SCENE
    for j in at:
        if tokens[j].start - last >= _SCENE:
            places += 1
        last = tokens[j].start
    return places


def _noun_gender(w: str) -> Gender | None:
    """The gender a noun's ending gives: "-ess" and "-woman" female ("the ambassadress"),
    "-man" male ("the chairman")."""
    if w.endswith(("woman", "women")) or (w.endswith("ess") and not w.endswith(("ness", "less"))):
        return "female"
    if w.endswith("man"):
        return "male"
    return None


def person_like(w: str) -> bool:
    """A noun that may be a person: not a listed one, an adjective, a plural or a known thing."""
    return (
        len(w) > 2
        and w not in PERSON_NOUNS
        and w not in GENERIC_MODIFIERS
        and w not in SPEECH_NOUNS
        and w not in NOT_PERSONS
        and w not in HONORIFICS  # "the duchess": a title some character's name bears
        and not (w.endswith("s") and not w.endswith("ss"))
        and not w.endswith(("ing", "ly", "ed"))
    )


_PREPOSITIONS = frozenset("to at with for upon on from by of towards toward into".split())


def _clause_gender(text: str, tokens: list[Token], k: int) -> Gender | None:
    """The gender of the first he/his or she/her in the few words from token k, in the same
    clause and not after a preposition ("…, raking in his chips"; not "said to her")."""
    for j in range(k, min(k + 8, len(tokens))):
        if any(c in text[tokens[j - 1].end : tokens[j].start] for c in '.!?;"“”'):
            return None
        w = tokens[j].lower
        if w in MALE_PRONOUNS or w in FEMALE_PRONOUNS:
            if tokens[j - 1].lower in _PREPOSITIONS:
                return None
            return "male" if w in MALE_PRONOUNS else "female"
    return None
