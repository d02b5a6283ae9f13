"""Speech tags: the narration right before or after a quote that says who speaks.

Forms recognised (M = a mention: name, pronoun or description):
  after a quote   `, said M` / `, M said` / `, M, stubborn as always, boldly claimed` /
                  `M's solemn reply` / `M's voice dripped` / `M butted her head` (action beat)
  before a quote  `M called out, "` / `M turned to her and said: "` / `M sighed. "` (action beat)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

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
    recollect conjecture observed rang say""".split()
)
SPEECH_NOUNS = frozenset(
    """reply answer response retort voice words question remark tone exclamation cry rejoinder
    comment statement voice's whisper shout murmur speech rebuttal greeting protest answer
    injunction entreaty observation inquiry enquiry reproach suggestion request command warning
    salutation farewell exclamation assurance apology explanation interruption""".split()
)
CONTINUATION_VERBS = frozenset("added adds continued continues resumed proceeded pursued repeated persisted went".split())
_PARTICLES = frozenset("out up back again on in softly quietly aloud slowly".split())

LEAD_IN_END = re.compile(r"[,:;—–-]\s*$|\b(?:said|says|asked|cried|replied|answered|exclaimed|saying|whispered|added)\s*$")
AFTER_START = re.compile(r"^[\s,;:—–\-]*")


@dataclass(frozen=True, slots=True)
class Tag:
    """Evidence that a mention is the speaker of a quote."""

    mention: int
    """Index of the mention in the book's mention list."""
    kind: str
    """said-after, said-before, possessive, lead-in, beat-after, beat-before, paragraph."""
    verb: str = ""
