"""Measure speaker attribution against a gold-annotated novel (PDNC layout).

A gold directory holds `text.txt`, `quotes.jsonl` (one quote per line: id, start, end, spans,
text, speaker, type) and `characters.json` ({name: {aliases, gender}}). The novel goes through
the same pipeline as `narrator script` (read_book → segment_book → attribute); scoring follows
the PDNC reference scorer exactly: every gold quote takes the predicted quote segment that
overlaps its spans most; a predicted name counts when it resolves, case-insensitively through
the gold aliases, to the gold speaker (an alias shared by several characters is wrong).
"""

from __future__ import annotations

import bisect
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .types import Character, Gender, Line

TYPES = ("explicit", "anaphoric", "implicit")


@dataclass(frozen=True, slots=True)
class QuoteResult:
    id: str
    type: str
    gold: str
    predicted: str | None
    """None when no predicted quote segment overlaps the gold quote."""
    correct: bool
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
    def covered(self) -> int:
        return sum(q.predicted is not None for q in self.quotes)

    def by_type(self) -> dict[str, tuple[int, int]]:
        """type → (correct, total)."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for q in self.quotes:
            out[q.type][0] += q.correct
            out[q.type][1] += 1
        return {t: (c, n) for t, (c, n) in out.items()}


def _norm(name: str) -> str:
    return " ".join(str(name).split()).lower()


def name_resolver(characters: dict) -> Callable[[str | None], str | None]:
    """Predicted name → gold character (None when unknown or ambiguous), as the reference scorer."""
    owners: dict[str, set[str]] = defaultdict(set)
    for canon, info in characters.items():
        for alias in [canon, *info.get("aliases", [])]:
            owners[_norm(alias)].add(canon)
    mains = {_norm(c): c for c in characters}

    def resolve(name: str | None) -> str | None:
        if name is None:
            return None
        key = _norm(name)
        if key in mains:
            return mains[key]
        found = owners.get(key, set())
        return next(iter(found)) if len(found) == 1 else None

    return resolve


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score_lines(
    lines: Sequence[Line], gold: Sequence[dict], characters: dict
) -> list[QuoteResult]:
    """Match predicted quote lines to gold quotes exactly as the reference scorer does."""
    resolve = name_resolver(characters)
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
        ok = best is not None and resolve(best.speaker) == q["speaker"]
        results.append(
            QuoteResult(
                str(q.get("id", "")),
                q.get("type", "unknown"),
                q["speaker"],
                None if best is None else best.speaker,
                ok,
                None if best is None else best.confidence,
                "" if best is None else best.evidence,
                str(q.get("text", "")),
            )
        )
    return results


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


def _calibration(quotes: Sequence[QuoteResult]) -> tuple[str, str]:
    covered = sorted(
        (q for q in quotes if q.confidence is not None),
        key=lambda q: q.confidence or 0.0,
    )
    k = max(1, len(covered) // 10)
    if not covered:
        return "-", "-"
    top, bottom = covered[-k:], covered[:k]

    def fmt(qs: Sequence[QuoteResult]) -> str:
        mean = sum(q.confidence or 0.0 for q in qs) / len(qs)
        return f"{_pct(sum(q.correct for q in qs), len(qs)).strip()} (conf {mean:.2f})"

    return fmt(top), fmt(bottom)


@dataclass
class _Totals:
    correct: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)


def format_report(results: Sequence[NovelResult], errors: int = 0) -> str:
    """Per-novel and overall (micro-averaged) numbers, then up to `errors` wrong cases per novel."""
    out = []
    header = (
        f"{'novel':28} {'acc':>6} {'recall':>7} {'n':>5}  {'explicit':>8} {'anaphor':>8} {'implicit':>8}"
        f"  {'sec':>5} {'words/s':>8}  calibration top/bottom decile"
    )
    out.append(header)
    tot = _Totals()
    all_quotes: list[QuoteResult] = []
    seconds = 0.0
    words = 0
    for r in results:
        bt = r.by_type()
        cells = "  ".join(f"{_pct(*bt.get(t, (0, 0))):>8}" for t in TYPES)
        top, bottom = _calibration(r.quotes)
        wps = r.words / r.seconds if r.seconds else 0.0
        out.append(
            f"{r.name[:28]:28} {_pct(r.correct, r.total):>6} {_pct(r.covered, r.total):>7} {r.total:5}  {cells}"
            f"  {r.seconds:5.2f} {wps:8.0f}  {top} / {bottom}"
        )
        tot.correct["all"] += r.correct
        tot.total["all"] += r.total
        tot.correct["covered"] += r.covered
        for t, (c, n) in bt.items():
            tot.correct[t] += c
            tot.total[t] += n
        all_quotes.extend(r.quotes)
        seconds += r.seconds
        words += r.words
    if len(results) > 1:
        cells = "  ".join(f"{_pct(tot.correct[t], tot.total[t]):>8}" for t in TYPES)
        top, bottom = _calibration(all_quotes)
        wps = words / seconds if seconds else 0.0
        out.append(
            f"{'ALL (micro)':28} {_pct(tot.correct['all'], tot.total['all']):>6} "
            f"{_pct(tot.correct['covered'], tot.total['all']):>7} {tot.total['all']:5}  {cells}"
            f"  {seconds:5.2f} {wps:8.0f}  {top} / {bottom}"
        )
    out.append(
        "acc = speaker accuracy over all gold quotes; recall = gold quotes overlapped by a predicted quote;"
        " sec = attribution time"
    )
    if errors:
        for r in results:
            wrong = [q for q in r.quotes if not q.correct][:errors]
            if wrong:
                out.append(f"\n{r.name}: {len(wrong)} of {r.total - r.correct} errors")
            for q in wrong:
                text = " ".join(q.text.split())[:70]
                out.append(
                    f"  {q.id:>6} {q.type[:4]:4} gold={q.gold!r} pred={q.predicted!r}"
                    f' conf={q.confidence if q.confidence is not None else "-"} [{q.evidence}] "{text}"'
                )
    return "\n".join(out)


def run_eval(
    dirs: Sequence[Path], *, gold_characters: bool = False, errors: int = 0
) -> str:
    """Evaluate every gold directory and return the printable report (for `narrator eval`)."""
    results = [evaluate_novel(Path(d), gold_characters=gold_characters) for d in dirs]
    return format_report(results, errors=errors) + "\n"
