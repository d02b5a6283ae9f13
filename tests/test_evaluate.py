"""The evaluation harness scores exactly like the PDNC reference scorer (shared/eval/score.py):
every gold quote takes the predicted quote overlapping its spans most; names resolve
case-insensitively through the gold aliases; a name shared by several characters is wrong."""

from __future__ import annotations

import json
from pathlib import Path

from narrator.evaluate import (
    NovelResult,
    QuoteResult,
    evaluate_novel,
    format_report,
    name_resolver,
    run_eval,
    score_lines,
)
from narrator.types import Line, Segment

CHARACTERS = {
    "Emma": {"aliases": ["Emma", "Miss Woodhouse"], "gender": "F"},
    "Mr. Knightley": {
        "aliases": ["Mr. Knightley", "Knightley", "George"],
        "gender": "M",
    },
    "George Otway": {"aliases": ["George", "Mr. Otway"], "gender": "M"},
}


def line(start: int, end: int, speaker: str | None, kind: str = "quote") -> Line:
    return Line(
        1, Segment(start, end, kind, 0, "x" * (end - start)), speaker, 0.5, "test"
    )


def gold(
    qid: str, spans: list[list[int]], speaker: str, qtype: str = "explicit"
) -> dict:
    return {
        "id": qid,
        "start": spans[0][0],
        "end": spans[-1][1],
        "spans": spans,
        "text": "…",
        "speaker": speaker,
        "type": qtype,
    }


def test_resolver_aliases_case_and_ambiguity() -> None:
    """Aliases resolve case-insensitively; a shared alias is ambiguous unless it is a main name."""
    resolve = name_resolver(CHARACTERS)
    assert resolve("miss  woodhouse") == "Emma"
    assert resolve("KNIGHTLEY") == "Mr. Knightley"
    assert resolve("George") is None  # alias of two characters
    assert resolve("Harriet") is None
    assert resolve(None) is None


def test_matching_takes_largest_overlap() -> None:
    """A split gold quote goes to the prediction covering most of its spans."""
    lines = [
        line(0, 10, "Emma"),
        line(10, 20, None, "narration"),
        line(20, 60, "Knightley"),
    ]
    g = [
        gold("Q0", [[1, 9], [21, 30]], "Mr. Knightley")
    ]  # 8 chars with the first, 9 with the third
    r = score_lines(lines, g, CHARACTERS)
    assert r[0].correct and r[0].predicted == "Knightley"


def test_uncovered_and_ambiguous_are_wrong() -> None:
    lines = [line(0, 10, "George"), line(30, 40, "Emma")]
    g = [
        gold("Q0", [[1, 9]], "Mr. Knightley"),
        gold("Q1", [[15, 25]], "Emma", "implicit"),
        gold("Q2", [[31, 39]], "Emma", "anaphoric"),
    ]
    r = score_lines(lines, g, CHARACTERS)
    assert [q.correct for q in r] == [False, False, True]
    assert r[1].predicted is None  # not covered


def make_gold_dir(root: Path) -> Path:
    text = (
        "Chapter 1\n\nEmma sat by the fire, and Mr. Knightley stood at the window. Emma smiled at him.\n\n"
        '"You are late tonight," said Mr. Knightley.\n\n'
        '"I was with Harriet," said Emma. "She is well."\n\n'
        "Mr. Knightley nodded and looked at Emma for a while.\n\n"
        '"Good," he said.\n'
    )
    d = root / "Tiny"
    d.mkdir()
    (d / "text.txt").write_text(text, encoding="utf-8")
    (d / "characters.json").write_text(json.dumps(CHARACTERS), encoding="utf-8")
    quotes = []
    for i, (needle, who, qtype) in enumerate(
        [
            ("You are late tonight,", "Mr. Knightley", "explicit"),
            ("I was with Harriet,", "Emma", "explicit"),
            ("She is well.", "Emma", "implicit"),
            ("Good,", "Mr. Knightley", "anaphoric"),
        ]
    ):
        s = text.index(needle)
        quotes.append(gold(f"Q{i}", [[s, s + len(needle)]], who, qtype))
    (d / "quotes.jsonl").write_text(
        "".join(json.dumps(q) + "\n" for q in quotes), encoding="utf-8"
    )
    return d


def test_evaluate_novel_end_to_end(tmp_path: Path) -> None:
    """The harness runs the real pipeline on text.txt and scores every gold quote."""
    d = make_gold_dir(tmp_path)
    r = evaluate_novel(d)
    assert r.total == 4 and r.covered == 4
    assert r.correct == 4, [(q.gold, q.predicted, q.evidence) for q in r.quotes]
    assert r.by_type() == {"explicit": (2, 2), "implicit": (1, 1), "anaphoric": (1, 1)}
    assert evaluate_novel(d, gold_characters=True).correct == 4


def test_report_numbers_and_errors(tmp_path: Path) -> None:
    qs = (
        QuoteResult("Q0", "explicit", "Emma", "Emma", True, 0.9, "said Emma", "a"),
        QuoteResult(
            "Q1", "implicit", "Emma", "Mr. Knightley", False, 0.2, "turn-taking", "b"
        ),
        QuoteResult("Q2", "implicit", "Emma", None, False, None, "", "c"),
    )
    r = NovelResult("Tiny", qs, 0.5, 1000)
    text = format_report([r, r], errors=5)
    assert "33.3%" in text  # accuracy: 1 of 3
    assert "66.7%" in text  # recall: 2 of 3 covered
    assert "ALL (micro)" in text
    assert "gold='Emma' pred='Mr. Knightley'" in text
    assert "gold='Emma' pred=None" in text


def test_run_eval_one_call(tmp_path: Path) -> None:
    d = make_gold_dir(tmp_path)
    out = run_eval([d], gold_characters=False, errors=2)
    assert out.splitlines()[1].startswith("Tiny")
    assert "100.0%" in out
