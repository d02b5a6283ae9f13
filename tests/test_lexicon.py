"""Pronunciation lexicon: whole-word, case-aware respelling; regex rules; one-line errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from narrator.lexicon import Lexicon, LexiconError, find_lexicon, load_lexicon, merge


def lex(tmp_path: Path, text: str, name: str = "book.lexicon.toml") -> Lexicon:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_lexicon(path)


def test_words_whole_word_and_case_aware(tmp_path):
    lexicon = lex(tmp_path, '[words]\n"Hermione" = "her-my-oh-nee"\n"tsunade" = "tsoo-nah-deh"\n"Will" = "Wil"\n')
    assert lexicon.apply("Hermione's wand; Hermiones") == "her-my-oh-nee's wand; Hermiones"
    assert lexicon.apply("hermione") == "hermione"  # a key with capitals matches that case only
    assert lexicon.apply("Tsunade, TSUNADE and tsunade.") == "tsoo-nah-deh, tsoo-nah-deh and tsoo-nah-deh."
    assert lexicon.apply("Will you, Will?") == "Wil you, Wil?"
    assert lexicon.apply("will") == "will"


def test_replacements_are_not_replaced_again_and_longest_wins(tmp_path):
    lexicon = lex(tmp_path, '[words]\n"Anna" = "Hanna"\n"Hanna" = "X"\n"Anna Lee" = "Annalee"\n')
    assert lexicon.apply("Anna met Hanna and Anna Lee") == "Hanna met X and Annalee"


def test_regex_rules_run_in_order_with_groups(tmp_path):
    lexicon = lex(tmp_path, """
[words]
"Dr" = "Doctor"
[[regex]]
pattern = '(\\d+)%'
replace = '\\1 percent'
[[regex]]
pattern = 'percent'
replace = 'per cent'
""")
    assert lexicon.apply("Dr Who, 50% off") == "Doctor Who, 50 per cent off"


@pytest.mark.parametrize("text, message", [
    ('[words\n"a" = "b"', "not valid TOML"),
    ('[words]\n"a" = 3\n', r"\[words\] 'a': the respelling must be a string"),
    ('[[regex]]\npattern = "(unclosed"\nreplace = "x"\n', r"pattern '\(unclosed' is not a valid regular"),
    ('[[regex]]\npattern = "a"\nreplace = "\\\\2"\n', r"replace '\\\\2' is not valid"),
    ('[[regex]]\npattern = "a"\n', r"\[\[regex\]\] #1: give exactly pattern"),
    ('[sounds]\n', "unknown section 'sounds'"),
])
def test_malformed_lexicon_is_one_line_naming_file_and_entry(tmp_path, text, message):
    with pytest.raises(LexiconError, match=message) as info:
        lex(tmp_path, text, "bad.lexicon.toml")
    assert "bad.lexicon.toml" in str(info.value) and "\n" not in str(info.value)


def test_book_lexicon_is_found_beside_the_book(tmp_path):
    book = tmp_path / "story.md"
    assert find_lexicon(book) is None
    (tmp_path / "story.lexicon.toml").write_text('[words]\n"Anna" = "Ahna"\n', encoding="utf-8")
    assert find_lexicon(book).apply("Anna") == "Ahna"
    other = tmp_path / "other.toml"
    other.write_text('[words]\n"Anna" = "Annie"\n', encoding="utf-8")
    assert find_lexicon(book, other).apply("Anna") == "Annie"
    with pytest.raises(LexiconError, match="does not exist"):
        find_lexicon(book, tmp_path / "missing.toml")


def test_merge_later_wins():
    a = Lexicon((("Anna", "A1"), ("Tom", "T1")), (), "a")
    b = Lexicon((("Anna", "A2"),), (("x", "y"),), "b")
    assert merge([a, b]).apply("Anna Tom x") == "A2 T1 y"
    assert not Lexicon()


def test_catastrophic_backtracking_is_stopped_naming_file_and_rule(tmp_path, monkeypatch):
    """`(a+)+$` on a run of a's hung even `render --dry-run`; now the rule times out."""
    import narrator.lexicon as lexicon_module

    monkeypatch.setattr(lexicon_module, "RULE_TIMEOUT", 0.2)
    lexicon = lex(tmp_path, "[[regex]]\npattern = 'x'\nreplace = 'y'\n[[regex]]\npattern = '(a+)+$'\nreplace = 'b'\n",
                  "evil.lexicon.toml")
    assert lexicon.apply("aaa") == "b"  # harmless on ordinary lines
    with pytest.raises(LexiconError, match=r"evil\.lexicon\.toml' \[\[regex\]\] #2 '\(a\+\)\+\$' took over 0\.2 s") \
            as info:
        lexicon.apply("a" * 5000 + "!")
    assert "\n" not in str(info.value)


def test_rules_that_multiply_a_line_are_stopped(tmp_path):
    """26 doubling rules reached 5.3 GB; the line may grow to 8× plus 1,000 characters, no more."""
    rules = "".join("[[regex]]\npattern = '(.+)'\nreplace = '\\1\\1'\n" for _ in range(26))
    lexicon = lex(tmp_path, rules, "double.lexicon.toml")
    with pytest.raises(LexiconError, match=r"double\.lexicon\.toml' \[\[regex\]\] #5 .* longer than 1,800"):
        lexicon.apply("x" * 100)


def test_respellings_and_patterns_are_bounded(tmp_path):
    with pytest.raises(LexiconError, match="at most 1000 characters"):
        lex(tmp_path, f'[words]\n"Anna" = "{"a" * 1001}"\n')
    with pytest.raises(LexiconError, match="at most 1000 characters"):
        lex(tmp_path, f"[[regex]]\npattern = 'x'\nreplace = '{'y' * 1001}'\n")


def test_deeply_nested_toml_is_an_error_not_a_traceback(tmp_path):
    with pytest.raises(LexiconError, match="nests arrays or tables too deep") as info:
        lex(tmp_path, "x = " + "[" * 5000 + "]" * 5000 + "\n", "deep.lexicon.toml")
    assert "deep.lexicon.toml" in str(info.value)


def test_lexicon_patterns_keep_python_re_syntax(tmp_path):
    lexicon = lex(tmp_path, "[[regex]]\npattern = '(?P<n>\\d+)(?:st|nd|rd|th)\\b'\nreplace = '\\g<n>'\n"
                            "[[regex]]\npattern = '(?i)\\bmr\\.'\nreplace = 'Mister'\n")
    assert lexicon.apply("MR. Smith came 2nd") == "Mister Smith came 2"


def test_a_rule_that_silences_lines_is_one_warning_naming_file_rule_and_first_line(tmp_path, monkeypatch):
    """Issue 10: a rule that emptied a line was ignored without a word. The line is read as the
    book has it, and the render says which rule did it, how often, and where first."""
    from click.testing import CliRunner

    from narrator import cli as cli_module
    from narrator.cli import cli
    from tests.conftest import preset_fake_engine

    book = tmp_path / "harbour.txt"
    book.write_text('Chapter 1\n\n"Hmm," said Tom.\n\n"Hmm!" said Anna.\n\nThe "Anna" boat sailed.\n', encoding="utf-8")
    (tmp_path / "harbour.lexicon.toml").write_text("[words]\n\"Hmm\" = \"\"\n", encoding="utf-8")
    monkeypatch.setattr(cli_module, "_engine", lambda name: preset_fake_engine())
    result = CliRunner().invoke(cli, ["render", str(book), "--engine", "fake", "--dry-run"])
    assert result.exit_code == 0, result.output
    (warning,) = [row for row in result.output.splitlines() if "nothing to say" in row]
    offset = book.read_text().index('"Hmm,"')
    assert "harbour.lexicon.toml" in warning and "[words] 'Hmm'" in warning and "2 lines" in warning
    assert f"chapter 1, [{offset}]" in warning and "fix the rule" in warning
