"""The words attribution recognises: speech verbs and nouns, pronouns, honorifics, person nouns.

Every list that more than one step consults, and every list about speech, lives here, so a
reader who wants to know "which verbs make a speech tag?" looks in one place. Word lists that
belong to one heuristic of one step (e.g. the action verbs that show a name acts) stay private
in that step's module.
"""

from __future__ import annotations

# --- people: honorifics, pronouns, nouns for persons --------------------------------------

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

AFTER_OBJECT_HER = frozenset(
    "a an the to that why what how where when whether if for in into with and but or as by from "
    "on off up out down away back so not again this some all".split()
)
"""Words that follow "her" as an object ("asked her why", "startled her by saying", "gave her a"),
never as a possessive ("her head")."""

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
    "officer": "male",
    "servant": "unknown",
    "soldier": "male",
    "sailor": "male",
    "innkeeper": "unknown",
    "barman": "male",
    "barmaid": "female",
    "jailer": "male",
    "turnkey": "male",
    "watchman": "male",
    "doorkeeper": "unknown",
    "steward": "male",
    "stewardess": "female",
    "attendant": "unknown",
    "usher": "unknown",
    "bailiff": "male",
    "ostler": "male",
    "pedlar": "male",
    "stranger": "unknown",
    "visitor": "unknown",
    "newcomer": "unknown",
}
"""People named by their job, or as strangers: "the waiter", "the stranger" is usually someone not
otherwise named, so such a description is a speaker of its own (never the named partner of the
conversation), not a pointer to a character in focus."""
PERSON_NOUNS.update(ROLE_NOUNS)
GENERIC_NOUNS = frozenset(PERSON_NOUNS) - frozenset(ROLE_NOUNS)
"""Nouns for anyone ("the man", "the lady"), never one person's epithet."""

NOT_PERSONS = frozenset(
    "letter note paper card telegram message notice sign inscription book page newspaper clock "
    "bell door echo wind thing other one rest latter former cannot "
    "people crowd company party family group assembly audience mob jury court council committee "
    "board class chorus female male".split()
)
"""Nouns that a tag may make speak ("the letter said", "murmured the crowd") but that are no
one person."""

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

CLOSING_MARKS = "\"”’'»«“›‹"
"""Marks that end a quote in some convention (German »…« and „…“ close with « and “)."""

CLAUSE_OPENERS = frozenset("and but when while as then that so who".split())
"""Words after which a name opens a clause as its subject ("…, and Emma went")."""

# --- speech --------------------------------------------------------------------------------

SPEECH_VERBS = frozenset(
    """say says said saying ask asks asked asking reply replies replied replying answer answers
    answered answering cry cries cried exclaim exclaimed exclaims add added adds continue continued
    continues observe observed observes remark remarked remarks murmur murmured murmurs whisper
    whispered whispers shout shouted shouts call called calls mutter muttered mutters think thought
    inquire inquired enquire enquired echo echoed insist insisted interrupt interrupted suggest
    suggested declare declared protest protested urge urged plead pleaded groan groaned sigh sighed
    laugh laughed retort retorted growl growled snap snapped scream screamed yell yelled claim
    claimed stammer stammered muse mused reflect reflected conclude concluded explain explained
    agree agreed assent assented admit admitted respond responded demand demanded persist persisted
    resume resumed begin began interpose interposed return returned rejoin rejoined repeat repeated
    roar roared hiss hissed sob sobbed falter faltered venture ventured bellow bellowed
    announce announced gasp gasped chuckle chuckled giggle giggled grumble grumbled moan moaned
    object objected query queried quoth proceed proceeded pursue pursued breathe breathed
    exclaim cried sneer sneered snarl snarled shriek shrieked wail wailed howl howled squeak
    squeaked stutter stuttered drawl drawled purr purred mumble mumbled smile smiled grin grinned
    nod nodded sang sing chimed chime counter countered correct corrected confess confessed
    warn warned beg begged command commanded order ordered assure assured remind reminded
    affirm affirmed argue argued note noted state stated tell told told write wrote read
    recollect conjecture observed rang say pouted pout lisped lisp panted pant blurted
    stammered faltered urged hazarded hazard puffed""".split()
)
"""Verbs of a speech tag ("said Emma", "Emma whispered"). Some ninety more present forms for books
told in the present tense ("returns Mr. George", "Esther inquires", "proceeds the lawyer") were
measured and not kept (2026-12-01): narrator eval train 12402 -> 12403, validation identical, but
the trainer's leave-one-novel-out 12337 -> 12334 (strict 12299 -> 12296); forms that are as often
nouns after a name ("the Mingott claims": claims, orders, notes, states) must stay out in any case."""
SPEECH_NOUNS = frozenset(
    """reply answer response retort voice words question remark tone exclamation cry rejoinder
    comment statement voice's whisper shout murmur speech rebuttal greeting protest answer amendment
    injunction entreaty observation inquiry enquiry reproach suggestion request command warning
    salutation farewell exclamation assurance apology explanation interruption""".split()
)
"""Nouns of a possessive tag ("Tsunade's solemn reply", "was Mr. Woodhouse's first exclamation")."""
CONTINUATION_VERBS = frozenset(["went on"] +
    "added adds continued continues resumed proceeded pursued repeated persisted went".split()
)
"""A speaker going on with what they said ("he added"): usually the previous turn's speaker."""

PHRASAL_SPEECH = {
    "put": ("in",),
    "struck": ("in",),
    "cut": ("in",),
    "chimed": ("in",),
    "broke": ("in", "out", "forth"),
    "burst": ("out", "forth"),
    "went": ("on",),
}
"""Verbs that mean speech only with their particle: "put in" is speech, "put on his spectacles"
is not."""

ASPECT_VERBS = frozenset(
    "begin begins began continue continues continued proceed proceeds proceeded resume resumed "
    "return returned".split()
)
"""Verbs that take "to" and a speech verb to mean speech ("began to say"), not alone."""

WEAK_SPEECH_VERBS = frozenset(
    "think thought read write wrote told tell note noted smile smiled nod nodded laugh laughed "
    "sigh sighed return returned call called order ordered correct corrected".split()
)
"""Speech verbs that are as often gestures or other acts ("she smiled", "he called"): they
make a weaker tag."""

GESTURES = frozenset(
    "laugh laughed smile smiled nod nodded sigh sighed grin grinned think thought".split()
)
"""Gestures that pass for speech verbs in a tag ("she laughed"); a gesture tag before a
split quote does not end the quote."""

THOUGHT_VERBS = frozenset("thought think thinks mused reflected wondered".split())
"""'"Well done, Mrs. Martin!" thought Emma': the quote is thought, so nobody is addressed."""

SILENCE = (
    " silent",
    "silence",
    "said nothing",
    "no answer",
    "did not answer",
    "made no reply",
    "did not reply",
)
"""Phrases that make the mention of a tag the listener, not the speaker ("She was silent.").
Measured 2026-12-02, not kept: a ranker cue against the subject of such a sentence anywhere
since the last quote ("Emma made no answer. … "Robert Martin has no great loss"") took train
12409 -> 12421 at a hand-set -1.0, but the trainer fitted it to +0.11 and leave-one-novel-out
stayed 12340: the turn-taking cues already carry it."""
