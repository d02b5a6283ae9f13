"""A deterministic synthetic novel for benchmarks: chapters of uneven length, narration and
dialogue, several named characters with speech tags, built from a word list and templates."""
from __future__ import annotations

import random

NAMES = ("Anna", "Tobias", "Martha", "Elias", "Priya", "Jonah")
_NOUNS = ("harbour lamp rope boat window stair kettle letter map storm tide reef lantern coat "
          "table door road hill field river bridge garden market bell clock shelf candle bread "
          "ship sail wind rain morning evening island cottage fence chimney orchard wall path "
          "book ledger key basket net cart mill well stone").split()
_ADJS = ("old quiet grey narrow bright cold warm small heavy wet broken distant careful patient "
         "tired crooked silver hollow steady sudden faint").split()
_VERBS = ("watched crossed carried opened mended counted found lifted followed remembered "
          "closed dragged painted folded locked gathered turned").split()
_ADVS = "slowly quietly again carefully at last once more without a word for a while".split(" ")
_SAYS = ("said", "replied", "asked", "whispered", "answered", "called")


def _sentence(rng: random.Random) -> str:
    a, b = rng.sample(_NOUNS, 2)
    form = rng.randrange(4)
    if form == 0:
        return f"The {rng.choice(_ADJS)} {a} {rng.choice(('was', 'seemed', 'stood'))} {rng.choice(_ADJS)} by the {b}."
    if form == 1:
        return f"{rng.choice(NAMES)} {rng.choice(_VERBS)} the {a} and the {rng.choice(_ADJS)} {b}."
    if form == 2:
        return f"Beyond the {a} the {b} {rng.choice(_VERBS)} nothing {rng.choice(_ADVS)}."
    return f"Nobody {rng.choice(_VERBS)} the {rng.choice(_ADJS)} {a} that {rng.choice(('day', 'night', 'winter'))}."


def _clause(rng: random.Random) -> str:
    a, b = rng.sample(_NOUNS, 2)
    return rng.choice((
        f"the {a} is {rng.choice(_ADJS)} again",
        f"we should take the {rng.choice(_ADJS)} {a} down to the {b}",
        f"I never {rng.choice(_VERBS)} that {a} by the {b}",
        f"you left the {a} where the {rng.choice(_ADJS)} {b} was",
        f"somebody {rng.choice(_VERBS)} the {a} {rng.choice(_ADVS)}",
    ))


def _speech(rng: random.Random) -> str:
    """Two clauses, so lines rarely repeat (repeats would flatter the line cache)."""
    first, second = _clause(rng), _clause(rng)
    if rng.random() < 0.3:
        return f"Have you heard that {first}, or that {second}"
    return f"{first[0].upper()}{first[1:]}, and {second}"


def _paragraph(rng: random.Random) -> str:
    kind = rng.random()
    name = rng.choice(NAMES)
    if kind < 0.45:
        return " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
    line = _speech(rng)
    if kind < 0.75:
        end = "?" if line.startswith("Have") else ","
        return f"\u201c{line}{end}\u201d {rng.choice(_SAYS)} {name}. \u201c{_speech(rng)}.\u201d"
    return f"{name} {rng.choice(_VERBS)} the {rng.choice(_NOUNS)}. \u201c{line}.\u201d"


def make_book(words: int, chapters: int = 20, seed: int = 7, title: str = "The Long Tide") -> str:
    """Markdown text of about `words` words in `chapters` chapters of uneven length (the longest
    about three times the shortest), the same for the same arguments."""
    rng = random.Random(seed)
    weights = [1.0 + 2.0 * ((i * 7) % chapters) / max(1, chapters - 1) for i in range(chapters)]
    scale = words / sum(weights)
    out = [f"---\ntitle: {title}\nauthor: Bench Writer\n---\n"]
    for number, weight in enumerate(weights, 1):
        out.append(f"\n## Chapter {number}\n")
        target, count = int(weight * scale), 0
        while count < target:
            paragraph = _paragraph(rng)
            count += len(paragraph.split())
            out.append("\n" + paragraph + "\n")
    return "".join(out)
