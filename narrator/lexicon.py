"""Pronunciation lexicon: respell words the engine says wrong, before synthesis.

A per-book TOML file (`BOOK.lexicon.toml` beside the book, or `--lexicon FILE`)::

    [words]
    "Hermione" = "her-my-oh-nee"     # has capitals: matches exactly "Hermione" (and "Hermione's")
    "tsunade" = "tsoo-nah-deh"       # all lower case: matches any case (Tsunade, TSUNADE)

    [[regex]]                        # Python regular expressions, applied in file order
    pattern = '\\bDr\\.'
    replace = "Doctor"

Words match whole words only (never inside another word). All `[words]` entries are replaced in
one pass (a replacement is never itself replaced again; the longest key wins), then each
`[[regex]]` rule runs on the result of the previous one (`replace` may use `\\1`, `\\g<name>`).
Rules are untrusted input, so each is bounded: a rule that takes more than `RULE_TIMEOUT`
seconds on one line (catastrophic backtracking, e.g. `(a+)+$`) or makes a line longer than
`max_output(line)` (rules that double it) stops with a `LexiconError` naming the file and rule.
Patterns run on the `regex` module, which is `re`-compatible (V0) but can time out.

The respelled text is what the engine receives, so it is also what the line cache is keyed by:
changing an entry re-renders exactly the lines it touches. Subtitles keep the book's spelling.
"""
from __future__ import annotations

import hashlib
import re
import sys
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from .errors import CastError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LEXICON_SUFFIX = ".lexicon.toml"
RULE_TIMEOUT = 1.0
"""Seconds one [[regex]] rule may take on one line; a sensible rule takes microseconds."""
MAX_FILE_BYTES = 8 * 2**20
"""Largest lexicon file read (a 10,000-word lexicon is about 300 KB)."""
MAX_RESPELLING = 1000
"""Longest respelling or replacement, in characters."""


def max_output(line: str) -> int:
    """Longest a line may grow to under the lexicon: generous for respelling, not for doubling."""
    return 8 * len(line) + 1000


class LexiconError(CastError):
    """A lexicon file is malformed (bad TOML, a bad entry, a regular expression that fails)."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    words: tuple[tuple[str, str], ...] = ()
    regex: tuple[tuple[str, str], ...] = ()
    source: str = "lexicon"

    def __post_init__(self) -> None:
        _compiled(self)  # fail early, naming the entry

    def __bool__(self) -> bool:
        return bool(self.words or self.regex)

    def apply(self, text: str) -> str:
        """`text` with every entry applied (see the module docs for order and matching)."""
        last = deque(self.steps(text), maxlen=1)
        return last[0][1] if last else text

    def steps(self, text: str) -> Iterator[tuple[str, str]]:
        """What `apply` does, one rule at a time: (the rule, as messages name it; the text after
        it) for the [words] pass (when a word matched) and each [[regex]] rule, in order."""
        if not self:
            return
        words, table, rules = _compiled(self)
        if words is not None:
            matched: list[str] = []

            def respell(m: re.Match[str]) -> str:
                found = m.group(0)
                matched.append(found)
                return table[found] if found in table else table.get(found.lower(), found)

            text = words.sub(respell, text)
            if matched:
                names = list(dict.fromkeys(matched))
                shown = ", ".join(map(repr, names[:3])) + (", …" if len(names) > 3 else "")
                yield f"Lexicon {self.source!r} [words] {shown}", text
        limit = max_output(text)
        if len(text) > limit:
            raise LexiconError(f"Lexicon {self.source!r} [words]: respellings make a line longer than {limit:,} "
                               "characters; shorten them.")
        for number, ((pattern, replace), rule) in enumerate(zip(self.regex, rules), 1):
            where = f"Lexicon {self.source!r} [[regex]] #{number} {pattern!r}"
            try:
                text = rule.sub(replace, text, timeout=RULE_TIMEOUT)
            except TimeoutError:
                raise LexiconError(f"{where} took over {RULE_TIMEOUT:g} s on one line (nested repeats such as "
                                   "(a+)+ backtrack without end); simplify the pattern.") from None
            except (regex.error, IndexError) as e:
                raise LexiconError(f"{where}: replace {replace!r} fails: {e}.") from e
            if len(text) > limit:
                raise LexiconError(f"{where} makes a line longer than {limit:,} characters (each rule may "
                                   "respell, not multiply, the text); fix the rule.")
            yield where, text

    def digest(self) -> str:
        return hashlib.sha256(repr((self.words, self.regex)).encode()).hexdigest()


_CACHE: dict[Lexicon, tuple[re.Pattern[str] | None, dict[str, str], list[regex.Pattern[str]]]] = {}


def _compiled(lex: Lexicon) -> tuple[re.Pattern[str] | None, dict[str, str], list[regex.Pattern[str]]]:
    hit = _CACHE.get(lex)
    if hit is not None:
        return hit
    table: dict[str, str] = {}
    alternatives = []
    for key, value in sorted(lex.words, key=lambda kv: (-len(kv[0]), kv[0])):
        if key.islower() or not any(ch.isalpha() for ch in key):
            table[key.lower()] = value
            alternatives.append(f"(?i:{re.escape(key)})")
        else:
            table[key] = value
            alternatives.append(re.escape(key))
    words = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)") if alternatives else None
    rules = []
    for pattern, replace in lex.regex:
        try:
            rule = regex.compile(pattern, flags=regex.V0)
        except (regex.error, RecursionError, OverflowError, ValueError) as e:
            raise LexiconError(f"Lexicon {lex.source!r} [[regex]] pattern {pattern!r} is not a valid "
                               f"regular expression: {e}.") from e
        try:
            _same_groups(rule).sub(replace, "")  # parses the template: a bad \\3 or \\g<x> fails here
        except (re.error, IndexError) as e:
            raise LexiconError(f"Lexicon {lex.source!r} [[regex]] {pattern!r}: replace {replace!r} "
                               f"is not valid: {e}.") from e
        rules.append(rule)
    _CACHE[lex] = (words, table, rules)
    return _CACHE[lex]


def _same_groups(rule: regex.Pattern[str]) -> re.Pattern[str]:
    """An `re` pattern matching "" with the groups (and group names) of `rule`: `regex` only reads
    a replacement template when something matches, `re` reads it on any match."""
    names = {index: name for name, index in rule.groupindex.items()}
    return re.compile("".join(f"(?P<{names[i]}>)" if i in names else "()" for i in range(1, rule.groups + 1)))


def lexicon_from_dict(data: Mapping[str, Any], source: str) -> Lexicon:
    bad = set(data) - {"words", "regex"}
    if bad:
        raise LexiconError(f"Lexicon {source!r}: unknown section {sorted(bad)[0]!r}; "
                           "expected [words] and [[regex]].")
    words_table = data.get("words", {})
    if not isinstance(words_table, dict):
        raise LexiconError(f"Lexicon {source!r}: words must be a table ([words] \"Name\" = \"say-it\").")
    words = []
    for key, value in words_table.items():
        if not isinstance(value, str) or len(value) > MAX_RESPELLING:
            raise LexiconError(f"Lexicon {source!r} [words] {key!r}: the respelling must be a string of at most "
                               f"{MAX_RESPELLING} characters.")
        if not key.strip() or key != key.strip():
            raise LexiconError(f"Lexicon {source!r} [words] {key!r}: a word must be non-empty, "
                               "without spaces around it.")
        words.append((key, value))
    rules_list = data.get("regex", [])
    if not isinstance(rules_list, list):
        raise LexiconError(f"Lexicon {source!r}: regex must be an array of tables ([[regex]]).")
    rules = []
    for number, rule in enumerate(rules_list, 1):
        where = f"Lexicon {source!r} [[regex]] #{number}"
        if not isinstance(rule, dict) or set(rule) != {"pattern", "replace"}:
            raise LexiconError(f"{where}: give exactly pattern = \"…\" and replace = \"…\".")
        if not all(isinstance(rule[k], str) for k in ("pattern", "replace")) or not rule["pattern"]:
            raise LexiconError(f"{where}: pattern and replace must be strings (pattern non-empty).")
        if max(len(rule["pattern"]), len(rule["replace"])) > MAX_RESPELLING:
            raise LexiconError(f"{where}: pattern and replace may be at most {MAX_RESPELLING} characters.")
        rules.append((rule["pattern"], rule["replace"]))
    return Lexicon(tuple(words), tuple(rules), source)


def load_lexicon(path: Path) -> Lexicon:
    """Read a lexicon file; any problem is one `LexiconError` line naming the file and entry."""
    source = str(path)
    try:
        if Path(path).stat().st_size > MAX_FILE_BYTES:
            raise LexiconError(f"Lexicon file {source!r} is over {MAX_FILE_BYTES // 2**20} MB; a lexicon is a few "
                               "hundred KB. Give the right file.")
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LexiconError(f"Lexicon file {source!r} does not exist.") from None
    except UnicodeDecodeError:
        raise LexiconError(f"Lexicon file {source!r} is not UTF-8 text.") from None
    except OSError as e:
        raise LexiconError(f"Lexicon file {source!r} cannot be read: {e.strerror}.") from e
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LexiconError(f"Lexicon file {source!r} is not valid TOML: {e}. Fix that line and try again.") from e
    except RecursionError:  # tomllib recurses once per nesting level: "x = [[[[…" 5,000 deep
        raise LexiconError(f"Lexicon file {source!r} nests arrays or tables too deep to be a lexicon; "
                           "fix the file.") from None
    return lexicon_from_dict(data, source)


def default_lexicon_file(book_path: Path) -> Path:
    return Path(book_path).with_name(Path(book_path).stem + LEXICON_SUFFIX)


def find_lexicon(book_path: Path | None, explicit: Path | None = None) -> Lexicon | None:
    """The `--lexicon` file if given, else `BOOK.lexicon.toml` beside the book if it exists."""
    if explicit is not None:
        return load_lexicon(explicit)
    if book_path is not None and default_lexicon_file(book_path).is_file():
        return load_lexicon(default_lexicon_file(book_path))
    return None


def merge(lexicons: Sequence[Lexicon]) -> Lexicon:
    """Later lexicons override earlier ones word by word; regex rules run in order."""
    words: dict[str, str] = {}
    rules: list[tuple[str, str]] = []
    for lex in lexicons:
        words.update(lex.words)
        rules.extend(lex.regex)
    return Lexicon(tuple(words.items()), tuple(rules), " + ".join(x.source for x in lexicons))


__all__ = ["Lexicon", "LexiconError", "default_lexicon_file", "find_lexicon", "lexicon_from_dict",
           "load_lexicon", "merge"]
