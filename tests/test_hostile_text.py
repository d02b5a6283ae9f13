"""Small inputs that used to hang a text stage (issue 10, finding 4).

Each case runs in a child process with a deadline about 50 times what it needs now; the
quadratic code it replaces needed minutes to hours for the same input, so a failure here is
a hang, not a slow machine. Growth with input size is measured by bench/adversarial_bench.py.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 60.0


def finishes(code: str, tmp_path: Path) -> str:
    """Run `code` in a fresh interpreter with this checkout first on the path; its stdout."""
    script = tmp_path / "case.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=DEADLINE,
                              cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish in {DEADLINE:.0f} s (quadratic or worse)")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_heading_followed_by_a_long_run_of_spaces(tmp_path: Path) -> None:
    """58 s for 80,000 spaces before; 300,000 here would have taken about 15 minutes."""
    out = finishes("""
        from pathlib import Path
        from narrator.ingest import read_book
        path = Path("book.txt")
        path.write_text("Chapter 1" + " " * 300_000 + "\\n\\n" + "Story text. " * 10, encoding="utf-8")
        print([c.title for c in read_book(path).chapters])
    """, tmp_path)
    assert out.strip() == "['Chapter 1']"


def test_markdown_heading_with_a_long_run_of_spaces(tmp_path: Path) -> None:
    out = finishes("""
        from pathlib import Path
        from narrator.ingest import read_book
        path = Path("book.md")
        path.write_text("# Chapter 1" + " " * 300_000 + "x ##\\n\\n" + "Story text. " * 10, encoding="utf-8")
        print(read_book(path).chapters[0].title.split()[:2])
    """, tmp_path)
    assert out.strip() == "['Chapter', '1']"


def test_single_quote_paragraph_of_a_megabyte(tmp_path: Path) -> None:
    """Every "dogs' " copied the rest of the paragraph: 200 KB took 6 s, 1 MB minutes."""
    out = finishes("""
        from narrator.segment import segment_text
        text = "'Go " + "dogs' " * 170_000
        segments = segment_text(text, "single")
        assert "".join(s.text for s in segments) == text
        print(len(segments))
    """, tmp_path)
    assert int(out) >= 1
