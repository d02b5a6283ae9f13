"""Character discovery: names, aliases and gender, found from the text alone.

A name is a capitalised word (or run of words) that is capitalised even in mid-sentence, is
rarely written in lower case, and behaves like a person (it speaks, acts, owns things, takes an
honorific). Forms of one person are merged by rules a reader uses: "Mr. Darcy" = "Fitzwilliam
Darcy" = "Darcy" when only one Darcy fits, but "Mrs. Weston" is never "Mr. Weston".
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..types import Character, Gender
from ._text import Token
from .names import FIRST_NAME_GENDER
from .vocabulary import (
    ABBREVIATIONS,
    FEMALE_PRONOUNS,
    HONORIFICS,
    HONORIFICS_FEMALE,
    HONORIFICS_MALE,
    MALE_PRONOUNS,
    PERSON_NOUNS,
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
_SUBJECT_LEADS = frozenset("and but when while as then that so who said cried replied asked".split())
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


@dataclass
class _Form:
    words: tuple[str, ...]
    count: int = 0
    the_count: int = 0
    prep_count: int = 0
    evidence: int = 0
    speech: int = 0
    vocative: int = 0
    common: bool = False
    """A one-word name that is also an ordinary word ("May", "Will")."""
    strict: int = 0
    """Occurrences that are capitalised mid-sentence (the rest are sentence-initial only)."""
    male: int = 0
    female: int = 0

    @property
    def honorific(self) -> str | None:
        first = self.words[0].lower()
        return first if first in HONORIFICS and len(self.words) > 1 else None

    @property
    def names(self) -> tuple[str, ...]:
        return self.words[1:] if self.honorific else self.words

    def display(self) -> str:
        words = list(self.words)
        if self.honorific and words[0].lower() in ABBREVIATIONS:
            words[0] = words[0] + "."
        text = " ".join(words)
        if self.the_count * 2 > self.count and not self.honorific:
            text = "The " + text
        return text


@dataclass
class _Cluster:
    forms: list[_Form] = field(default_factory=list)
    honorific_gender: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(f.count for f in self.forms)

    def gender(self) -> Gender:
        male = 5 * self.honorific_gender["male"] + sum(f.male for f in self.forms)
        female = 5 * self.honorific_gender["female"] + sum(f.female for f in self.forms)
        if male >= 2 and male >= 2 * female:
            return "male"
        if female >= 2 and female >= 2 * male:
            return "female"
        if male + female == 1:
            return "male" if male else "female"
        return "unknown"


def _honorific_gender(word: str) -> str | None:
    w = word.lower()
    if w in HONORIFICS_MALE:
        return "male"
    if w in HONORIFICS_FEMALE:
        return "female"
    return None


def _contiguous(text: str, a: Token, b: Token) -> bool:
    gap = text[a.end + (2 if a.possessive else 0) : b.start]
    if a.possessive:
        return False
    if gap == " " or gap == "\n":
        return True
    if a.lower in ABBREVIATIONS and gap.strip() == "." and "\n\n" not in gap:
        return True
    return gap.strip() == "" and "\n\n" not in gap and len(gap) < 4


_NEVER_NAMES = frozenset(
    "i he she it we they you me him her us them this that these those the a an and but or so "
    "then there here now yes no not oh ah well who what which when where why how nobody "
    "everybody somebody anybody everyone someone anyone none nothing something all both each "
    "every some any".split()
)


def discover(
    text: str, tokens: Sequence[Token], quote_spans: Iterable[tuple[int, int]] = ()
) -> tuple[Character, ...]:
    """Characters of a book, most mentioned first."""
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
            if (prev_t is not None and prev_t.lower in SPEECH_VERBS and after in (",", ".", ";", "!")) or (
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

    # "Jonathan Small": a common word used as a surname right after a first name, repeatedly
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

    def namelike(t: Token) -> bool:
        w = t.lower
        if t.cap and w in STOPWORDS and w not in _NEVER_NAMES and speaks_as_name[w] >= 1:
            return True  # a word that is also a name ("said Five", "said Will") when it speaks
        if not t.cap or w in STOPWORDS or w in HONORIFICS or len(w) < 2:
            return False
        mid = cap_mid[w]
        if mid == 0:
            return False
        if lower_count[w] <= 0.15 * cap_all[w] + (1 if mid >= 3 else 0):
            return True
        # "the Mouse", "the Cat": a common noun capitalised as a name, mostly after "the"
        if cap_after_the[w] >= 3 and lower_count[w] <= mid:
            return True
        # "May" (a name) beside "may" (a verb): capitalised mid-sentence very often
        return mid >= 10 and mid * 2 >= lower_count[w]

    spans = sorted(quote_spans)
    q_starts = [a for a, _ in spans]

    def in_quote(pos: int) -> bool:
        k = bisect_right(q_starts, pos) - 1
        return k >= 0 and spans[k][0] <= pos < spans[k][1]

    def loose(t: Token) -> bool:
        """Capitalised only at sentence starts, but never written in lower case: a name if it
        also speaks ("Emma said") — decided per form below."""
        w = t.lower
        return (
            t.cap
            and w not in STOPWORDS
            and w not in HONORIFICS
            and len(w) >= 2
            and lower_count[w] == 0
            and w not in _COMMON_INITIAL
            and not w.endswith("ly")
        )

    forms: dict[tuple[str, ...], _Form] = {}
    n = len(tokens)
    i = 0
    while i < n:
        t = tokens[i]
        start = i
        words: list[str] = []
        if (
            t.cap
            and not t.initial
            and t.lower in STOPWORDS
            and i > 0
            and tokens[i - 1].lower == "the"
            and not tokens[i - 1].cap
            and i + 1 < n
            and namelike(tokens[i + 1])
            and _contiguous(text, t, tokens[i + 1])
        ):
            # "the March Hare": a capitalised ordinary word inside a title-name
            words.append(t.word)
            i += 1
        elif (
            t.cap
            and t.lower in HONORIFICS
            and i + 1 < n
            and _contiguous(text, t, tokens[i + 1])
        ):
            k = i + 1
            while (
                k < n - 1
                and tokens[k].lower in _PARTICLES
                and not tokens[k].cap
                and _contiguous(text, tokens[k], tokens[k + 1])
            ):
                k += 1
            if namelike(tokens[k]):
                words.extend(tokens[j].word for j in range(i, k))
                i = k
        strict = True
        if (
            not namelike(tokens[i])
            and loose(tokens[i])
            and not in_quote(tokens[i].start)
        ):
            strict = False
        elif not namelike(tokens[i]):
            # "the Queen", "the Duchess": a title used as a name
            if (
                not words
                and t.cap
                and t.lower in HONORIFICS
                and not t.initial
                and i > 0
                and tokens[i - 1].lower == "the"
                and not (
                    i + 1 < n
                    and tokens[i + 1].cap
                    and _contiguous(text, t, tokens[i + 1])
                )
            ):
                words.append(t.word)
                i += 1
            else:
                i = start + 1
                continue
        while (
            i < n
            and len(words) < _MAX_NAME_WORDS
            and (
                namelike(tokens[i])
                or (not strict and not words and loose(tokens[i]))
                or (
                    len(words) >= 1
                    and tokens[i].cap
                    and not tokens[i].initial
                    and tokens[i].lower not in STOPWORDS
                    and pair_count[(words[-1].lower(), tokens[i].lower)] >= 3
                )
            )
        ):
            words.append(tokens[i].word)
            if (
                tokens[i].possessive
                or i + 1 >= n
                or not _contiguous(text, tokens[i], tokens[i + 1])
            ):
                i += 1
                break
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
                and namelike(tokens[k])
                and _contiguous(text, tokens[k - 1], tokens[k])
            ):
                words.extend(tokens[j].word for j in range(i, k))
                i = k
        end = i  # exclusive token index
        key = tuple(words)
        form = forms.get(key)
        if form is None:
            form = forms[key] = _Form(key)
        form.count += 1
        form.common = lower_count[key[-1].lower()] > 0 and len(key) == 1
        if strict:
            form.strict += 1
        prev = tokens[start - 1] if start > 0 else None
        nxt = tokens[end] if end < n else None
        last = tokens[end - 1]
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
            form.prep_count += (
                1  # "New York", "Fifth Avenue": part of a longer capitalised name
            )
        elif prev is not None and prev.lower in _PLACE_PREPOSITIONS:
            form.prep_count += 1
        if form.honorific or last.possessive:
            form.evidence += 1
        elif (
            prev is not None
            and prev.lower in PERSON_NOUNS
            and start > 1
            and tokens[start - 2].lower in ("his", "her", "my", "their", "your", "our")
            and _contiguous(text, prev, t)
        ):
            form.evidence += 1  # "her brother Tobias": a name in apposition to a relation
            g: str | None = PERSON_NOUNS[prev.lower]
            if g == "male":
                form.male += 1
            elif g == "female":
                form.female += 1
        if nxt is not None and not last.possessive:
            if nxt.lower in SPEECH_VERBS:
                form.speech += 1
            elif nxt.lower in _ACTION_WORDS or (
                not nxt.cap and nxt.lower.endswith("ed")
            ):
                form.evidence += 1
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
        if before.rstrip()[-1:] in ('"', "”", "’", "'", "»") and not in_quote(t.start):
            form.speech += (
                1  # right after a quote: "…" Naruto, stubborn as always, boldly claimed
            )
        verb_tok = prev
        if prev is not None and prev.lower == "the" and not prev.cap and start > 1:
            verb_tok = tokens[start - 2]  # '"Serpent!" screamed the Pigeon'
        if (
            verb_tok is not None
            and verb_tok.lower in SPEECH_VERBS
            and any(c in text[max(0, verb_tok.start - 3) : verb_tok.start] for c in "\"”’'")
        ):
            form.speech += 1
        # gender from the next personal pronoun, unless another name comes first; an object
        # ("…watched Tsunade, and he said…") is followed by its subject's pronouns, not its own
        crossed = False
        found_gender = None
        is_object = (
            prev is not None
            and not tokens[start].initial
            and not prev.cap
            and prev.lower not in _SUBJECT_LEADS
            and not any(c in text[prev.end : t.start] for c in ",;:—–(")
        )  # "…slammed the desk, Tsunade butted…" starts a clause: a subject
        for j in range(end, end if is_object else min(n, end + 14)):
            u = tokens[j]
            gap = text[tokens[j - 1].end : u.start]
            if any(c in gap for c in '.!?"“”;'):
                if found_gender or crossed or not any(c in gap for c in ".!?"):
                    break
                crossed = True
                if u.lower not in ("he", "she"):
                    break  # only "…Emma. She…" carries over a sentence end
            if (
                u.cap
                and u.lower not in STOPWORDS
                and u.lower != "i"
                and (not u.initial or namelike(u))
            ):
                break
            if u.lower == "him":
                continue  # "Tsunade looked at him": an object is usually someone else
            g = (
                "male"
                if u.lower in MALE_PRONOUNS
                else "female"
                if u.lower in FEMALE_PRONOUNS
                else None
            )
            if g is None:
                continue
            if found_gender is None:
                found_gender = g
                if g == "male":
                    form.male += 1
                else:
                    form.female += 1
                continue
            if g == found_gender and u.lower in ("he", "she"):
                # "Tsunade butted her head right back, but she knew…": the same sentence
                # goes on about her, which confirms the first pronoun
                if g == "male":
                    form.male += 1
                else:
                    form.female += 1
            break

    min_count = 1 if n < 3000 else 2  # a short text names its people only once or twice
    kept = [
        f
        for f in forms.values()
        if (
            f.strict or f.speech + f.vocative >= 1 or (f.count >= 2 and f.evidence >= 2)
        )
        and (
            f.speech + f.vocative >= 1
            or (f.count >= min_count and f.evidence >= 1)
            or (f.honorific and f.count >= 1)
        )
        and (
            f.honorific
            or f.speech
            or f.vocative
            or f.male + f.female >= min_count
            or (min_count == 1 and f.evidence >= 1)
        )
        and not (
            f.prep_count > 0.25 * f.count
            and f.speech + f.vocative <= 0.05 * f.count
            and not f.honorific
            and f.male + f.female < 0.2 * f.count
        )
        and not (f.prep_count > 0.5 * f.count and not f.honorific)
        # "at Randalls", "in London": places take "in"/"at" and no consistent he or she (in a
        # short text one "said Martha" outweighs one "looked at Martha")
        and not (
            f.prep_count >= 0.2 * f.count
            and max(f.male, f.female) < 2 * min(f.male, f.female) + 2
            and f.speech + f.vocative <= 0.05 * f.count + (0 if min_count == 1 else 1)
            and not f.honorific
        )
        and not (f.the_count * 2 > f.count and f.speech + f.vocative == 0)
        and not (
            f.count < 3
            and f.speech + f.vocative == 0
            and f.evidence < min_count
            and not f.honorific
        )
    ]
    # rare full names ("Emma Woodhouse") link the forms of one person even when too rare to keep
    kept_words = {f.words[-1] for f in kept if len(f.words) == 1} | {
        f.words[0] for f in kept if len(f.words) == 1
    }
    kept_ids = {id(f) for f in kept}
    kept += [
        f
        for f in forms.values()
        if id(f) not in kept_ids
        and len(f.names) >= 2
        and (f.names[0] in kept_words or f.names[-1] in kept_words)
        and f.prep_count * 2 < f.count + 1
    ]
    for f in kept:
        if f.honorific is None and len(f.words) >= 1:
            g = FIRST_NAME_GENDER.get(f.words[0].lower())
            if g == "male":
                f.male += 5
            elif g == "female":
                f.female += 5
    stems = {tuple(w.lower() for w in f.words) for f in kept}
    kept = [
        f
        for f in kept
        if not (
            f.words[-1].endswith("s")
            and (*(w.lower() for w in f.words[:-1]), f.words[-1].lower()[:-1]) in stems
        )
    ]
    return _cluster(kept)


def _cluster(forms: list[_Form]) -> tuple[Character, ...]:
    clusters: list[_Cluster] = []
    full: dict[tuple[str, ...], _Cluster] = {}  # full names without honorific
    hon: dict[tuple[str, str], _Cluster] = {}  # (honorific, surname)

    def new(form: _Form) -> _Cluster:
        c = _Cluster()
        clusters.append(c)
        return add(c, form)

    def add(c: _Cluster, form: _Form) -> _Cluster:
        c.forms.append(form)
        g = _honorific_gender(form.honorific or "")
        if g:
            c.honorific_gender[g] += form.count
        return c

    # 1. full names (two or more name words), with or without honorific
    for f in sorted(forms, key=lambda f: -f.count):
        if len(f.names) >= 2:
            key = tuple(w.lower() for w in f.names)
            if f.honorific in ("mrs",):
                key = ("mrs", *key)  # "Mrs. Newland Archer" is his wife
            c = full.get(key)
            full[key] = add(c, f) if c else new(f)
    # 2. honorific + one name
    for f in sorted(forms, key=lambda f: -f.count):
        if f.honorific and len(f.names) == 1:
            h = "mr" if f.honorific in ("mister",) else f.honorific
            key = (h, f.names[0].lower())
            c = hon.get(key)
            hon[key] = add(c, f) if c else new(f)
    # merge "Mr. Darcy" into "Fitzwilliam Darcy" when exactly one gender-compatible Darcy exists
    order = {"miss": 0, "mademoiselle": 0, "mlle": 0}
    for (h, surname), c in sorted(
        hon.items(), key=lambda kv: (order.get(kv[0][0], 1), -kv[1].count)
    ):
        g = _honorific_gender(h)
        matches = [
            fc
            for key, fc in full.items()
            if key[-1] == surname
            and fc is not c
            and key[0] != "mrs"
            and (g is None or fc.gender() in (g, "unknown"))
        ]
        if len(matches) > 1:
            matches = [fc for fc in matches if fc.gender() == g] or matches
        if len(matches) == 1 and not any(
            ff.honorific in ("miss", "mrs")
            and h in ("miss", "mrs")
            and ff.honorific != h
            for ff in matches[0].forms
        ):
            target = matches[0]
            if h in ("mrs", "lady"):
                continue  # a wife or mother shares the surname of the family's full names
            if (
                h == "mr"
                and target.count < c.count
                and any(ff.honorific == h for ff in target.forms)
                and any(ff.honorific == "mrs" and len(ff.names) >= 2 and ff.names[-1].lower() == surname
                        for ff in forms)
            ):
                continue  # "Mr. John Knightley" is named in full to tell him from "Mr. Knightley"
            if any(
                _honorific_gender(ff.honorific or "") not in (None, g)
                for ff in target.forms
            ):
                continue
            target.forms.extend(c.forms)
            target.honorific_gender.update(c.honorific_gender)
            clusters.remove(c)
            hon[(h, surname)] = target
    # 3. single names
    full_last_words = {key[-1] for key in full}
    for f in sorted(forms, key=lambda f: -f.count):
        if len(f.words) != 1:
            continue
        w = f.words[0].lower()
        g = (
            "male"
            if f.male > 2 * f.female and f.male >= 2
            else "female"
            if f.female > 2 * f.male and f.female >= 2
            else None
        )
        if w in HONORIFICS:
            # "the Countess" is the one Countess the book names ("Countess Olenska")
            titled_by = {id(c): c for (h, _), c in hon.items() if h == w}
            if len(titled_by) == 1:
                add(next(iter(titled_by.values())), f)
                continue
        as_surname = sum(c.count for (_, sn), c in hon.items() if sn == w)
        as_first = sum(c.count for key, c in full.items() if key[0] == w)
        is_surname = as_surname > 2 * as_first
        # "the Rabbit" is the White Rabbit, not "Rabbit Sends" (but "the Marchioness" is the
        # Marchioness Manson)
        titled = f.the_count * 2 > f.count and w in full_last_words
        firsts = (
            {} if is_surname or titled else {id(c): c for key, c in full.items() if key[0] == w}
        )
        if len(firsts) > 1:
            # "Jane" is Jane Fairfax (named so 60 times), not Miss Jane Bates (once)
            def as_first_name(c: _Cluster, w: str = w) -> int:
                return sum(ff.count for ff in c.forms if len(ff.names) >= 2 and ff.names[0].lower() == w)

            big = sorted(firsts.values(), key=lambda c: -as_first_name(c))
            if as_first_name(big[0]) >= 3 * as_first_name(big[1]):
                firsts = {id(big[0]): big[0]}
        if len(firsts) == 1:
            add(next(iter(firsts.values())), f)
            continue
        lasts = {id(c): c for key, c in full.items() if key[-1] == w}
        lasts.update({id(c): c for (h, s), c in hon.items() if s == w})
        cands = list(lasts.values())
        if len(cands) > 1:
            mister = [c for (h, s), c in hon.items() if s == w and h == "mr"] or [
                c
                for (h, s), c in hon.items()
                if s == w and _honorific_gender(h) == "male"
            ]
            if len({id(c) for c in mister}) == 1:
                cands = mister[:1]
            else:
                want = g or "male"
                cands = [c for c in cands if c.gender() == want]
        if len(cands) == 1:
            add(cands[0], f)
        else:
            new(f)

    result = []
    for c in clusters:
        best = _canonical(c.forms)
        aliases = []
        for f in sorted(c.forms, key=lambda f: -f.count):
            d = f.display()
            if d not in aliases:
                aliases.append(d)
            bare = " ".join(f.words)
            if bare not in aliases and f.the_count * 2 > f.count:
                aliases.append(bare)
        result.append(Character(best.display(), tuple(aliases), c.gender(), c.count))
    # a name that is also another character's canonical name stays with the bigger one
    result.sort(key=lambda ch: -ch.mentions)
    surnames = {n.split()[-1].lower() for ch in result for n in (ch.name, *ch.aliases) if len(n.split()) >= 2}
    seen: set[str] = set()
    unique = []
    for ch in result:
        if ch.name.lower() in seen or _is_family(ch.name, surnames):
            continue
        seen.add(ch.name.lower())
        unique.append(ch)
    return tuple(unique)


def _is_family(name: str, surnames: set[str]) -> bool:
    """ "The Hilberys", "the Lawrence Leffertses": a family named by the plural of a surname
    speaks only through its members."""
    words = name.split()
    last = words[-1].lower()
    return (
        (len(words) == 1 or (words[0].lower() == "the" and len(words) <= 3))
        and last.endswith("s")
        and (last[:-1] in surnames or (last.endswith("es") and last[:-2] in surnames))
    )


def _canonical(forms: list[_Form]) -> _Form:
    """The fullest common form: "Ralph Denham" over "Denham", "Mr. Knightley" over "Knightley"."""
    total = sum(f.count for f in forms)
    top = max(forms, key=lambda f: (f.count, len(f.words)))
    surnames = {f.names[-1].lower() for f in forms if len(f.names) >= 2}
    firsts = {f.names[0].lower() for f in forms if len(f.names) >= 2}
    titled_same = [
        f
        for f in forms
        if f.honorific
        and len(f.names) == 1
        and len(top.words) == 1
        and top.words[0].lower() not in firsts
        and f.names[0].lower() == top.words[0].lower()
        and f.count >= 2
    ]
    if top.common:
        # "May" is also a verb: "Miss Welland" names her unambiguously
        formal = [f for f in forms if f.honorific and f.count >= 2]
        if formal:
            return max(formal, key=lambda f: f.count)
    if (
        len(top.words) > 1
        or top.words[0].lower() not in surnames
        or top.the_count * 2 > top.count
    ):
        if titled_same:
            return max(
                titled_same, key=lambda f: f.count
            )  # "Mr. Childers" over "Childers"
        return top  # "Emma", "Tom", "Mr. Knightley": the usual form
    full = [
        f
        for f in forms
        if len(f.names) >= 2 and not f.honorific and f.count * 20 >= total
    ]
    if full:
        return max(full, key=lambda f: f.count)
    titled = [
        f for f in forms if f.honorific and (f.count * 20 >= total or f.count >= 3)
    ]
    if titled:
        return max(titled, key=lambda f: f.count)
    return max(forms, key=lambda f: (f.count, len(f.words)))


class CharacterIndex:
    """Maps word sequences (lower case, honorific dots removed) to character names."""

    def __init__(self, characters: Sequence[Character]) -> None:
        self.characters = {c.name: c for c in characters}
        self.keys: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self.max_len = 1
        for c in characters:
            for alias in (c.name, *c.aliases):
                key = alias_key(alias)
                if not key or c.name in self.keys[key]:
                    continue
                self.keys[key].append(c.name)
                self.max_len = max(self.max_len, len(key))
        self.first_words = {k[0] for k in self.keys}

    def gender(self, name: str) -> Gender:
        c = self.characters.get(name)
        return c.gender if c else "unknown"


def alias_key(alias: str) -> tuple[str, ...]:
    words = alias.replace(".", " ").replace(",", " ").split()
    return tuple(w.lower() for w in words)


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
