"""Measure speaker attribution against a gold-annotated novel (PDNC layout).

A gold directory holds `text.txt`, `quotes.jsonl` (one quote per line: id, start, end, spans,
text, speaker, type) and `characters.json` ({name: {aliases, gender}}). The novel goes through
the same pipeline as `narrator script` (read_book → segment_book → attribute); scoring follows
the PDNC reference scorer (`score.py`) exactly: every gold quote takes the predicted quote
segment that overlaps its spans most; a predicted name counts when it resolves,
case-insensitively through the gold aliases, to the gold speaker (an alias shared by several
characters is wrong). Names are judged both ways the reference scorer offers: strict, and
lenient (`score.py --lenient`, the headline), which also accepts a name whose words all belong
to one character's name and "Narrator" for the character marked as first-person narrator.
"""

from __future__ import annotations

import bisect
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import NarratorError
from .types import Character, Gender, Line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TYPES = ("explicit", "anaphoric", "implicit")

Split = Mapping[str, tuple[str, ...]]
"""Group name ("train", "validation", …) → the novel folder names in it, in report order."""

PDNC_DEV_SPLIT: Split = {
    "train": ("AlicesAdventuresInWonderland", "Emma", "HardTimes", "NightAndDay", "TheAgeOfInnocence",
              "TheSignOfTheFour", "PrideAndPrejudice", "OliverTwist", "AnneOfGreenGables",
              "ThePictureOfDorianGray"),
    "validation": ("TheAwakening", "TheGambler", "TheInvisibleMan", "TheSportOfTheGods"),
}
"""The split of ../shared/eval/pdnc-dev (its README): data for the report and the trainer, which
nothing in attribution reads. Rules and weights are fitted on "train"; "validation" is only scored.
`narrator eval --split FILE` reads another split."""

GROUP_NOTES = {
    "train": "rules and weights are fitted on these: in-sample figures",
    "validation": "never fitted on, only scored: the held-out figures",
}


class SplitError(NarratorError):
    """A split file that cannot be read."""


@dataclass(frozen=True, slots=True)
class QuoteResult:
    id: str
    type: str
    gold: str
    predicted: str | None
    """None when no predicted quote segment overlaps the gold quote."""
    correct: bool
    """The predicted name resolves to the gold speaker, names judged leniently (the headline)."""
    correct_strict: bool
    """The same with strict names (main names and aliases only)."""
    confidence: float | None
    evidence: str
    text: str


@dataclass(frozen=True, slots=True)
class NovelResult:
    name: str
    quotes: tuple[QuoteResult, ...]
    seconds: float
    """Time spent in attribution (character discovery included)."""
    words: int
    characters: int = 0
    """Number of characters the attribution used."""

    @property
    def total(self) -> int:
        return len(self.quotes)

    @property
    def correct(self) -> int:
        return sum(q.correct for q in self.quotes)

    @property
    def correct_strict(self) -> int:
        return sum(q.correct_strict for q in self.quotes)

    @property
    def covered(self) -> int:
        return sum(q.predicted is not None for q in self.quotes)

    def by_type(self) -> dict[str, tuple[int, int]]:
        """type → (correct, total), lenient names."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for q in self.quotes:
            out[q.type][0] += q.correct
            out[q.type][1] += 1
        return {t: (c, n) for t, (c, n) in out.items()}


def _norm(name: str) -> str:
    return " ".join(str(name).split()).lower()


_TITLES = frozenset({
    "mr", "mrs", "miss", "ms", "dr", "the", "a", "an", "sir", "lady", "lord", "madame", "monsieur",
    "mme", "mlle", "m", "captain", "colonel", "professor", "old", "young", "little",
    "cousin", "uncle", "aunt", "aunty", "auntie", "granny", "grandpa", "grandma",
})
"""Words the lenient match drops from names: the reference scorer's list, kept equal to it."""
_NARRATOR_NAMES = frozenset({"narrator", "i", "me"})


def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(t for t in re.findall(r"[a-z0-9']+", _norm(name).replace("'s", "")) if t not in _TITLES)


def name_resolver(characters: dict, lenient: bool = False) -> Callable[[str | None], str | None]:
    """Predicted name → gold character (None when unknown or ambiguous), as the reference scorer.

    Lenient adds its two fallbacks for names the gold alias lists omit: a name whose words
    (titles and kinship words dropped) all belong to some name of exactly one character, and
    "Narrator" for the one character whose aliases include "_narr"."""
    owners: dict[str, set[str]] = defaultdict(set)
    for canon, info in characters.items():
        for alias in [canon, *info.get("aliases", [])]:
            owners[_norm(alias)].add(canon)
    mains = {_norm(c): c for c in characters}
    alias_tokens = [(canon, _name_tokens(a)) for canon, info in characters.items()
                    for a in [canon, *info.get("aliases", [])]]

    def resolve(name: str | None) -> str | None:
        if name is None:
            return None
        key = _norm(name)
        if key in mains:
            return mains[key]
        found = owners.get(key, set())
        if found or not lenient:
            return next(iter(found)) if len(found) == 1 else None
        if key in _NARRATOR_NAMES:
            narrators = owners.get("_narr", set())
            return next(iter(narrators)) if len(narrators) == 1 else None
        words = _name_tokens(name)
        fits = {canon for canon, tokens in alias_tokens if words and words <= tokens}
        return next(iter(fits)) if len(fits) == 1 else None

    return resolve


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score_lines(
    lines: Sequence[Line], gold: Sequence[dict], characters: dict
) -> list[QuoteResult]:
    """Match predicted quote lines to gold quotes exactly as the reference scorer does."""
    lenient, strict = name_resolver(characters, lenient=True), name_resolver(characters)
    preds = sorted(
        (ln for ln in lines if ln.speaker is not None and ln.segment.kind == "quote"),
        key=lambda ln: ln.segment.start,
    )
    starts = [ln.segment.start for ln in preds]
    results = []
    for q in gold:
        best, best_overlap = None, 0
        lo = max(0, bisect.bisect_left(starts, q["start"]) - 50)
        for p in preds[lo : bisect.bisect_right(starts, q["end"])]:
            s0, e0 = p.segment.start, p.segment.end
            ov = sum(max(0, min(e, e0) - max(s, s0)) for s, e in q["spans"])
            if ov > best_overlap:
                best, best_overlap = p, ov
        results.append(
            QuoteResult(
                str(q.get("id", "")),
                q.get("type", "unknown"),
                q["speaker"],
                None if best is None else best.speaker,
                best is not None and lenient(best.speaker) == q["speaker"],
                best is not None and strict(best.speaker) == q["speaker"],
                None if best is None else best.confidence,
                "" if best is None else best.evidence,
                str(q.get("text", "")),
            )
        )
    return results


def read_split(path: Path) -> dict[str, tuple[str, ...]]:
    """A split file: TOML with one list of novel folder names per group, e.g.
    ``train = ["Emma", …]`` and ``validation = […]``; groups are reported in file order."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SplitError(f"Cannot read split file {str(path)!r} ({e}); write TOML such as "
                         'train = ["NovelA"] and validation = ["NovelB"].') from e
    bad = [k for k, v in data.items() if not (isinstance(v, list) and all(isinstance(n, str) for n in v))]
    if bad:
        raise SplitError(f"Split file {str(path)!r}: {bad[0]!r} must be a list of novel folder names.")
    return {group: tuple(names) for group, names in data.items()}


def gold_character_list(characters: dict) -> tuple[Character, ...]:
    genders: dict[str, Gender] = {"M": "male", "F": "female"}
    return tuple(
        Character(
            name,
            tuple(info.get("aliases", ())),
            genders.get(str(info.get("gender", "")).upper(), "unknown"),
        )
        for name, info in characters.items()
    )


def evaluate_novel(gold_dir: Path, *, gold_characters: bool = False) -> NovelResult:
    """Run the pipeline on `gold_dir/text.txt` and score it against the gold quotes."""
    from .attribute import attribute
    from .ingest import read_book
    from .segment import segment_book

    gold_dir = Path(gold_dir)
    characters = json.loads((gold_dir / "characters.json").read_text(encoding="utf-8"))
    gold = load_jsonl(gold_dir / "quotes.jsonl")
    book = read_book(gold_dir / "text.txt")
    segments = segment_book(book)
    t0 = time.perf_counter()
    script = attribute(
        book,
        segments,
        characters=gold_character_list(characters) if gold_characters else None,
    )
    seconds = time.perf_counter() - t0
    return NovelResult(
        gold_dir.name,
        tuple(score_lines(script.lines, gold, characters)),
        seconds,
        len(book.text.split()),
        len(script.characters),
    )


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f}%" if b else "   - "


def _calibration(quotes: Sequence[QuoteResult]) -> tuple[str, str, str]:
    """The top and bottom deciles by confidence (share right, mean confidence), and the expected
    calibration error over the ten deciles: the mean gap between confidence and share right."""
    covered = sorted(
        (q for q in quotes if q.confidence is not None),
        key=lambda q: q.confidence or 0.0,
    )
    if not covered:
        return "-", "-", "-"
    k = max(1, len(covered) // 10)
    top, bottom = covered[-k:], covered[:k]

    def fmt(qs: Sequence[QuoteResult]) -> str:
        mean = sum(q.confidence or 0.0 for q in qs) / len(qs)
        return f"{_pct(sum(q.correct for q in qs), len(qs)).strip()} (conf {mean:.2f})"

    from .attribute.calibrate import expected_calibration_error

    ece = expected_calibration_error([q.confidence or 0.0 for q in covered], [q.correct for q in covered])
    return fmt(top), fmt(bottom), f"{100 * ece:.1f}"


@dataclass
class _Totals:
    """Sums over novels, printed as one row."""

    correct: int = 0
    strict: int = 0
    covered: int = 0
    total: int = 0
    seconds: float = 0.0
    words: int = 0
    types: Counter = field(default_factory=Counter)
    type_totals: Counter = field(default_factory=Counter)
    quotes: list[QuoteResult] = field(default_factory=list)

    def add(self, r: NovelResult) -> _Totals:
        self.correct += r.correct
        self.strict += r.correct_strict
        self.covered += r.covered
        self.total += r.total
        self.seconds += r.seconds
        self.words += r.words
        for t, (c, n) in r.by_type().items():
            self.types[t] += c
            self.type_totals[t] += n
        self.quotes.extend(r.quotes)
        return self

    def row(self, label: str) -> str:
        cells = "  ".join(f"{_pct(self.types[t], self.type_totals[t]):>8}" for t in TYPES)
        top, bottom, ece = _calibration(self.quotes)
        wps = self.words / self.seconds if self.seconds else 0.0
        return (
            f"{label[:28]:28} {_pct(self.correct, self.total):>7} {_pct(self.strict, self.total):>7}"
            f" {_pct(self.covered, self.total):>7} {self.total:5}  {cells}"
            f"  {self.seconds:5.2f} {wps:8.0f}  {top} / {bottom}  ECE {ece}"
        )


_HEADER = (
    f"{'novel':28} {'lenient':>7} {'strict':>7} {'recall':>7} {'n':>5}  {'explicit':>8} {'anaphor':>8}"
    f" {'implicit':>8}  {'sec':>5} {'words/s':>8}  calibration: top / bottom decile, ECE"
)
_FOOTNOTE = (
    "lenient/strict = speaker accuracy over all gold quotes, names judged as `score.py --lenient` / "
    "`score.py`;\nrecall = gold quotes overlapped by a predicted quote; explicit/anaphor/implicit and "
    "calibration use lenient names; sec = attribution time;\nECE = expected calibration error, the mean gap "
    "(points) between confidence and share right over the ten deciles of confidence"
)


def _groups(results: Sequence[NovelResult], split: Split | None) -> list[tuple[str | None, list[NovelResult]]]:
    """Results by split group, in the split's order; novels in no group come last, ungrouped."""
    if not split or not any(r.name in names for names in split.values() for r in results):
        return [(None, list(results))]
    groups: list[tuple[str | None, list[NovelResult]]] = [
        (g, [r for r in results if r.name in names]) for g, names in split.items()
    ]
    listed = {n for names in split.values() for n in names}
    groups.append(("other", [r for r in results if r.name not in listed]))
    return [(g, members) for g, members in groups if members]


def format_report(results: Sequence[NovelResult], errors: int = 0, split: Split | None = None) -> str:
    """Per-novel numbers and micro-averaged summaries (one per split group when `split` names
    the novels), then up to `errors` wrong cases per novel outside the validation group."""
    out = [_HEADER]
    groups = _groups(results, split)
    for group, members in groups:
        if group is not None:
            note = GROUP_NOTES.get(group, "")
            out.append(f"-- {group} ({len(members)} novels{'; ' + note if note else ''})")
        out += [_Totals().add(r).row(r.name) for r in members]
        if group is not None or len(members) > 1:
            totals = _Totals()
            for r in members:
                totals.add(r)
            out.append(totals.row(f"{(group or 'all').upper()} (micro)"))
    if len(groups) > 1:
        everything = _Totals()
        for r in results:
            everything.add(r)
        out.append(everything.row("ALL (micro)"))
    out.append(_FOOTNOTE)
    if errors:
        for group, members in groups:
            for r in members:
                if group != "validation":
                    out += _error_lines(r, errors)
    return "\n".join(out)


def _error_lines(r: NovelResult, errors: int) -> list[str]:
    wrong = [q for q in r.quotes if not q.correct][:errors]
    out = [f"\n{r.name}: {len(wrong)} of {r.total - r.correct} errors"] if wrong else []
    for q in wrong:
        text = " ".join(q.text.split())[:70]
        out.append(
            f"  {q.id:>6} {q.type[:4]:4} gold={q.gold!r} pred={q.predicted!r}"
            f' conf={q.confidence if q.confidence is not None else "-"} [{q.evidence}] "{text}"'
        )
    return out


def run_eval(
    dirs: Sequence[Path], *, gold_characters: bool = False, errors: int = 0, split: Split | None = None
) -> str:
    """Evaluate every gold directory and return the printable report (for `narrator eval`).

    `split` groups the report (default: the pdnc-dev split, used when it names the novels)."""
    results = [evaluate_novel(Path(d), gold_characters=gold_characters) for d in dirs]
    return format_report(results, errors=errors, split=PDNC_DEV_SPLIT if split is None else split) + "\n"
