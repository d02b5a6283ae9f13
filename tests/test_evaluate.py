"""The evaluation harness scores exactly like the PDNC reference scorer (shared/eval/score.py):
every gold quote takes the predicted quote overlapping its spans most; names resolve
case-insensitively through the gold aliases; a name shared by several characters is wrong;
lenient names (`score.py --lenient`) also accept a name made of one character's name words and
"Narrator" for the first-person narrator."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from narrator.cli import cli
from narrator.errors import NarratorError
from narrator.evaluate import (
    PDNC_DEV_SPLIT,
    NovelResult,
    QuoteResult,
    evaluate_novel,
    format_report,
    name_resolver,
    read_split,
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
        QuoteResult("Q0", "explicit", "Emma", "Emma", True, True, 0.9, "said Emma", "a"),
        QuoteResult(
            "Q1", "implicit", "Emma", "Mr. Knightley", False, False, 0.2, "turn-taking", "b"
        ),
        QuoteResult("Q2", "implicit", "Emma", None, False, False, None, "", "c"),
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


def test_lenient_names_like_the_reference_scorer() -> None:
    """Lenient: a name whose words (titles dropped) all belong to one character's name, and
    "Narrator" for the character marked "_narr"; strict accepts neither."""
    chars = {
        "Tobias Grey": {"aliases": ["Mr. Grey"], "gender": "M"},
        "Martha Grey": {"aliases": ["Mrs. Grey"], "gender": "F"},
        "Ann Piper": {"aliases": ["_narr"], "gender": "F"},
    }
    lenient, strict = name_resolver(chars, lenient=True), name_resolver(chars)
    assert lenient("Tobias") == lenient("Uncle Tobias") == "Tobias Grey"
    assert strict("Tobias") is None
    assert lenient("Grey") is None  # words of two characters' names: ambiguous
    assert lenient("Narrator") == lenient("I") == "Ann Piper"
    assert strict("Narrator") is None
    assert lenient("mr. grey") == strict("mr. grey") == "Tobias Grey"
    assert lenient("Tobias Smith") is None


FIRST_PERSON = (
    "Chapter 1\n\nTobias mended the net by the stove while I watched the rain on the window.\n\n"
    '"The boats will not go out tomorrow," said Tobias.\n\n'
    '"Then we shall have a quiet day," I said.\n\n'
    "Martha came in with the lamp and set it on the table beside the net.\n\n"
    '"Supper is cold," said Martha.\n'
)
FIRST_PERSON_CHARS = {
    "Tobias Grey": {"aliases": ["Mr. Grey"], "gender": "M"},
    "Martha": {"aliases": ["Martha"], "gender": "F"},
    "Ann Piper": {"aliases": ["_narr"], "gender": "F"},
}


def write_gold(root: Path, name: str, text: str, characters: dict, quotes: list[tuple[str, str, str]]) -> Path:
    """A gold folder in the PDNC layout; each quote as (exact words inside the marks, speaker, type)."""
    d = root / name
    d.mkdir()
    (d / "text.txt").write_text(text, encoding="utf-8")
    (d / "characters.json").write_text(json.dumps(characters), encoding="utf-8")
    rows = []
    for i, (needle, who, qtype) in enumerate(quotes):
        s = text.index(needle)
        rows.append(gold(f"Q{i}", [[s, s + len(needle)]], who, qtype))
    (d / "quotes.jsonl").write_text("".join(json.dumps(q) + "\n" for q in rows), encoding="utf-8")
    return d


def test_eval_judges_lenient_and_strict(tmp_path: Path) -> None:
    """"said Tobias" (gold "Tobias Grey") and "I said" (gold: the narrator) count leniently only."""
    d = write_gold(tmp_path, "FirstPerson", FIRST_PERSON, FIRST_PERSON_CHARS, [
        ("The boats will not go out tomorrow,", "Tobias Grey", "explicit"),
        ("Then we shall have a quiet day,", "Ann Piper", "explicit"),
        ("Supper is cold,", "Martha", "explicit"),
    ])
    r = evaluate_novel(d)
    assert [q.predicted for q in r.quotes] == ["Tobias", "I", "Martha"]
    assert [q.correct for q in r.quotes] == [True, True, True]
    assert [q.correct_strict for q in r.quotes] == [False, False, True]
    report = format_report([r])
    assert "100.0%   33.3%" in report.splitlines()[1]


SCORE_PY = next((p / "shared/eval/score.py" for p in Path(__file__).resolve().parents
                 if (p / "shared/eval/score.py").is_file()), None)
"""The PDNC reference scorer, found when the project's shared folder is beside the checkout."""


def test_per_novel_figures_equal_the_reference_scorer(tmp_path: Path) -> None:
    """The predictions `narrator script --format jsonl` writes, scored by score.py (when the
    shared folder is beside the checkout), give exactly the eval's per-novel figures."""
    if SCORE_PY is None:
        pytest.skip("the reference scorer is not beside this checkout")
    spec = importlib.util.spec_from_file_location("pdnc_score", SCORE_PY)
    assert spec and spec.loader
    score_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score_py)
    d = write_gold(tmp_path, "FirstPerson", FIRST_PERSON, FIRST_PERSON_CHARS, [
        ("The boats will not go out tomorrow,", "Tobias Grey", "explicit"),
        ("Then we shall have a quiet day,", "Ann Piper", "explicit"),
        ("Supper is cold,", "Martha", "anaphoric"),
        ("Tobias mended the net", "Martha", "implicit"),  # narration: not covered
    ])
    result = CliRunner().invoke(cli, ["script", str(d / "text.txt"), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    preds = [json.loads(row) for row in result.output.splitlines()]
    r = evaluate_novel(d)
    for lenient, mine in ((True, r.correct), (False, r.correct_strict)):
        ref = score_py.score(preds, d, lenient=lenient)
        assert ref["counts"] == {"correct": mine, "covered": r.covered}
        assert ref["by_type"]["explicit"]["correct"] == sum(
            q.correct if lenient else q.correct_strict for q in r.quotes if q.type == "explicit")
    assert (r.correct, r.correct_strict, r.covered) == (3, 1, 3)


def test_report_sums_train_and_validation_apart(tmp_path: Path) -> None:
    """With a split, each group gets its own micro-averaged row; validation errors are not printed."""
    right = QuoteResult("Q0", "explicit", "Emma", "Emma", True, True, 0.9, "said Emma", "a")
    wrong = QuoteResult("Q1", "implicit", "Emma", "Bo", False, False, 0.2, "turn-taking", "b")
    results = [NovelResult("A", (right, right), 0.1, 10), NovelResult("B", (right, wrong), 0.1, 10),
               NovelResult("C", (wrong, wrong), 0.1, 10), NovelResult("D", (right,), 0.1, 10)]
    text = format_report(results, errors=3, split={"train": ("A", "B"), "validation": ("C",)})
    rows = {line.split("  ")[0].strip(): line for line in text.splitlines()}
    assert " 75.0%" in rows["TRAIN (micro)"]
    assert "  0.0%" in rows["VALIDATION (micro)"]
    assert "OTHER (micro)" in rows and "ALL (micro)" in rows
    assert text.index("-- train") < text.index("-- validation") < text.index("-- other")
    assert "\nB: 1 of 1 errors" in text and "\nC:" not in text


def test_split_file_and_default_split(tmp_path: Path) -> None:
    path = tmp_path / "split.toml"
    path.write_text('train = ["A", "B"]\nvalidation = ["C"]\n', encoding="utf-8")
    assert read_split(path) == {"train": ("A", "B"), "validation": ("C",)}
    path.write_text('train = "A"\n', encoding="utf-8")
    with pytest.raises(NarratorError, match="list of novel folder names"):
        read_split(path)
    assert len(PDNC_DEV_SPLIT["train"]) == 10 and len(PDNC_DEV_SPLIT["validation"]) == 4
    assert not set(PDNC_DEV_SPLIT["train"]) & set(PDNC_DEV_SPLIT["validation"])


def test_report_prints_the_expected_calibration_error() -> None:
    """ECE: over the ten deciles of confidence, the mean gap between confidence and share right.
    Twenty quotes at 0.9 of which half are right are 40 points overconfident; at 0.5, calibrated."""
    def quotes(conf: float) -> tuple[QuoteResult, ...]:
        return tuple(QuoteResult(f"Q{i}", "implicit", "Emma", "Emma" if i % 2 else "Tom", bool(i % 2),
                                 bool(i % 2), conf, "turn-taking", "a") for i in range(20))

    assert format_report([NovelResult("Sure", quotes(0.9), 0.5, 1000)]).splitlines()[1].endswith("ECE 40.0")
    assert format_report([NovelResult("Fair", quotes(0.5), 0.5, 1000)]).splitlines()[1].endswith("ECE 0.0")
