"""Who the book's people are, once its text is indexed.

Discovery (characters.py) and the merging of name forms (identity.py) read how names are
written. This step adds what needs the whole indexed book, in this order: names the dialogue
shows to be one person (a nickname, an epithet, a lisped title: the person called "Bill"
answers, again and again, as "said Sikes"); the user's cast file, laid over what discovery found
(renames, merges, additions), so that writing the cast changes no decision; and the first-person
narrator, a character of their own ("I"), named when the text names them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..types import Book, Character, Gender, Segment
from .context import BookContext, read_context, with_characters
from .data import Tag
from .identity import CastOverlay, apply_cast, merge_characters
from .kin import FAMILY_NOUNS
from .mentions import person_like, tag_subjects
from .tags import tag_after, tag_before
from .vocabulary import GENERIC_NOUNS, HONORIFICS, PERSON_NOUNS, SPEECH_VERBS, STOPWORDS

TOKENS_PER_NARRATOR_ADDRESS = 2000
"""The narrator's name, by the oldest rule: addressed in quotes once per this many tokens (1 to
3 times at least), and more than twice as often as the narration names them."""
MIN_NARRATOR_REPLIES = 2
"""The narrator's name, by the replies: the name the quotes "I said" answers address, at least
this often (and more often than any other name)."""
MIN_REPLY_LINKS = 3
"""Two names are one person when the one addressed by the first answers with a named tag for the
second at least this often (and the other conditions of `reply_links`)."""
_EXPLICIT = frozenset(("said-after", "said-before", "possessive"))


def read_people(
    book: Book,
    segments: Mapping[int, Sequence[Segment]],
    characters: Sequence[Character] | None = None,
    cast: Sequence[Character] | None = None,
) -> BookContext:
    """The book's context with its final characters: `characters` (an authoritative list) or
    discovery's, with the `cast` file's entries laid over them; and the first-person narrator's
    name when the book is told by one."""
    b = read_context(book, segments, characters)
    chars = tuple(b.characters) if characters is not None else merge_characters(b.characters, reply_links(b))
    overlay = apply_cast(chars, cast) if cast else CastOverlay(chars, {})
    b = _with_characters(b, overlay.characters, renames=overlay.renames)
    ties = epithets(b)
    if ties:
        b = with_characters(b, b.characters, ties)
    if not b.first_person:
        return b
    narrator = overlay.narrator or narrator_name(b)
    read = None
    if narrator is None:  # the aunt addressed as "Miss Prout", narrated as "my aunt", is not "I"
        read = my_epithets(b)
        narrator = addressed_never_narrated(b, exclude=frozenset(read[0].values()))
    chars = tuple(b.characters)
    if narrator is not None and narrator not in b.index.characters:
        chars, narrator = with_new_name(chars, narrator)  # named once, in an answer
    unchanged = b
    b = _with_characters(b, chars, narrator=narrator)
    mine, unnamed, links = read if read is not None and b is unchanged else my_epithets(b)
    if not mine:
        return b
    chars = merge_characters((*b.characters, *unnamed), links)
    owner = {a: c.name for c in chars for a in (c.name, *c.aliases)}
    mine = {phrase: owner.get(name, name) for phrase, name in mine.items()}
    return with_characters(b, chars, {**b.index.epithets, **mine})


def _with_characters(b: BookContext, chars: Sequence[Character], **changes: Any) -> BookContext:
    """`b` with `changes`, re-indexed only when the characters changed; `b` itself when nothing
    changes (it keeps what it has read: the tags and addressees `reply_links` found)."""
    changes = {k: v for k, v in changes.items() if getattr(b, k) != v}
    if tuple(chars) == tuple(b.characters):
        return replace(b, **changes) if changes else b
    return with_characters(b, chars, **changes)


_NAME_QUESTION = re.compile(
    r"\b(?:what(?:'s|’s| is)\s+(?:your|thy)\s+name|your\s+name\s*\?|who\s+are\s+you\b)"
    r"|(?:^\W{0,4}|[.!?]\W{1,4}|\band\s+)you\s+are\s*\?",  # "And you are?", not "happier as you are?"
    re.I,
)
_INTRODUCTION = re.compile(r"\b(?:I am|I'm|I’m|my name is|call me|it's|it’s|it is|name's|name’s|name is)\s+$", re.I)
_BARE_NAME = re.compile(r"[\"“‘']?((?:[A-Z][a-z’'-]+)(?: [A-Z][a-z’'-]+){0,2})[,.!]?[\"”’']?\s*$")


def asks_name(segs: Sequence[Segment]) -> bool:
    """A quote of the paragraph asks for a name ("What is your name?", "Who are you?")."""
    return any(s.kind == "quote" and _NAME_QUESTION.search(s.text) for s in segs)


def narrator_name(b: BookContext) -> str | None:
    """The first-person narrator's name, when the dialogue gives it: the name their answer to
    "What's your name?" starts with ('"Thomas Quill," I answered'); else the name the turns
    that "I said" answers address most often (not the dog the narrator talks to). A name the
    narrator's own "I said" quotes address is the listener's ('"Liza," I cried'), and a turn
    that is itself the narrator's is no one else's question. Measured and dropped: an "I'm X"
    inside an "I said" quote, which named the wrong person in a novel."""
    replies: Counter = Counter()
    own: Counter = Counter()
    answers: list[str] = []
    quote_paras = [p for p, segs in b.by_paragraph.items() if any(s.kind == "quote" for s in segs)]
    mine = {p: _first_person_tag(b, b.by_paragraph[p], _first_quote(b.by_paragraph[p])) for p in quote_paras}
    for p in quote_paras:
        if mine[p]:
            own.update(v for s in b.by_paragraph[p] if s.kind == "quote" for v in b.addressees(s))
    for p1, p2 in zip(quote_paras, quote_paras[1:], strict=False):
        segs1, segs2 = b.by_paragraph[p1], b.by_paragraph[p2]
        if p2 - p1 > 2 or not mine[p2] or mine[p1]:
            continue
        if asks_name(segs1):
            named = _named_in_answer(b, segs2[_first_quote(segs2)])
            if named is not None:
                answers.append(named)
        for s in segs1:
            if s.kind == "quote":
                replies.update(b.addressees(s))
    named_self = [n for n in answers if not own[n]]
    if named_self:
        return named_self[0]
    best = [(n, c) for n, c in replies.most_common() if c > own[n]][:2]
    if best and best[0][1] >= MIN_NARRATOR_REPLIES and (len(best) == 1 or best[0][1] > best[1][1]):
        return str(best[0][0])
    return None


def _first_quote(segs: Sequence[Segment]) -> int:
    return next(k for k, s in enumerate(segs) if s.kind == "quote")


def _first_person_tag(b: BookContext, segs: Sequence[Segment], k: int) -> bool:
    """Quote k of the paragraph is tagged "I said" / "I answered" (after it or before it)."""
    t = _quote_tag(b, segs, k, _EXPLICIT | {"lead-in"})
    return t is not None and t.mention.kind == "pron" and t.mention.gender == "first"


def _quote_tag(b: BookContext, segs: Sequence[Segment], k: int, kinds: frozenset[str]) -> Tag | None:
    """The tag of one of these kinds right after quote k, else right before it."""
    after = segs[k + 1] if k + 1 < len(segs) else None
    before = segs[k - 1] if k > 0 else None
    for t in (
        tag_after(b, after) if after is not None and after.text.strip() else None,
        tag_before(b, before) if before is not None else None,
    ):
        if t is not None and t.kind in kinds:
            return t
    return None


def _named_in_answer(b: BookContext, seg: Segment) -> str | None:
    """The name an answer starts with ('"Thomas Quill," I answered', '"I'm Quill."'), a
    character's or one the book gives only here."""
    for m in b.mentions_between(seg.start, seg.end):
        if m.kind == "name" and not m.possessive and len(m.names) == 1:
            lead = b.text[seg.start : m.start]
            return m.names[0] if not lead.strip("\"“‘' ") or _INTRODUCTION.search(lead[-24:]) else None
    found = _BARE_NAME.match(seg.text)
    if found and not any(w.lower() in STOPWORDS for w in found.group(1).split()):
        return found.group(1)
    return None


def with_new_name(characters: Sequence[Character], name: str) -> tuple[tuple[Character, ...], str]:
    """The characters with a full name the book gives once ("Thomas Quill") joined to the one
    character whose name ends in the same surname ("Mr. Quill"), or added; and its cast name."""
    last = name.split()[-1].lower()
    owners = [c for c in characters if any(a.split()[-1].lower() == last for a in (c.name, *c.aliases) if a)]
    if len(name.split()) >= 2 and len(owners) == 1:
        c = owners[0]
        joined = Character(c.name, (*c.aliases, name), c.gender, c.mentions)
        return tuple(joined if x is c else x for x in characters), c.name
    return (*characters, Character(name, (), "unknown", 1)), name


def addressed_never_narrated(b: BookContext, exclude: frozenset[str] = frozenset()) -> str | None:
    """The oldest rule: in a first-person book, the character others address by name but the
    narration never names (it says "I"); none of the `exclude`d."""
    voc: Counter = Counter()
    narr: Counter = Counter()
    for _, s in b.ordered:
        if s.kind == "quote":
            voc.update(b.addressees(s))
        else:
            for m in b.mentions_between(s.start, s.end):
                if m.kind == "name" and len(m.names) == 1:
                    narr[m.names[0]] += 1
    best, best_score = None, 0.0
    least = min(3, max(1, len(b.tokens) // TOKENS_PER_NARRATOR_ADDRESS))
    for name, v in voc.items():
        if name not in exclude and v >= least and v > 2 * narr[name]:
            score = v / (1 + narr[name])
            if score > best_score:
                best, best_score = name, score
    return best


# --- one person, two names: what the dialogue shows ---------------------------------------


def reply_links(b: BookContext) -> list[tuple[str, str]]:
    """(name, other name) pairs that the dialogue shows to be one person.

    N is addressed by name ("…, Bill?") and the reply, one or two paragraphs on, carries a
    named tag for E ("said Sikes"): at least MIN_REPLY_LINKS times, more often than a tag for N
    itself, for at least half of the replies to N; the two never address each other; their
    genders fit (a name only ever said in dialogue has no gender of its own: "Thquire, she…"
    is about someone else); and N is no title + surname that several full names share ("Miss
    Bennet" may be any of the sisters)."""
    turns, addressed = _dialogue_turns(b)
    links: Counter = Counter()
    own: Counter = Counter()
    replies: Counter = Counter()
    for (p1, _, voc), (p2, speaker, _) in zip(turns, turns[1:], strict=False):
        if speaker is None or not 1 <= p2 - p1 <= 2:
            continue
        for v in voc:
            replies[v] += 1
            if v == speaker:
                own[v] += 1
            else:
                links[(v, speaker)] += 1
    narrated = {m.names[0] for m in b.mentions if m.kind == "name" and len(m.names) == 1 and not b.in_quote(m.start)}
    return [
        (v, e)
        for (v, e), n in links.most_common()
        if n >= MIN_REPLY_LINKS
        and n > own[v]
        and 2 * n >= replies[v]
        and addressed[frozenset((v, e))] * 10 <= n
        and (_gender_fits(b.index.gender(v), b.index.gender(e)) or v not in narrated)
        and not _shared_surname(b, v)
    ]


def _dialogue_turns(b: BookContext) -> tuple[list[tuple[int, str | None, tuple[str, ...]]], Counter]:
    """Every paragraph with quotes as (number, the speaker its first quote's named tag gives,
    the names its quotes address); and how often each pair of names speaks to the other."""
    turns: list[tuple[int, str | None, tuple[str, ...]]] = []
    addressed: Counter = Counter()
    for para, segs in b.by_paragraph.items():
        quotes = [k for k, s in enumerate(segs) if s.kind == "quote"]
        if not quotes:
            continue
        voc: tuple[str, ...] = ()
        for k in quotes:
            voc += tuple(v for v in b.addressees(segs[k]) if v not in voc)
        t = _quote_tag(b, segs, quotes[0], _EXPLICIT)
        speaker = None
        if t is not None and t.mention.kind == "name" and len(t.mention.names) == 1:
            speaker = t.mention.names[0] if t.mention.names[0] not in voc else None
        if speaker is not None:
            for v in voc:
                addressed[frozenset((speaker, v))] += 1
        turns.append((para, speaker, voc))
    return turns, addressed


def _shared_surname(b: BookContext, name: str) -> bool:
    """ "Miss Bennet" may be any of the Bennet sisters: a title and a surname that several
    characters' full names end in ties no one."""
    words = name.split()
    if len(words) != 2 or words[0].rstrip(".").lower() not in HONORIFICS:
        return False
    last = words[1].lower()
    owners = {
        c.name
        for c in b.index.characters.values()
        for a in (c.name, *c.aliases)
        if len(a.split()) >= 2
        and a.split()[-1].lower() == last
        and a.split()[0].rstrip(".").lower() not in HONORIFICS
    }
    return len(owners) >= 2


def _gender_fits(a: str, b: str) -> bool:
    return a == b or "unknown" in (a, b)


# --- epithets: "the beadle" is Mr. Bumble ---------------------------------------------------

TITLE_NOUNS = {
    "dr": "doctor", "doctor": "doctor", "captain": "captain", "colonel": "colonel", "major": "major",
    "general": "general", "lieutenant": "lieutenant", "sergeant": "sergeant", "inspector": "inspector",
    "professor": "professor", "admiral": "admiral", "commodore": "commodore", "squire": "squire",
    "judge": "judge", "governor": "governor", "sheriff": "sheriff", "mayor": "mayor",
    "cardinal": "cardinal", "bishop": "bishop", "archbishop": "archbishop", "abbe": "abbe",
    "abbé": "abbé", "parson": "parson", "king": "king", "queen": "queen", "prince": "prince",
    "princess": "princess", "emperor": "emperor", "empress": "empress", "duke": "duke",
    "duchess": "duchess", "count": "count", "countess": "countess", "marquis": "marquis",
    "marchioness": "marchioness", "earl": "earl", "baron": "baron", "baroness": "baroness",
}
"""A title that is also the noun the book calls its bearer by ("Doctor Losberne", "Squire
Trelawney", "the Duke of Buckingham": "the doctor", "the squire", "the duke")."""
_APPOSITION_END = frozenset("of in at to who whose with from".split())
MIN_EPITHET_TAGS = 2
"""An epithet counts when "said the NOUN" tags a quote at least this often."""


def epithets(b: BookContext) -> dict[str, str]:
    """Nouns the book ties to one character, that "said the NOUN" uses for a speaker: the noun of
    an apposition in the narration ("Mr. Bumble, the beadle,"; "Mr. Sowerberry, the parochial
    undertaker") or a title the character bears ("Doctor Losberne": "the doctor"), in a name form
    or written before their name ("Cardinal Richelieu", "the Duke of Buckingham"). A noun tied
    to two characters, or a noun for anyone ("the man"), ties no one. A noun the book ties to
    no one is tied by the dialogue around its quotes, as "my aunt" is (`_talk_ties`)."""
    owners: dict[str, set[str]] = defaultdict(set)
    for noun, name in _appositions(b):
        owners[noun].add(name)
    for c in b.characters:
        for a in (c.name, *c.aliases):
            words = a.split()
            title = words[0].rstrip(".").lower() if len(words) >= 2 else ""
            if title in TITLE_NOUNS:
                owners[TITLE_NOUNS[title]].add(c.name)
    for title, name in _titled_names(b):
        owners[TITLE_NOUNS[title]].add(name)
    speaking = _speaking_nouns(b)
    ties = {noun: next(iter(names)) for noun, names in owners.items() if len(names) == 1 and noun in speaking}
    return {**_talk_ties(b, set(owners)), **ties}


MIN_TALK_VOTES = 3
"""'"…," said the painter' is the person the quotes next to its quotes address ("Basil, …") at
least this often, and more than twice as often as anyone else."""


def _talk_ties(b: BookContext, owned: set[str]) -> dict[str, str]:
    """ "the painter" → Basil, "the trooper" → Mr. George: a noun for one kind of person (no
    noun for anyone, "the man", "the girl") that tags quotes twice at least and that the book
    ties to no name, is the one person the dialogue around its quotes addresses (`_talk_votes`,
    MIN_TALK_VOTES), as for "my aunt" in a book told by "I"."""
    speaking = {
        noun: paras
        for noun, paras in _speaking_phrases(b, ("the",), "").items()
        if noun not in owned and _one_kind(noun)
    }
    heard = _talk_votes(b, speaking)
    out: dict[str, str] = {}
    for noun in speaking:
        gender = _GENDERS.get(PERSON_NOUNS.get(noun) or "", "unknown")
        best = _tie(b, heard[noun], gender, MIN_TALK_VOTES)
        if best is not None:
            out[noun] = best
    return out


def _one_kind(noun: str) -> bool:
    """A noun for one kind of person ("the painter", "the beadle", "the duchess"), not one for
    anyone ("the man", "the stranger") nor "the other", "the latter"."""
    if noun in PERSON_NOUNS or noun in TITLE_NOUNS.values():
        return noun not in GENERIC_NOUNS
    return person_like(noun)


def _titled_names(b: BookContext) -> list[tuple[str, str]]:
    """(title, character) for every capitalised title written right before a name the index
    knows but does not hold with the title: "Squire Trelawney", "Cardinal de Richelieu" (the
    particle is part of the name or skipped), "Duke of Buckingham"."""
    toks, out = b.tokens, []
    for m in b.mentions:
        if m.kind != "name" or len(m.names) != 1 or m.tok < 1:
            continue
        k = m.tok - 1
        if toks[k].lower in _TITLE_LINKS and k >= 1 and b.text[toks[k - 1].end : toks[k].start] == " ":
            k -= 1  # "Duke of Buckingham", "Cardinal de Richelieu"
        t = toks[k]
        if t.cap and not t.possessive and t.lower in TITLE_NOUNS and b.text[t.end : toks[k + 1].start] == " ":
            out.append((t.lower, m.names[0]))
    return out


_TITLE_LINKS = frozenset("of de du von van".split())


def _appositions(b: BookContext) -> list[tuple[str, str]]:
    """(noun, character) for every "NAME, the|a [one or two modifiers] NOUN" in the narration
    whose noun phrase ends there (a comma, a full stop, "of", "who"…), unless "and" follows: in
    "Captain Smollett, the squire, and Dr. Livesey" the squire is someone else."""
    toks, out = b.tokens, []
    for m in b.mentions:
        e = m.tok_end
        if m.kind != "name" or len(m.names) != 1 or m.possessive or e + 1 >= len(toks) or b.in_quote(m.start):
            continue
        if b.text[toks[e - 1].end : toks[e].start].strip() != "," or toks[e].lower not in ("the", "a", "an"):
            continue
        if b.text[max(0, m.start - 2) : m.start].strip() == ",":
            continue  # "Mr. Brittles, Mr. Giles, the tinker": a list, no apposition
        for k in range(e + 1, min(e + 4, len(toks))):
            t = toks[k]
            if t.cap or b.text[toks[k - 1].end : t.start].strip() or t.lower in STOPWORDS:
                break
            ends = b.text[t.end : t.end + 1] in (",", ".", ";", ":", "!", "?", "—")
            if ends or (k + 1 < len(toks) and toks[k + 1].lower in _APPOSITION_END):
                listed = k + 1 < len(toks) and toks[k + 1].lower in ("and", "or")
                if t.lower not in GENERIC_NOUNS and not t.possessive and not listed:
                    out.append((t.lower, m.names[0]))
                break
    return out


def _speaking_nouns(b: BookContext) -> set[str]:
    """Lower-case nouns that speak, twice at least, in a speech tag right after a quote:
    '"…," said the doctor', '"…" the beadle said'."""
    found = tag_subjects(b.text, b.tokens, ("the",))
    return {noun for noun, at in found.items() if len(at) >= MIN_EPITHET_TAGS}


# --- the narrator's people: "said my aunt" --------------------------------------------------

MIN_MY_VOTES = 2
""""my NOUN" is one named person when the book ties it to their name at least this often (an
apposition counts as this many) and more than twice as often as to anyone else."""
_PHRASE_END = frozenset("to with in at as and from after before again once presently".split())
"""Words that may follow the noun of '"…," said my aunt' (an adjective is followed by its noun)."""
_GENDERS: dict[str, Gender] = {"male": "male", "female": "female"}


def my_epithets(b: BookContext) -> tuple[dict[str, str], list[Character], list[tuple[str, str]]]:
    """In a first-person book, the one person each speaking "my NOUN" means ('"…," said my
    aunt', twice at least): the name the book says it is ("my aunt, Miss Betsey,"; "Mr.
    Jaggers, my guardian,"; "Mr. Jaggers is your guardian?") or, when it never says, the name
    the dialogue around its quotes addresses (the quote it answers, "…, Mr. Jaggers?", or the
    answer to it; not a name its own quotes address as often). A phrase tied to no name at all
    is a described speaker of its own, named by the phrase ("my convict"), when it is one
    person (`_one_of_a_kind`); one whose ties disagree is left to the ranker. Also the pairs
    of names that are one person because both are that phrase's: another form of the name the
    book says ("Mrs. Joe Gargery"), the name the dialogue gives clearly (MIN_REPLY_LINKS
    times): "Miss Trotwood" for "Miss Betsey"."""
    speaking = _speaking_my(b)
    heard = _talk_votes(b, speaking)
    said: dict[str, Counter] = defaultdict(Counter)
    for phrase, name in _my_appositions(b):
        said[phrase][name] += MIN_MY_VOTES
    mine: dict[str, str] = {}
    unnamed: list[Character] = []
    links: list[tuple[str, str]] = []
    told = _pronoun_genders(b, speaking)
    for phrase, paras in speaking.items():
        gender = _GENDERS.get(PERSON_NOUNS.get(phrase.split()[1], ""), told[phrase])
        by_book, by_talk = _tie(b, said[phrase], gender), _tie(b, heard[phrase], gender)
        best = by_book or by_talk
        if best is not None:
            mine[phrase] = best
            same = [n for n in said[phrase] if _one_name(n, best)]
            if by_talk is not None and heard[phrase][by_talk] >= MIN_REPLY_LINKS:
                same.append(by_talk)
            links += [(n, best) for n in same if n != best]
        elif _one_of_a_kind(phrase) and not _fitting(b, said[phrase] + heard[phrase], gender):
            mine[phrase] = phrase
            unnamed.append(Character(phrase, (), gender, len(paras)))
    return mine, unnamed, links


def _one_of_a_kind(phrase: str) -> bool:
    """ "my aunt" is one person, and so is a "my guardian" the vocabulary knows no other way
    (without a name it is no mention at all); "my friend" is anyone, better left to the ranker
    as a description ("said his friend")."""
    noun = phrase.split()[1]
    return noun in FAMILY_NOUNS or noun not in PERSON_NOUNS


def _fitting(b: BookContext, votes: Counter, gender: str) -> list[tuple[str, int]]:
    """The names voted for, most votes first, but the narrator's and those of the wrong gender."""
    return [
        (n, c)
        for n, c in votes.most_common()
        if c > 0 and n != b.narrator and _gender_fits(b.index.gender(n), gender)
    ]


def _tie(b: BookContext, votes: Counter, gender: str, least: int = MIN_MY_VOTES) -> str | None:
    """The name with `least` votes at least and more than twice any other's
    (another form of its name is no rival)."""
    ranked = _fitting(b, votes, gender)
    if not ranked:
        return None
    best, n = ranked[0]
    rivals = [c for name, c in ranked[1:] if not _one_name(name, best)]
    return best if n >= least and (not rivals or n > 2 * rivals[0]) else None


def _one_name(a: str, b: str) -> bool:
    """One name's words are all the other's ("Mrs. Joe", "Mrs. Joe Gargery"): likely one person."""
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return wa <= wb or wb <= wa


def _talk_votes(b: BookContext, speaking: Mapping[str, Sequence[int]]) -> dict[str, Counter]:
    """Phrase → the names the quotes next to its quotes address (a quote paragraph at most two
    paragraphs away), less the names its own quotes address."""
    quote_paras = sorted(p for p, segs in b.by_paragraph.items() if any(s.kind == "quote" for s in segs))
    at = {p: i for i, p in enumerate(quote_paras)}
    votes: dict[str, Counter] = {}
    for phrase, paras in speaking.items():
        near: Counter = Counter()
        own: Counter = Counter()
        for p in paras:
            own.update(set(_addressed(b, p)))
            for j in (at[p] - 1, at[p] + 1):
                if 0 <= j < len(quote_paras) and abs(quote_paras[j] - p) <= 2:
                    near.update(set(_addressed(b, quote_paras[j])))
        votes[phrase] = Counter({n: c for n, c in near.items() if c > own[n]})
    return votes


def _addressed(b: BookContext, para: int) -> list[str]:
    return [v for s in b.by_paragraph[para] if s.kind == "quote" for v in b.addressees(s)]


def _speaking_my(b: BookContext) -> dict[str, list[int]]:
    """"my NOUN" phrases that tag a quote ('"…," said my aunt', '"…" my aunt said') at least
    MIN_EPITHET_TAGS times, with the paragraphs of the quotes they tag (in the order of the
    phrases' first tags)."""
    return _speaking_phrases(b, ("my", "My", "MY"), "my ")


def _speaking_phrases(b: BookContext, determiners: tuple[str, ...], prefix: str) -> dict[str, list[int]]:
    """`prefix` + NOUN for every determiner + NOUN in the narration that tags a quote at least
    MIN_EPITHET_TAGS times, with the paragraphs of the quotes it tags (in the order of the
    phrases' first tags)."""
    text, toks = b.text, b.tokens
    quotes = [s for _, s in b.ordered if s.kind == "quote"]

    def noun(j: int) -> bool:  # "my aunt" in the narration, one space between, not "my aunt's"
        det = toks[j - 1]
        return not toks[j].possessive and text[det.end : toks[j].start] == " " and not b.in_quote(det.start)

    def ends(j: int) -> bool:  # "said my aunt, …", "said my aunt to …", not "said my old …"
        after, nxt = text[toks[j].end : toks[j].end + 1], toks[j + 1].lower if j + 1 < len(toks) else ""
        return after in _PUNCT or not after.strip() and nxt in _PHRASE_END | SPEECH_VERBS

    found: list[tuple[int, str, list[int]]] = []
    for word, at in tag_subjects(text, toks, determiners, word=noun, ends=ends).items():
        tagged = [(j, i) for j in at if (i := bisect_right(b.quote_ends, toks[j - 1].start) - 1) >= 0]
        if len(tagged) >= MIN_EPITHET_TAGS:
            found.append((tagged[0][0], prefix + word, [quotes[i].paragraph for _, i in tagged]))
    return {phrase: paras for _, phrase, paras in sorted(found)}


_PUNCT = frozenset(",.;:!?—")
_PRONOUN_REACH = 80
"""How far (characters) after "my NOUN" a "he" or "she" of the same sentence may be its own."""


def _pronoun_genders(b: BookContext, phrases: Mapping[str, object]) -> dict[str, Gender]:
    """The gender the narration gives each phrase the vocabulary does not know ("my convict …
    he"): the first "he" or "she" after its mentions, in the same sentence with no name
    between, male or female twice at least and more often than the other."""
    votes: dict[str, Counter] = defaultdict(Counter)
    toks = b.tokens
    for k in range(len(toks) - 1):
        phrase = f"my {toks[k + 1].lower}"
        if toks[k].lower != "my" or phrase not in phrases or b.in_quote(toks[k].start):
            continue
        end = toks[k + 1].end
        lo = bisect_right(b.mention_starts, end)
        for m in b.mentions[lo : lo + 4]:
            if m.start - end > _PRONOUN_REACH or re.search(r"[.!?;\n]", b.text[end : m.start]) or m.kind == "name":
                break
            if m.kind == "pron" and m.gender in _GENDERS:
                votes[phrase][m.gender] += 1
                break
    out: dict[str, Gender] = {}
    for phrase in phrases:
        (g, n), *rest = votes[phrase].most_common() or [("unknown", 0)]
        out[phrase] = _GENDERS[g] if n >= 2 and (not rest or n > rest[0][1]) else "unknown"
    return out


def _my_appositions(b: BookContext) -> list[tuple[str, str]]:
    """("my NOUN", character) for every "my NOUN, NAME," and "NAME, my NOUN," in the narration
    that is no list ("my aunt, Mr. Dick, and Janet")."""
    out = []
    for m in b.mentions:
        if m.kind != "name" or len(m.names) != 1 or m.possessive:
            continue
        told = _COPULA.match(b.text, m.end)
        if told and (told.group(1).lower() == "my") != b.in_quote(m.start):
            out.append((f"my {told.group(2).lower()}", m.names[0]))  # "Mr. Jaggers is your guardian?"
        if b.in_quote(m.start):
            continue
        before = _MY_BEFORE.search(b.text, max(0, m.start - 24), m.start)
        if before and not _LISTED.match(b.text, m.end):
            out.append((f"my {before.group(1).lower()}", m.names[0]))
        after = _MY_AFTER.match(b.text, m.end)
        if after and b.text[max(0, m.start - 2) : m.start].strip() != ",":
            out.append((f"my {after.group(1).lower()}", m.names[0]))
    return out


_MY_BEFORE = re.compile(r"\b[Mm]y ([a-z]+), \Z")
_MY_AFTER = re.compile(r", my ([a-z]+)(?=[,.;:!?—]|\s+(?:who|whose|of|was|had)\b)(?!, (?:and |or )?[A-Z])")
_COPULA = re.compile(r" (?:is|was|had been|has been) (?:made |now |still )?(my|your) ([a-z]+)\b(?!['’])")
_LISTED = re.compile(r",? (?:and|or) |, (?:and |or )?[A-Z]")
"""The name goes on into a list: ", Mr. Dick, and Janet", " and I"."""
