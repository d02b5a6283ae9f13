"""Identity: which name forms are one person.

Discovery (characters.py) finds the forms a book writes names in; this module merges them the
way a reader does: "Mr. Darcy" = "Fitzwilliam Darcy" = "Darcy" when only one Darcy fits, but
"Mrs. Weston" is never "Mr. Weston", and "Mr. John Knightley" stays apart from "Mr. Knightley".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..types import FIRST_PERSON, Character, Gender
from .given_names import GIVEN_NAME_GENDER
from .vocabulary import ABBREVIATIONS, HONORIFICS, HONORIFICS_FEMALE, HONORIFICS_MALE


@dataclass
class NameForm:
    """One way the book writes a name ("Mr. Darcy", "Darcy", "the Rabbit"), with the evidence
    discovery gathered at its occurrences."""

    words: tuple[str, ...]
    count: int = 0
    the_count: int = 0
    """Occurrences after "the" ("the Rabbit")."""
    prep_count: int = 0
    """Occurrences after a place preposition ("at Randalls") or inside a longer capitalised
    name ("New York"): signs of a place."""
    evidence: int = 0
    """Occurrences that behave like a person: an honorific, a possessive, an action verb after
    it, a relation before it ("her brother Tobias")."""
    speech: int = 0
    """Occurrences as the speaker of a speech tag ("said Emma", '"…" Emma said')."""
    vocative: int = 0
    """Occurrences as someone addressed ('"Well, Emma!"', ", Emma,")."""
    common: bool = False
    """A one-word name that is also an ordinary word ("May", "Will")."""
    strict: int = 0
    """Occurrences that are capitalised mid-sentence (the rest are sentence-initial only)."""
    male: int = 0
    female: int = 0
    """Pronouns and relations that showed the form's gender (and the first-name prior)."""
    joined: set[tuple[str, ...]] = field(default_factory=set)
    """Forms this one is joined to by "and" somewhere ("Mr. Peggotty and Ham"): other people."""

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


@dataclass(eq=False)
class _Cluster:
    """The forms of one person (compared by identity: each cluster holds forms of its own, and
    comparing the lists field by field made every removal from `_Clusters.clusters` walk them)."""

    forms: list[NameForm] = field(default_factory=list)
    honorific_gender: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(f.count for f in self.forms)

    def gender(self) -> Gender:
        """An honorific counts five pronouns; one side must have at least twice the other."""
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


def _joined_with(c: _Cluster, forms: Sequence[NameForm]) -> bool:
    """A form of c is joined by "and" to one of `forms`, or to the first name of one of them
    ("Mr. Peggotty and Ham" where the book has "Ham Peggotty"): they are two people."""
    words = {f.words for f in forms} | {f.names[:1] for f in forms if len(f.names) >= 2}
    return any(g in words for f in c.forms for g in f.joined)


class _Clusters:
    """Clusters under construction, indexed by full name and by honorific + surname."""

    def __init__(self) -> None:
        self.clusters: list[_Cluster] = []
        self.full: dict[tuple[str, ...], _Cluster] = {}
        """Full names (two or more name words, lower case, honorific dropped but "mrs" kept)."""
        self.hon: dict[tuple[str, str], _Cluster] = {}
        """(honorific, surname) → cluster."""
        self.as_surname: Counter = Counter()
        """Word → occurrences of the forms that use it after a title ("Colonel Hartley")."""
        self.as_first: Counter = Counter()
        """Word → occurrences of the forms that use it as a first name ("Hartley Vane")."""

    def new(self, form: NameForm) -> _Cluster:
        c = _Cluster()
        self.clusters.append(c)
        return self.add(c, form)

    def absorb(self, target: _Cluster, c: _Cluster) -> None:
        """Cluster c is the person of `target`: its forms join target's, and c is no more."""
        target.forms.extend(c.forms)
        target.honorific_gender.update(c.honorific_gender)
        self.clusters.remove(c)

    def add(self, c: _Cluster, form: NameForm) -> _Cluster:
        c.forms.append(form)
        if form.honorific and len(form.names) == 1:
            self.as_surname[form.names[0].lower()] += form.count
        elif len(form.names) >= 2:
            self.as_first[form.names[0].lower()] += form.count
        # a title alone is a name too ("the Queen", "the Duke"), and says the same of gender
        g = _honorific_gender(form.honorific or (form.words[0] if len(form.words) == 1 else ""))
        if g:
            c.honorific_gender[g] += form.count
        return c


def cluster(forms: Sequence[NameForm]) -> tuple[Character, ...]:
    """The characters the forms name, most mentioned first: full names first, then honorific +
    surname (merged into the one full name it can mean), then single names."""
    cs = _Clusters()
    by_count = sorted(forms, key=lambda f: -f.count)
    for f in by_count:
        if len(f.names) >= 2:
            key = tuple(w.lower() for w in f.names)
            if f.honorific in ("mrs",):
                key = ("mrs", *key)  # "Mrs. Newland Archer" is his wife
            c = cs.full.get(key)
            cs.full[key] = cs.add(c, f) if c else cs.new(f)
    _merge_name_prefixes(cs)
    for f in by_count:
        if f.honorific and len(f.names) == 1:
            h = _SAME_HONORIFIC.get(f.honorific, f.honorific)
            key2 = (h, f.names[0].lower())
            c = cs.hon.get(key2)
            cs.hon[key2] = cs.add(c, f) if c else cs.new(f)
    _merge_titled_into_full(cs, forms)
    _merge_neutral_titles(cs)
    full_last_words = {key[-1] for key in cs.full}
    for f in by_count:
        if len(f.words) == 1:
            _place_single_name(cs, f, full_last_words)
    return _characters(cs.clusters)


def _merge_name_prefixes(cs: _Clusters) -> None:
    """ "Pyotr Petrovitch" is "Pyotr Petrovitch Luzhin", the one longer full name it begins (a
    first name and a patronymic or a middle name, the way Russian novels name people). The full
    names are indexed by their prefixes once, so a book of many names costs no more than their
    words."""
    longer: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for key in cs.full:
        for n in range(2, len(key)):
            longer[key[:n]].append(key)
    merged: dict[int, _Cluster] = {}

    def now(c: _Cluster) -> _Cluster:  # the cluster c was merged into, if it was
        while id(c) in merged:
            c = merged[id(c)]
        return c

    for key, c in list(cs.full.items()):
        if key[0] == "mrs" or id(c) in merged:
            continue
        found = {id(o): o for k in longer.get(key, ()) if (o := now(cs.full[k])) is not c}
        if len(found) != 1:
            continue
        target = next(iter(found.values()))
        if _joined_with(c, target.forms):
            continue
        cs.absorb(target, c)
        merged[id(c)] = target
    for key, c in cs.full.items():
        cs.full[key] = now(c)


_SAME_HONORIFIC = {"mister": "mr", "monsieur": "m", "madame": "mme", "mademoiselle": "mlle"}
"""One honorific spelled out or abbreviated: "Monsieur Bonacieux" is "M. Bonacieux"."""


def _merge_titled_into_full(cs: _Clusters, forms: Sequence[NameForm]) -> None:
    """Merge "Mr. Darcy" into "Fitzwilliam Darcy" when exactly one gender-compatible Darcy exists
    ("Miss" forms first)."""
    order = {"miss": 0, "mademoiselle": 0, "mlle": 0}
    for (h, surname), c in sorted(
        cs.hon.items(), key=lambda kv: (order.get(kv[0][0], 1), -kv[1].count)
    ):
        g = _honorific_gender(h)
        matches = [
            fc
            for key, fc in cs.full.items()
            if key[-1] == surname
            and fc is not c
            and key[0] != "mrs"
            and (g is None or fc.gender() in (g, "unknown"))
            and not _joined_with(c, fc.forms)
        ]
        if len(matches) > 1:
            matches = [fc for fc in matches if fc.gender() == g] or matches
        if len(matches) != 1 or any(
            ff.honorific in ("miss", "mrs")
            and h in ("miss", "mrs")
            and ff.honorific != h
            for ff in matches[0].forms
        ):
            continue
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
        cs.absorb(target, c)
        cs.hon[(h, surname)] = target


_NEUTRAL_TITLES = frozenset(("dr", "doctor"))
"""Titles that say nothing of gender or family: "Doctor Losberne" is the one Losberne."""


def _merge_neutral_titles(cs: _Clusters) -> None:
    """ "Doctor Losberne" (said once) is "Mr. Losberne": a neutral title + surname joins the one
    other person of that surname (a family of Losbernes ties no one)."""
    by_surname: dict[str, dict[int, _Cluster]] = defaultdict(dict)
    for (_, surname), o in cs.hon.items():
        by_surname[surname][id(o)] = o
    for key, o in cs.full.items():
        by_surname[key[-1]][id(o)] = o
    live = {id(c) for c in cs.clusters}
    for (h, surname), c in list(cs.hon.items()):
        if h not in _NEUTRAL_TITLES or id(c) not in live:
            continue
        others = [
            o for i, o in by_surname[surname].items() if i != id(c) and i in live and not _joined_with(c, o.forms)
        ]
        if len(others) != 1:
            continue
        target = others[0]
        cs.absorb(target, c)
        live.discard(id(c))
        cs.hon[(h, surname)] = target


def _place_single_name(cs: _Clusters, f: NameForm, full_last_words: set[str]) -> None:
    """A one-word form joins the one person it can be (as a title, a first name or a surname),
    or becomes a character of its own."""
    w = f.words[0].lower()
    if w in HONORIFICS:
        # "the Countess" is the one Countess the book names ("Countess Olenska")
        titled_by = {id(c): c for (h, _), c in cs.hon.items() if h == w and not _joined_with(c, [f])}
        if len(titled_by) == 1:
            cs.add(next(iter(titled_by.values())), f)
            return
    firsts = [c for c in _clusters_by_first_name(cs, f, w, full_last_words) if not _joined_with(c, [f])]
    if len(firsts) == 1:
        cs.add(firsts[0], f)
        return
    cands = [c for c in _clusters_by_surname(cs, f, w) if not _joined_with(c, [f])]
    if len(cands) == 1:
        cs.add(cands[0], f)
    else:
        cs.new(f)


def _clusters_by_first_name(
    cs: _Clusters, f: NameForm, w: str, full_last_words: set[str]
) -> list[_Cluster]:
    """The people whose full name starts with w, unless w is mostly a surname or a title."""
    is_surname = _mostly_surname(cs, w)
    # "the Rabbit" is the White Rabbit, not "Rabbit Sends" (but "the Marchioness" is the
    # Marchioness Manson)
    titled = f.the_count * 2 > f.count and w in full_last_words
    if is_surname or titled:
        return []
    firsts = list({id(c): c for key, c in cs.full.items() if key[0] == w}.values())
    if len(firsts) > 1:
        # "Jane" is Jane Fairfax (named so 60 times), not Miss Jane Bates (once)
        def as_first_name(c: _Cluster) -> int:
            return sum(ff.count for ff in c.forms if len(ff.names) >= 2 and ff.names[0].lower() == w)

        big = sorted(firsts, key=lambda c: -as_first_name(c))
        if as_first_name(big[0]) >= 3 * as_first_name(big[1]):
            firsts = [big[0]]
    return firsts


def _mostly_surname(cs: _Clusters, w: str) -> bool:
    """The book writes w after a title ("Colonel Fitzwilliam") more than twice as often as
    before a surname ("Mr. Fitzwilliam Darcy"). The forms that use the word count, not the
    clusters they joined: Mr. Darcy's cluster, which the one "Mr. Fitzwilliam Darcy" joined,
    would outweigh the Colonel named so 29 times."""
    return cs.as_surname[w] > 2 * cs.as_first[w]


def _clusters_by_surname(cs: _Clusters, f: NameForm, w: str) -> list[_Cluster]:
    """The people w can be as a surname; among several, the one "Mr." (or the one man, or the
    one of the form's own gender). A form the text shows to be a woman's is no man's (Peggotty
    the nurse, "she", is not Mr. Peggotty)."""
    lasts = {id(c): c for key, c in cs.full.items() if key[-1] == w}
    lasts.update({id(c): c for (h, s), c in cs.hon.items() if s == w})
    g = (
        "male"
        if f.male > 2 * f.female and f.male >= 2
        else "female"
        if f.female > 2 * f.male and f.female >= 2
        else None
    )
    if g == "female":
        return [c for c in lasts.values() if c.gender() == g] or [c for c in lasts.values() if c.gender() == "unknown"]
    cands = list(lasts.values())
    if len(cands) > 1:
        mister = [c for (h, s), c in cs.hon.items() if s == w and h == "mr"] or [
            c
            for (h, s), c in cs.hon.items()
            if s == w and _honorific_gender(h) == "male"
        ]
        if len({id(c) for c in mister}) == 1:
            cands = mister[:1]
        else:
            want = g or "male"
            cands = [c for c in cands if c.gender() == want]
    return cands


def _gender(c: _Cluster) -> Gender:
    """The cluster's gender; when the text gave none, the one the census gives its given names
    ("Gladys", "Dallas Archer", not "Mr. Kelly"), if every given name it knows agrees."""
    g = c.gender()
    if g != "unknown":
        return g
    found = {
        GIVEN_NAME_GENDER[f.names[0].lower()]
        for f in c.forms
        if not f.honorific and f.names and f.names[0].lower() in GIVEN_NAME_GENDER
    }
    return found.pop() if len(found) == 1 else "unknown"


def _characters(clusters: list[_Cluster]) -> tuple[Character, ...]:
    """One Character per cluster, named by its canonical form; a name that is also another
    character's canonical name stays with the bigger one; families are dropped."""
    result = []
    alone: set[str] = set()
    for c in clusters:
        best = _canonical(c.forms)
        if speaks_alone(c.forms):
            alone.add(best.display())
        aliases = []
        for f in sorted(c.forms, key=lambda f: -f.count):
            d = f.display()
            if d not in aliases:
                aliases.append(d)
            bare = " ".join(f.words)
            if bare not in aliases and f.the_count * 2 > f.count:
                aliases.append(bare)
        result.append(Character(best.display(), tuple(aliases), _gender(c), c.count))
    result.sort(key=lambda ch: -ch.mentions)
    surnames = {n.split()[-1].lower() for ch in result for n in (ch.name, *ch.aliases) if len(n.split()) >= 2}
    seen: set[str] = set()
    unique = []
    for ch in result:
        if ch.name.lower() in seen or (_is_family(ch.name, surnames) and ch.name not in alone):
            continue
        seen.add(ch.name.lower())
        unique.append(ch)
    return tuple(unique)


FAMILY_SPEAKS_MIN = 3
"""A name that ends like a plural is one person when its forms are the subject of a speech tag
at least this often (and more often than they follow "the")."""


def speaks_alone(forms: Sequence[NameForm]) -> bool:
    """ "said Sikes", again and again: a name that ends like a plural ("Sikes" beside a misprinted "Mr.
    Sike") but speaks as one person, more often than it follows "the", is no family."""
    speech = sum(f.speech for f in forms)
    return speech >= FAMILY_SPEAKS_MIN and speech > sum(f.the_count for f in forms)


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


TITLED_SHARE = 4
""" "Mr. Childers" (12 times) names the man the book calls "Childers" (13 times); "Mr. Monks" (4
times) does not name "Monks" (129 times), an alias the book seldom dresses with a title: a
title + name form is the display name when written at least a quarter as often as the name."""


def _canonical(forms: list[NameForm]) -> NameForm:
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
        and f.count * TITLED_SHARE >= top.count
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
        if len(f.names) >= 2
        and not f.honorific
        and f.count * 20 >= total
        and f.names[-1].lower() == top.words[0].lower()  # "Dmitri Prokofitch" does not name "Razumihin"
    ]
    if full:
        return max(full, key=lambda f: f.count)
    titled = [
        f
        for f in forms
        if f.honorific and (f.count * 20 >= total or f.count >= 3) and f.count * TITLED_SHARE >= top.count
    ]
    if titled:
        return max(titled, key=lambda f: f.count)
    return max(forms, key=lambda f: (f.count, len(f.words)))


def merge_characters(
    characters: Sequence[Character], links: Sequence[tuple[str, str]]
) -> tuple[Character, ...]:
    """The characters with each linked pair made one (aliases joined, a proper name kept over an
    epithet such as "the Jew"), most mentioned first; unchanged without links."""
    if not links:
        return tuple(characters)
    parent = {c.name: c.name for c in characters}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        if a in parent and b in parent and root(a) != root(b):
            parent[root(a)] = root(b)
    groups: dict[str, list[Character]] = {}
    for c in characters:
        groups.setdefault(root(c.name), []).append(c)
    out = [_one_person(group) for group in groups.values()]
    return tuple(sorted(out, key=lambda c: -c.mentions))


def _one_person(group: Sequence[Character]) -> Character:
    """Characters the dialogue showed to be one person, under the name of the one with a proper
    name ("Mr. Fagin", not "the Jew"), then the most mentioned."""
    if len(group) == 1:
        return group[0]
    head = max(group, key=lambda c: (not c.name.lower().startswith("the "), c.mentions))
    aliases = [head.name]
    for c in group:
        aliases += [a for a in (c.name, *c.aliases) if a not in aliases]
    genders = {c.gender for c in group} - {"unknown"}
    gender = genders.pop() if len(genders) == 1 else head.gender
    return Character(head.name, tuple(aliases), gender, sum(c.mentions for c in group))


def alias_key(alias: str) -> tuple[str, ...]:
    """How an alias is looked up in the text: lower-case words, dots and commas dropped."""
    words = alias.replace(".", " ").replace(",", " ").split()
    return tuple(w.lower() for w in words)


# --- the cast file, laid over discovery ----------------------------------------------------


SELF = frozenset((("i",), ("me",), ("myself",)))
"""Alias keys that mean the first-person narrator: never a name to look for in the text."""


@dataclass(frozen=True, slots=True)
class CastOverlay:
    """The characters as a cast file sees them."""

    characters: tuple[Character, ...]
    renames: Mapping[str, str]
    """A described speaker's label ("the six-armed man"), or `FIRST_PERSON`, → the name the cast
    file gives it."""
    narrator: str | None = None
    """The discovered character an entry with the alias "I" marks as the first-person narrator."""


def apply_cast(discovered: Sequence[Character], cast: Sequence[Character]) -> CastOverlay:
    """Discovered characters seen through a cast file's entries.

    The cast file is laid over discovery instead of replacing it, so a file written by `narrator
    cast --write` changes no decision. An entry claims the discovered character of its own name;
    then those its aliases name (a renamed entry keeps its old name among its aliases; an alias
    added by hand merges that character in); an entry that claimed nothing so far, then any
    character sharing one of its aliases. An entry that claims nothing is a person the user adds,
    or, when it reads like a description ("the six-armed man") or is the first-person narrator
    ("I", or any name with the alias "I"), a speaker to rename. Mention counts stay discovery's."""
    selfish = [any(alias_key(a) in SELF for a in (e.name, *e.aliases)) for e in cast]
    cast = [Character(e.name, tuple(a for a in e.aliases if alias_key(a) not in SELF), e.gender) for e in cast]
    claim = _claims(discovered, cast)
    out: list[Character] = []
    done: set[int] = set()
    for i, c in enumerate(discovered):
        e = claim.get(i)
        if e is None:
            out.append(c)
        elif e not in done:
            done.add(e)
            out.append(_claimed(cast[e], [d for j, d in enumerate(discovered) if claim.get(j) == e]))
    renames: dict[str, str] = {}
    narrator = None
    for e, entry in enumerate(cast):
        for a in (entry.name, *entry.aliases):
            if _description_like(a):
                renames.setdefault(" ".join(a.split()), entry.name)
        if selfish[e] and e in done:
            narrator = entry.name
        elif selfish[e]:
            renames[FIRST_PERSON] = entry.name
        elif e not in done and not _description_like(entry.name):
            out.append(Character(entry.name, entry.aliases, entry.gender, 0))
    return CastOverlay(tuple(out), renames, narrator)


def _claims(discovered: Sequence[Character], cast: Sequence[Character]) -> dict[int, int]:
    """Discovered character index → the cast entry that claims it (see `apply_cast`)."""
    names = [alias_key(c.name) for c in discovered]
    claim: dict[int, int] = {}

    def take(e: int, keys: set[tuple[str, ...]], by_name: bool) -> None:
        keys -= SELF
        for i, c in enumerate(discovered):
            forms = {names[i]} if by_name else {alias_key(a) for a in (c.name, *c.aliases)}
            if i not in claim and forms & keys:
                claim[i] = e

    for e, entry in enumerate(cast):
        take(e, {alias_key(entry.name)}, True)
    for e, entry in enumerate(cast):
        take(e, {alias_key(a) for a in (entry.name, *entry.aliases)}, True)
    for e, entry in enumerate(cast):
        if e not in claim.values():
            take(e, {alias_key(a) for a in (entry.name, *entry.aliases)}, False)
    return claim


def _claimed(entry: Character, group: Sequence[Character]) -> Character:
    """The discovered characters an entry claims, as one character under the entry's name (and
    the entry's gender, when it gives one)."""
    aliases: list[str] = []
    for a in (*(a for g in group for a in (g.name, *g.aliases)), *entry.aliases):
        if a not in aliases:
            aliases.append(a)
    genders = {g.gender for g in group} - {"unknown"}
    gender: Gender = entry.gender
    if gender == "unknown" and len(genders) == 1:
        gender = genders.pop()
    return Character(entry.name, tuple(aliases), gender, sum(g.mentions for g in group))


def _description_like(name: str) -> bool:
    """ "the six-armed man", "his wife": a speaker the pass names by a description."""
    first = name.split(" ", 1)[0]
    return first[:1].islower() or first.lower() in ("the", "a", "an", "his", "her", "my")
