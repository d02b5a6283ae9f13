"""Character discovery: names, aliases and gender, found from the text alone.

A name is a capitalised word (or run of words) that is capitalised even in mid-sentence, is
rarely written in lower case, and behaves like a person (it speaks, acts, owns things, takes an
honorific). Discovery reads the book in four steps: word statistics (how each word is written),
form scanning (each run of name words, with the evidence around it), gender evidence (the
pronouns that follow), and a `keep` test made of named clauses. identity.py then merges the kept
forms into one character per person.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..types import Character, Gender
from ._text import Token, object_her
from .identity import SELF, NameForm, alias_key, cluster, speaks_alone
from .names import FIRST_NAME_GENDER
from .vocabulary import (
    ABBREVIATIONS,
    CLAUSE_OPENERS,
    FEMALE_PRONOUNS,
    HONORIFICS,
    MALE_PRONOUNS,
    PERSON_NOUNS,
    PHRASAL_SPEECH,
    SPEECH_VERBS,
    STOPWORDS,
)

_PLACE_PREPOSITIONS = frozenset(
    "in at into near inside outside within across via".split()
)
_ACTION_WORDS = frozenset(
    """was had did could would should might will shall can may must is has does looked turned saw
    felt knew thought went came took gave made got stood sat walked ran smiled laughed nodded
    shook sighed paused stopped began seemed heard found left put let kept held rose moved
    glanced stared watched waited tried wanted loved liked hated""".split()
)
_SUBJECT_LEADS = CLAUSE_OPENERS | {"said", "cried", "replied", "asked"}
"""A name after these is a subject ("…, and Tsunade butted", "said Emma"), not an object."""
_MAX_NAME_WORDS = 5
_COMMON_INITIAL = frozenset(
    """however meanwhile suddenly still nothing something everything nonsense indeed perhaps
    certainly surely besides thus hence therefore presently afterwards later soon instantly
    slowly quickly silence nobody somebody whoever whatever wherever good fine right wrong sorry
    thank thanks alas ah oh hallo hello goodbye farewell look listen stop wait come""".split()
)
_PARTICLES = frozenset("van der de von du la le di da del".split())
_VOCATIVE_LEAD = frozenset(
    "oh dear dearest my thank thanks sorry yes no well hello good".split()
)


_NEVER_NAMES = frozenset(
    "i he she it we they you me him her us them this that these those the a an and but or so "
    "then there here now yes no not oh ah well who what which when where why how nobody "
    "everybody somebody anybody everyone someone anyone none nothing something all both each "
    "every some any".split()
)


# --- thresholds (measured on the development novels; each one a reader's rule of thumb) ----

SHORT_TEXT_TOKENS = 3000
"""A text of fewer tokens (a story, a fixture) names its people once or twice: one mention with
some evidence is enough there; a novel needs two."""
LOWER_CASE_SHARE = 0.15
"""A word is name-like when written in lower case at most this share of the times it is
capitalised ("Emma": never; "Hope"/"hope": often, so no name)."""
SLIP_FORGIVEN_FROM = 3
"""A word capitalised mid-sentence this often may also appear once in lower case (a typo, a
pun, "will" beside "Will") and still be name-like."""
TITLE_NOUN_MIN = 3
""" "the Mouse", "the Cat": a common noun capitalised after "the" this often, and not more often
in lower case than capitalised mid-sentence, is a name."""
COMMON_WORD_NAME_MIN = 10
""" "May" (a name) beside "may" (a verb): capitalised mid-sentence this often, and at least half
as often as it is written in lower case."""
SURNAME_PAIR_MIN = 3
""" "Jonathan Small": a capitalised ordinary word right after a name this often is a surname."""
GENDER_WINDOW = 14
"""Tokens after a name searched for the pronoun that gives its gender."""
FIRST_NAME_PRIOR = 5
"""Pronouns a known first name ("Mary", "John") is worth when it has no honorific."""
PLACE_SHARE = 0.25
"""A form after "in"/"at" or inside a longer capitalised name more than this share of the
time, that rarely speaks and has few pronouns, is a place."""
RARELY_SPEAKS = 0.05
"""Speech and address in at most this share of a form's occurrences count as "rarely"."""
FEW_PRONOUNS = 0.2
"""Gendered pronouns after fewer than this share of a form's occurrences count as "few"."""
MOSTLY_PLACE_SHARE = 0.5
"""A form (without honorific) after a place preposition more than half the time is a place."""
SOME_PLACE_SHARE = 0.2
"""A form after a place preposition this often, whose pronouns disagree (no consistent he or
she), that rarely speaks, is a place ("at Randalls", "in London")."""
RARE_FORM = 3
"""A form seen fewer times than this that never speaks and has little evidence is dropped."""


def discover(
    text: str, tokens: Sequence[Token], quote_spans: Iterable[tuple[int, int]] = ()
) -> tuple[Character, ...]:
    """Characters of a book, most mentioned first."""
    stats = _word_statistics(text, tokens)
    forms = _scan_forms(text, tokens, stats, _quote_test(quote_spans))
    min_count = 1 if len(tokens) < SHORT_TEXT_TOKENS else 2
    kept = [f for f in forms.values() if keep(f, min_count)]
    kept += _rare_full_names(forms.values(), kept)
    for f in kept:
        _first_name_prior(f)
    return cluster(_without_plurals(kept))


@dataclass(frozen=True, slots=True)
class _WordStats:
    """How the book writes each word (lower case), counted in one pass over the tokens."""

    cap_mid: Counter
    """Capitalised mid-sentence (not for grammar)."""
    lower: Counter
    """Written in lower case."""
    cap_all: Counter
    cap_after_the: Counter
    """Capitalised mid-sentence right after "the" ("the Mouse")."""
    speaks_as_name: Counter
    """Capitalised next to a speech verb and a quote ('"…," said Five')."""
    pairs: Counter
    """(word, next word), both capitalised and adjacent, the second mid-sentence."""

    def namelike(self, t: Token) -> bool:
        """The token is written like a name: capitalised mid-sentence, seldom in lower case."""
        w = t.lower
        if t.cap and w in STOPWORDS and w not in _NEVER_NAMES and self.speaks_as_name[w] >= 1:
            return True  # a word that is also a name ("said Five", "said Will") when it speaks
        if not t.cap or w in STOPWORDS or w in HONORIFICS or len(w) < 2:
            return False
        mid = self.cap_mid[w]
        if mid == 0:
            return False
        lower = self.lower[w]
        if lower <= LOWER_CASE_SHARE * self.cap_all[w] + (1 if mid >= SLIP_FORGIVEN_FROM else 0):
            return True
        if self.cap_after_the[w] >= TITLE_NOUN_MIN and lower <= mid:
            return True
        return mid >= COMMON_WORD_NAME_MIN and mid * 2 >= lower

    def loose(self, t: Token) -> bool:
        """Capitalised only at sentence starts, but never written in lower case: a name if it
        also speaks ("Emma said"), which `keep` decides per form."""
        w = t.lower
        return (
            t.cap
            and w not in STOPWORDS
            and w not in HONORIFICS
            and len(w) >= 2
            and self.lower[w] == 0
            and w not in _COMMON_INITIAL
            and not w.endswith("ly")
        )


def _word_statistics(text: str, tokens: Sequence[Token]) -> _WordStats:
    cap_mid: Counter = Counter()
    lower_count: Counter = Counter()
    cap_all: Counter = Counter()
    cap_after_the: Counter = Counter()
    speaks_as_name: Counter = Counter()
    prev_t = None
    for k, t in enumerate(tokens):
        if t.cap and not t.initial and prev_t is not None and prev_t.lower == "the":
            cap_after_the[t.lower] += 1
        if t.cap and not t.initial and k + 1 < len(tokens) and t.lower not in HONORIFICS:
            after = text[t.end : tokens[k + 1].start].strip()[:1]
            before = text[max(0, t.start - 3) : t.start].rstrip()[-1:]
            if (_inverted_verb(tokens, k) is not None and after in (",", ".", ";", "!")) or (
                before in ('"', "”", "’") and tokens[k + 1].lower in SPEECH_VERBS
            ):
                speaks_as_name[t.lower] += 1  # '"…," said Five, in a sulky tone' / '"…" Two said'
        prev_t = t
        if t.cap:
            cap_all[t.lower] += 1
            if not t.initial:
                cap_mid[t.lower] += 1
        else:
            lower_count[t.lower] += 1
    pair_count: Counter = Counter()
    for a, c in zip(tokens, tokens[1:], strict=False):
        if (
            a.cap
            and c.cap
            and not c.initial
            and not a.possessive
            and text[a.end : c.start] in (" ", "\n")
        ):
            pair_count[(a.lower, c.lower)] += 1
    return _WordStats(cap_mid, lower_count, cap_all, cap_after_the, speaks_as_name, pair_count)


def _quote_test(quote_spans: Iterable[tuple[int, int]]) -> Callable[[int], bool]:
    """pos → is it inside a quote?"""
    spans = sorted(quote_spans)
    q_starts = [a for a, _ in spans]

    def in_quote(pos: int) -> bool:
        k = bisect_right(q_starts, pos) - 1
        return k >= 0 and spans[k][0] <= pos < spans[k][1]

    return in_quote


def _scan_forms(
    text: str, tokens: Sequence[Token], stats: _WordStats, in_quote: Callable[[int], bool]
) -> dict[tuple[str, ...], NameForm]:
    """Every run of name words in the book, as forms with the evidence of each occurrence."""
    forms: dict[tuple[str, ...], NameForm] = {}
    n = len(tokens)
    i = 0
    last: tuple[NameForm, int] | None = None
    while i < n:
        # every name starts with a capital (a fast path: _read_name finds nothing there)
        found = _read_name(text, tokens, i, stats, in_quote) if tokens[i].cap else None
        if found is None:
            i += 1
            continue
        end, words, strict = found
        key = tuple(words)
        form = forms.get(key)
        if form is None:
            form = forms[key] = NameForm(key)
        if last is not None and last[0] is not form and _joined_by_and(text, tokens, last[1], i):
            last[0].joined.add(key)
            form.joined.add(last[0].words)
        last = (form, end)
        form.count += 1
        form.common = stats.lower[key[-1].lower()] > 0 and len(key) == 1
        if strict:
            form.strict += 1
        _note_position(form, tokens, i)
        _note_person_evidence(form, text, tokens, i, end)
        _note_speech(form, text, tokens, i, end, in_quote)
        _note_gender(form, text, tokens, i, end, stats)
        i = end
    return forms


_AND = re.compile(r",?\s+and\s+")


def _joined_by_and(text: str, tokens: Sequence[Token], end: int, start: int) -> bool:
    """The name ending before token `end` and the one starting at token `start` are joined by a
    bare "and" ("Mr. Peggotty and Ham", "Mrs. Maylie, and Rose")."""
    if start != end + 1 or tokens[end].lower != "and":
        return False
    return _AND.fullmatch(text, tokens[end - 1].end, tokens[start].start) is not None


def _read_name(
    text: str, tokens: Sequence[Token], i: int, stats: _WordStats, in_quote: Callable[[int], bool]
) -> tuple[int, list[str], bool] | None:
    """The name starting at token i: (end token, words, strict), or None. Strict names are
    capitalised mid-sentence; loose ones only at sentence starts (kept only if they speak)."""
    n = len(tokens)
    t = tokens[i]
    words: list[str] = []
    if (
        t.cap
        and not t.initial
        and t.lower in STOPWORDS
        and i > 0
        and tokens[i - 1].lower == "the"
        and not tokens[i - 1].cap
        and i + 1 < n
        and stats.namelike(tokens[i + 1])
        and _contiguous(text, t, tokens[i + 1])
    ):
        # "the March Hare": a capitalised ordinary word inside a title-name
        words.append(t.word)
        i += 1
    elif t.cap and t.lower in HONORIFICS and i + 1 < n and _contiguous(text, t, tokens[i + 1]):
        k = i + 1
        while (
            k < n - 1
            and tokens[k].lower in _PARTICLES
            and not tokens[k].cap
            and _contiguous(text, tokens[k], tokens[k + 1])
        ):
            k += 1
        if stats.namelike(tokens[k]):
            words.extend(tokens[j].word for j in range(i, k))
            i = k
    strict = True
    if not stats.namelike(tokens[i]) and stats.loose(tokens[i]) and not in_quote(tokens[i].start):
        strict = False
    elif not stats.namelike(tokens[i]):
        if not words and _bare_title(text, tokens, i):
            words.append(t.word)  # "the Queen", "the Duchess": a title used as a name
            i += 1
        else:
            return None
    return _extend_name(text, tokens, i, words, strict, stats), words, strict


def _bare_title(text: str, tokens: Sequence[Token], i: int) -> bool:
    """ "the Queen": a capitalised title after "the", not followed by a name of its own."""
    t = tokens[i]
    return (
        t.cap
        and t.lower in HONORIFICS
        and not t.initial
        and i > 0
        and tokens[i - 1].lower == "the"
        and not (
            i + 1 < len(tokens)
            and tokens[i + 1].cap
            and _contiguous(text, t, tokens[i + 1])
        )
    )


def _extend_name(
    text: str, tokens: Sequence[Token], i: int, words: list[str], strict: bool, stats: _WordStats
) -> int:
    """Append the name words from token i on to `words`; the end token (exclusive)."""
    n = len(tokens)
    while (
        i < n
        and len(words) < _MAX_NAME_WORDS
        and (
            stats.namelike(tokens[i])
            or (not strict and not words and stats.loose(tokens[i]))
            or (
                len(words) >= 1
                and tokens[i].cap
                and not tokens[i].initial
                and tokens[i].lower not in STOPWORDS
                and stats.pairs[(words[-1].lower(), tokens[i].lower)] >= SURNAME_PAIR_MIN
            )
        )
    ):
        words.append(tokens[i].word)
        if (
            tokens[i].possessive
            or i + 1 >= n
            or not _contiguous(text, tokens[i], tokens[i + 1])
        ):
            return i + 1
        i += 1
        # "Mr. van der Luyden"
        k = i
        while (
            k < n
            and tokens[k].lower in _PARTICLES
            and not tokens[k].cap
            and _contiguous(text, tokens[k - 1], tokens[k])
        ):
            k += 1
        if (
            k > i
            and k < n
            and stats.namelike(tokens[k])
            and _contiguous(text, tokens[k - 1], tokens[k])
        ):
            words.extend(tokens[j].word for j in range(i, k))
            i = k
    return i


def _note_position(form: NameForm, tokens: Sequence[Token], start: int) -> None:
    """After "the" ("the Rabbit"), after a place preposition ("at Randalls"), or inside a longer
    capitalised name ("New York", "Fifth Avenue")."""
    prev = tokens[start - 1] if start > 0 else None
    if prev is not None and prev.lower == "the" and not prev.cap:
        form.the_count += 1
    elif (
        start > 1
        and prev is not None
        and prev.cap
        and tokens[start - 2].lower == "the"
    ):
        form.the_count += 1
    p = start - 1
    while p >= 0 and tokens[p].cap and p > start - 3 and not tokens[p].initial:
        p -= 1
    if p >= 0 and p < start - 1 and tokens[p + 1].lower not in HONORIFICS:
        form.prep_count += 1  # part of a longer capitalised name
    elif prev is not None and prev.lower in _PLACE_PREPOSITIONS and _inverted_verb(tokens, start) is None:
        form.prep_count += 1  # but "put in Emma" is a speech tag


_QUOTE_MARKS = frozenset('"“”‘’\'«»')


def _note_person_evidence(form: NameForm, text: str, tokens: Sequence[Token], start: int, end: int) -> None:
    """An honorific or a possessive, a relation before the name ("her brother Tobias", which
    also gives a gender), or an action verb after it."""
    prev = tokens[start - 1] if start > 0 else None
    nxt = tokens[end] if end < len(tokens) else None
    last = tokens[end - 1]
    if form.honorific or last.possessive:
        form.evidence += 1
    elif (
        prev is not None
        and prev.lower in PERSON_NOUNS
        and start > 1
        and tokens[start - 2].lower in ("his", "her", "my", "their", "your", "our")
        and _contiguous(text, prev, tokens[start])
    ):
        form.evidence += 1  # "her brother Tobias": a name in apposition to a relation
        g: str | None = PERSON_NOUNS[prev.lower]
        if g == "male":
            form.male += 1
        elif g == "female":
            form.female += 1
    if nxt is not None and not last.possessive and not any(c in _QUOTE_MARKS for c in text[last.end : nxt.start]):
        # '"Going to London?" said the boy': a word that ends a quote is not the subject of
        # the verb after it
        if nxt.lower in SPEECH_VERBS:
            form.speech += 1
        elif nxt.lower in _ACTION_WORDS or (
            not nxt.cap and nxt.lower.endswith("ed")
        ):
            form.evidence += 1


def _note_speech(
    form: NameForm, text: str, tokens: Sequence[Token], start: int, end: int, in_quote: Callable[[int], bool]
) -> None:
    """Addressed (", Emma!"), or the speaker of a tag right after a quote ('"…" Naruto claimed',
    '"Serpent!" screamed the Pigeon')."""
    t, last = tokens[start], tokens[end - 1]
    prev = tokens[start - 1] if start > 0 else None
    before = text[max(0, t.start - 3) : t.start]
    after = text[last.end : last.end + 2]
    if (
        (
            before.endswith(", ")
            or before[-1:] in '"“‘'
            or (prev is not None and prev.lower in _VOCATIVE_LEAD)
        )
        and after[:1] in (",", "!", "?")
        and not last.possessive
    ):
        form.vocative += 1
    if before.rstrip()[-1:] in _QUOTE_MARKS and not in_quote(t.start) and (
        "\n\n" not in before or _speaks_in_paragraph(text, t.start)
    ):
        form.speech += 1  # right after a quote: "…" Naruto, stubborn as always, boldly claimed
    at = start
    if prev is not None and prev.lower == "the" and not prev.cap and start > 1:
        at = start - 1  # '"Serpent!" screamed the Pigeon'
    verb = _inverted_verb(tokens, at)
    if verb is not None and any(c in text[max(0, tokens[verb].start - 3) : tokens[verb].start] for c in "\"”’'"):
        form.speech += 1


def _speaks_in_paragraph(text: str, start: int) -> bool:
    """The paragraph opening at `start` holds a quote ("Tobias looked up. "Mara?""): a name
    that opens a narration-only paragraph after a quote ("Stowbridge lay below them.") is no
    speaker."""
    end = text.find("\n\n", start, start + _PARAGRAPH_LOOK)
    return any(c in _OPENING_MARKS for c in text[start : end if end >= 0 else start + _PARAGRAPH_LOOK])


_OPENING_MARKS = frozenset('"“‘«')
"""Marks that open a quote and are no apostrophe ("don't", "don’t")."""
_PARAGRAPH_LOOK = 2000
"""How far a paragraph is read for a quote (a bound: the scan stays linear in the book)."""


def _inverted_verb(tokens: Sequence[Token], k: int) -> int | None:
    """Index of the speech verb right before token k ("said Emma"), or of a phrasal one
    whose particle comes between ("put in Emma", "went on Emma")."""
    if k >= 1 and tokens[k - 1].lower in SPEECH_VERBS:
        return k - 1
    if k >= 2 and tokens[k - 1].lower in PHRASAL_SPEECH.get(tokens[k - 2].lower, ()):
        return k - 2
    return None


def _note_gender(
    form: NameForm, text: str, tokens: Sequence[Token], start: int, end: int, stats: _WordStats
) -> None:
    """Gender from the next personal pronoun, unless another name comes first; an object
    ("…watched Tsunade, and he said…") is followed by its subject's pronouns, not its own."""
    n = len(tokens)
    t = tokens[start]
    prev = tokens[start - 1] if start > 0 else None
    crossed = False
    found_gender = None
    is_object = (
        prev is not None
        and not t.initial
        and not prev.cap
        and prev.lower not in _SUBJECT_LEADS
        and not any(c in text[prev.end : t.start] for c in ",;:—–(")
    )  # "…slammed the desk, Tsunade butted…" starts a clause: a subject
    for j in range(end, end if is_object else min(n, end + GENDER_WINDOW)):
        u = tokens[j]
        gap = text[tokens[j - 1].end : u.start]
        if any(c in gap for c in '.!?"“”;'):
            if found_gender or crossed or not any(c in gap for c in ".!?") or any(c in _QUOTE_MARKS for c in gap):
                # '…," Cousin Caroline puffed. "He thinks…': a pronoun in her own words is not hers
                break
            crossed = True
            if u.lower not in ("he", "she"):
                break  # only "…Emma. She…" carries over a sentence end
        if (
            u.cap
            and u.lower not in STOPWORDS
            and u.lower != "i"
            and (not u.initial or stats.namelike(u))
        ):
            break
        if u.lower == "him" or object_her(text, tokens, j):
            continue  # "Tsunade looked at him", "Fitzwilliam asked her why": someone else
        g = "male" if u.lower in MALE_PRONOUNS else "female" if u.lower in FEMALE_PRONOUNS else None
        if g is None:
            continue
        if found_gender is None:
            found_gender = g
            _count_gender(form, g)
            continue
        if g == found_gender and u.lower in ("he", "she"):
            # "Tsunade butted her head right back, but she knew…": the same sentence
            # goes on about her, which confirms the first pronoun
            _count_gender(form, g)
        break


def _count_gender(form: NameForm, g: str) -> None:
    if g == "male":
        form.male += 1
    else:
        form.female += 1


def keep(f: NameForm, min_count: int) -> bool:
    """Is the form a person's name? (`min_count`: 1 in a short text, else 2.) In a short text a
    known given name is one even when seen once, at a sentence start, with no "said" ("Martha met
    me at the door"): a chapter of fan-fiction has no room for more evidence."""
    if min_count == 1 and _given_name(f):
        return not _place(f, min_count) and not _thing_after_the(f)
    return (
        _written_as_name(f)
        and _seen_enough(f, min_count)
        and _acts_as_person(f, min_count)
        and not _place(f, min_count)
        and not _thing_after_the(f)
        and not _rare_and_silent(f, min_count)
    )


def _given_name(f: NameForm) -> bool:
    """A one-word name the list of given names knows, never written in lower case in the book."""
    return len(f.words) == 1 and not f.honorific and not f.common and f.words[0].lower() in FIRST_NAME_GENDER


def _written_as_name(f: NameForm) -> bool:
    """Capitalised mid-sentence at least once, or it speaks or is addressed, or it acted like a
    person twice; and not an ordinary word of the book written in capitals ("PARDIEU!", an oath
    in Project Gutenberg's italics; "pardieu" elsewhere), though a name may be ("HAL", "C-3PO")."""
    if f.common and len(f.words[0]) > 1 and f.words[0].isupper():
        return False
    return bool(f.strict or f.speech + f.vocative >= 1 or (f.count >= 2 and f.evidence >= 2))


def _seen_enough(f: NameForm, min_count: int) -> bool:
    """It speaks or is addressed, or it is seen often enough with some evidence, or it has an
    honorific."""
    return bool(
        f.speech + f.vocative >= 1
        or (f.count >= min_count and f.evidence >= 1)
        or (f.honorific and f.count >= 1)
    )


def _acts_as_person(f: NameForm, min_count: int) -> bool:
    """An honorific, speech, address, consistent pronouns, or (in a short text) any evidence."""
    return bool(
        f.honorific
        or f.speech
        or f.vocative
        or f.male + f.female >= min_count
        or (min_count == 1 and f.evidence >= 1)
    )


def _place(f: NameForm, min_count: int) -> bool:
    """ "at Randalls", "in London": places take "in"/"at" and no consistent he or she (in a
    short text one "said Martha" outweighs one "looked at Martha")."""
    if f.honorific:
        return False
    talks = f.speech + f.vocative
    mostly_place = (
        f.prep_count > PLACE_SHARE * f.count
        and talks <= RARELY_SPEAKS * f.count
        and f.male + f.female < FEW_PRONOUNS * f.count
    )
    no_consistent_gender = max(f.male, f.female) < 2 * min(f.male, f.female) + 2
    place_without_gender = (
        f.prep_count >= SOME_PLACE_SHARE * f.count
        and no_consistent_gender
        and talks <= RARELY_SPEAKS * f.count + (0 if min_count == 1 else 1)
    )
    return mostly_place or f.prep_count > MOSTLY_PLACE_SHARE * f.count or place_without_gender


def _thing_after_the(f: NameForm) -> bool:
    """Mostly after "the" and never speaking, nor addressed unless "he" or "she" follows it ("the
    Park", "the Crown"; "the Cripples", a tavern once hailed; but "the Tin Soldier", who is
    spoken to and is a "he")."""
    return f.the_count * 2 > f.count and f.speech == 0 and (f.vocative == 0 or f.male + f.female < 2)


def _rare_and_silent(f: NameForm, min_count: int) -> bool:
    return bool(
        f.count < RARE_FORM
        and f.speech + f.vocative == 0
        and f.evidence < min_count
        and not f.honorific
    )


def _rare_full_names(forms: Iterable[NameForm], kept: list[NameForm]) -> list[NameForm]:
    """Rare full names ("Emma Woodhouse") link the forms of one person even when too rare to
    keep: a two-word name whose first or last word is a kept one-word name (and no place)."""
    kept_words = {f.words[0] for f in kept if len(f.words) == 1}
    kept_ids = {id(f) for f in kept}
    return [
        f
        for f in forms
        if id(f) not in kept_ids
        and len(f.names) >= 2
        and (f.names[0] in kept_words or f.names[-1] in kept_words)
        and f.prep_count * 2 < f.count + 1
    ]


def _first_name_prior(f: NameForm) -> None:
    """A known first name ("Mary") counts as some pronouns of its gender."""
    if f.honorific is None and len(f.words) >= 1:
        g = FIRST_NAME_GENDER.get(f.words[0].lower())
        if g == "male":
            f.male += FIRST_NAME_PRIOR
        elif g == "female":
            f.female += FIRST_NAME_PRIOR


def _without_plurals(kept: list[NameForm]) -> list[NameForm]:
    """ "Bennets" beside "Bennet": the plural is the family, not a person (unless the forms
    ending in that word speak as one person: "said Sikes" beside a misprinted "Mr. Sike")."""
    stems = {tuple(w.lower() for w in f.words) for f in kept}
    by_last: dict[str, list[NameForm]] = defaultdict(list)
    for f in kept:
        by_last[f.words[-1].lower()].append(f)
    return [
        f
        for f in kept
        if speaks_alone(by_last[f.words[-1].lower()])
        or not (
            f.words[-1].endswith("s")
            and (*(w.lower() for w in f.words[:-1]), f.words[-1].lower()[:-1]) in stems
        )
    ]


def _contiguous(text: str, a: Token, b: Token) -> bool:
    gap = text[a.end + (2 if a.possessive else 0) : b.start]
    if a.possessive:
        return False
    if gap == " " or gap == "\n":
        return True
    if a.lower in ABBREVIATIONS and gap.strip() == "." and "\n\n" not in gap:
        return True
    return gap.strip() == "" and "\n\n" not in gap and len(gap) < 4


class CharacterIndex:
    """Maps word sequences (lower case, honorific dots removed) to character names, and the
    epithets the book ties to one character ("the beadle" → Mr. Bumble)."""

    def __init__(self, characters: Sequence[Character], epithets: Mapping[str, str] | None = None) -> None:
        self.characters = {c.name: c for c in characters}
        self.epithets = dict(epithets or {})
        """Lower-case noun → the one character "the NOUN" means in this book."""
        self.keys: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self.max_len = 1
        for c in characters:
            for alias in (c.name, *c.aliases):
                key = alias_key(alias)
                if not key or key in SELF or c.name in self.keys[key]:
                    continue  # "I" is the narrator's pronoun, never a name to look for
                self.keys[key].append(c.name)
                self.max_len = max(self.max_len, len(key))
        self.first_words = {k[0] for k in self.keys}

    def gender(self, name: str) -> Gender:
        c = self.characters.get(name)
        return c.gender if c else "unknown"


def enrich_given(
    given: Sequence[Character], discovered: Sequence[Character]
) -> tuple[Character, ...]:
    """The user's characters, enriched with the name forms discovery found for them ("Rodney"
    for "William Rodney") and a gender when theirs is unknown. The list stays authoritative:
    discovered people it does not cover are not added (measured: they only add noise)."""
    index = CharacterIndex(given)
    by_name = {c.name: c for c in given}
    more: dict[str, list[str]] = defaultdict(list)
    gender: dict[str, Gender] = {}
    for c in discovered:
        owners: set[str] = set()
        for a in (c.name, *c.aliases):
            owners.update(index.keys.get(alias_key(a), ()))
        if len(owners) == 1:
            owner = next(iter(owners))
            for a in (c.name, *c.aliases):
                if alias_key(a) not in index.keys and a not in more[owner]:
                    more[owner].append(a)
            if by_name[owner].gender == "unknown" and c.gender != "unknown":
                gender[owner] = c.gender
    # a form claimed for two of the user's characters stays unassigned
    claims: dict[str, int] = defaultdict(int)
    for forms in more.values():
        for a in forms:
            claims[a] += 1
    out = [
        Character(
            c.name,
            c.aliases + tuple(a for a in more.get(c.name, ()) if claims[a] == 1),
            gender.get(c.name, c.gender),
            c.mentions,
        )
        for c in given
    ]
    return tuple(out)
