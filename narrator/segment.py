"""Split chapter text into narration and quoted dialogue.

Invariant: the segments of a chapter tile its text exactly (no gap, no overlap, nothing
dropped), whatever the input — unbalanced quotes included. Quotes never cross a paragraph
break: a quote continued over several paragraphs (the opening mark repeated, no closing mark)
gives one quote segment per paragraph, which is also how the listener hears it. So a stray or
missing mark can put the pairing out of step for the rest of its paragraph only; every
paragraph starts afresh.

The dialogue convention is chosen once per book from the text itself (`detect_quote_style`):
double quotes (straight or curly), British single quotes (apostrophes told apart), guillemets
«…» (French) or »…« (German), low-high quotes „…“, or quotation dashes, where a paragraph
opens with a dash and the speech runs to the end of the paragraph or to a speech tag
("—Yes, he said. —No.", "—Sí —dijo él—. No.").
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .attribute.vocabulary import SPEECH_VERBS
from .types import Book, Chapter, Segment

QuoteStyle = Literal["double", "single", "guillemets", "reversed", "low", "dash"]

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_NEWLINE = re.compile(r"\n\s*")
_LINE_START = re.compile(r"\n([ \t]*)(?=\S)")
_NEXT_NON_SPACE = re.compile(r"[^ ]")
_OPEN_CONTEXT = " \t\n([{—–-:;,/*_\u00a0"
"""Characters after which a straight quote mark opens a quote."""
_WORD = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class _Pair:
    """Opening and closing marks of one quote convention."""

    opens: str
    closes: str
    straight: str = ""
    """The ambiguous mark that may do both ("" when none)."""
    reopen: bool = True
    """A second opening mark before any closing one means the first quote lost its end."""
    continues: str = ""
    """Marks that, opening a paragraph after one whose quote was left open, continue that quote
    (besides the opening marks): French repeats the closing guillemet."""


_DOUBLE = _Pair(opens="“«„", closes="”»", straight='"')
_SINGLE = _Pair(opens="‘‹", closes="’›", straight="'", reopen=False)
_GUILLEMETS = _Pair(opens="«", closes="»", continues="»")
_REVERSED = _Pair(opens="»", closes="«")
_LOW = _Pair(opens="„", closes="“”")
_PAIRS: dict[str, _Pair] = {
    "double": _DOUBLE, "single": _SINGLE, "guillemets": _GUILLEMETS, "reversed": _REVERSED, "low": _LOW,
}


def segment_book(book: Book) -> dict[int, tuple[Segment, ...]]:
    """Segments of every chapter, keyed by chapter index; paragraphs numbered book-wide."""
    style = detect_quote_style(book.text)
    layout = paragraph_layout(book.text)
    result: dict[int, tuple[Segment, ...]] = {}
    paragraph = 0
    cuts = _Cuts(book.unspoken)
    for chapter in book.chapters:
        segments = tuple(
            _segment_range(book.text, chapter, style, layout, paragraph, cuts.within(chapter.start, chapter.end))
        )
        result[chapter.index] = segments
        if segments:
            paragraph = segments[-1].paragraph + 1
    return result


class _Cuts:
    """The book's unspoken ranges, found per chapter by bisection: each chapter sees only the
    ranges with a bound inside it, so segmenting stays linear in the number of chapters."""

    def __init__(self, ranges: tuple[tuple[int, int], ...]) -> None:
        self.by_start = sorted(ranges)
        self.starts = [s for s, _ in self.by_start]
        self.by_end = sorted(ranges, key=lambda r: (r[1], r[0]))
        self.ends = [e for _, e in self.by_end]

    def within(self, start: int, end: int) -> tuple[tuple[int, int], ...]:
        """The ranges with a bound b such that start < b < end (the only ones that cut [start, end))."""
        found = set(self.by_start[bisect_right(self.starts, start):bisect_left(self.starts, end)])
        found.update(self.by_end[bisect_right(self.ends, start):bisect_left(self.ends, end)])
        return tuple(sorted(found))


def segment_text(text: str, style: QuoteStyle | None = None) -> tuple[Segment, ...]:
    """Segments of a standalone text (one chapter covering all of it)."""
    chapter = Chapter(index=1, title="", start=0, end=len(text), heading_end=0)
    style = style or detect_quote_style(text)
    return tuple(_segment_range(text, chapter, style, paragraph_layout(text), 0))


_SINGLE_OPEN = re.compile(r"(?:^|[\s(—])[‘'](?=\w)")
_SINGLE_LINE = re.compile(r"(?m)^[ \t]*[‘'](?=\w)")
_DOUBLE_LINE = re.compile(r'(?m)^[ \t]*["“]')
_GUILLEMET_OPEN = re.compile(r"(?:^|[\s(—])«")
_REVERSED_OPEN = re.compile(r"(?:^|[\s(—])»(?=\w)")
_DASH_LINE = re.compile(r"(?m)^[ \t]*(?:[—―–]|--)[ \u00a0]?(?=[^\W\d_])")
"""A line that opens with a quotation dash and a word: "—Yes", "– Ja", "--Well"."""


def detect_quote_style(text: str) -> QuoteStyle:
    """The book's dialogue convention, judged on its whole text.

    Double quotes unless another convention clearly opens more quotes: each count is in marks,
    about two per quote (a dash line counts two, as it opens a quote with one mark and the
    paragraph's end closes it). Single quotes need the most evidence, because apostrophes look
    like them: many more of them than double marks, or many more lines opening with one."""
    double = sum(text.count(c) for c in '"“”')
    others = {
        "guillemets": 2 * len(_GUILLEMET_OPEN.findall(text)),
        "reversed": 2 * len(_REVERSED_OPEN.findall(text)),
        "low": 2 * text.count("„"),
        "dash": 2 * len(_DASH_LINE.findall(text)),
    }
    best = max(others, key=lambda k: others[k])  # first listed wins a tie
    style: QuoteStyle = best if others[best] > double + 4 else "double"  # type: ignore[assignment]
    single_opens = len(_SINGLE_OPEN.findall(text))
    all_double = double + sum(text.count(c) for c in "«»„")
    if single_opens > others[best] and (
        single_opens > 2 * all_double + 4
        # or most lines that open with a quote open with a single one (nested quotes are double)
        or len(_SINGLE_LINE.findall(text)) > 2 * len(_DOUBLE_LINE.findall(text)) + 4
    ):
        return "single"
    return style


_STYLE_NAMES = {
    "single": "‘single quotes’ (British style)",
    "guillemets": "«guillemets»",
    "reversed": "»reversed guillemets«",
    "low": "„low-high quotes“",
    "dash": "—quotation dashes (a paragraph opening with a dash is speech)",
}


def describe_quote_style(text: str) -> str:
    """The dialogue convention `segment_book` reads `text` with, in words for a script header."""
    style = detect_quote_style(text)
    if style != "double":
        return _STYLE_NAMES[style]
    curly = text.count("“") + text.count("”")
    return "“curly double quotes”" if curly > text.count('"') else '"straight double quotes"'


@dataclass(frozen=True, slots=True)
class Layout:
    """How a text marks its paragraphs."""

    kind: Literal["blank", "line", "indent"] = "blank"
    """blank: a blank line between paragraphs (hard-wrapped books); line: one paragraph per line
    (web exports); indent: hard-wrapped lines, a paragraph's first line indented (no blank lines)."""
    indent: int = 0
    """For "indent": the indentation of ordinary lines; a deeper one opens a paragraph."""


def paragraph_layout(text: str) -> Layout:
    """How `text` separates paragraphs, judged on the whole text so every chapter agrees.

    Hard-wrapped books (Project Gutenberg) have short lines and blank-line paragraphs; many
    web exports have long lines and single newlines; some scans and old typescripts wrap their
    lines and indent each paragraph's first line, with no blank lines at all.
    """
    widths: Counter[int] = Counter()
    lengths = count = 0
    for line in text.split("\n"):
        body = line.lstrip(" \t")
        if body:
            widths[len(line) - len(body)] += 1
            lengths += len(line)
            count += 1
    if count < 4:
        return Layout()
    blank_separated = len(_BLANK_LINE.findall(text))
    if blank_separated < count / 10 and lengths / count > 100:
        return Layout("line")
    base = widths.most_common(1)[0][0]
    indented = sum(n for width, n in widths.items() if width > base)
    if indented >= 3 and indented > 2 * blank_separated:
        return Layout("indent", base)
    return Layout()


def _paragraph_spans(
    text: str, start: int, end: int, layout: Layout, cuts: tuple[tuple[int, int], ...] = ()
) -> Iterator[tuple[int, int]]:
    """Tile [start, end) with paragraphs; each includes the blank lines that follow it.

    `cuts` are ranges (headings, front matter) that must start and end on paragraph bounds.
    """
    separator = _NEWLINE if layout.kind == "line" else _BLANK_LINE
    bounds = {m.end() for m in separator.finditer(text, start, end) if m.start() > start}
    if layout.kind == "indent":  # a paragraph starts at the first letter of an indented line
        bounds.update(m.end() for m in _LINE_START.finditer(text, start, end)
                      if m.start() > start and len(m.group(1)) > layout.indent)
    bounds.update(b for cut in cuts for b in cut if start < b < end)
    position = start
    for bound in sorted(bounds):
        if start < bound < end:
            yield position, bound
            position = bound
    if position < end:
        yield position, end


def _segment_range(
    text: str,
    chapter: Chapter,
    style: QuoteStyle,
    layout: Layout,
    first_paragraph: int,
    cuts: tuple[tuple[int, int], ...] = (),
) -> Iterator[Segment]:
    pair = _PAIRS.get(style)
    paragraph = first_paragraph
    left_open = False  # the previous paragraph's last quote had no closing mark
    for p_start, p_end in _paragraph_spans(text, chapter.start, chapter.end, layout, cuts):
        position = p_start
        found = _quotes_in(text, p_start, p_end, pair, left_open) if pair else _dash_quotes_in(text, p_start, p_end)
        left_open = False
        for q_start, q_end in found:
            if q_start > position:
                yield Segment(position, q_start, "narration", paragraph, text[position:q_start])
            yield Segment(q_start, q_end, "quote", paragraph, text[q_start:q_end])
            position = q_end
            left_open = pair is not None and text[q_end - 1] not in pair.closes + pair.straight
        if position < p_end:
            yield Segment(position, p_end, "narration", paragraph, text[position:p_end])
            left_open = left_open and not text[position:p_end].strip()
        paragraph += 1


def _body(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph text[start:end] without its leading and trailing whitespace."""
    body_end = end
    while body_end > start and text[body_end - 1].isspace():
        body_end -= 1
    body_start = start
    while body_start < body_end and text[body_start].isspace():
        body_start += 1
    return body_start, body_end


def _quotes_in(
    text: str, start: int, end: int, pair: _Pair, left_open: bool = False
) -> Iterator[tuple[int, int]]:
    """(start, end) of each quote in one paragraph, marks included.

    An unclosed quote runs to the end of the paragraph's text (trailing whitespace excluded).
    `left_open`: the paragraph before ended inside a quote, so a continuation mark opening this
    paragraph continues it. A straight mark inside a quote that can only open one is a quote
    nested in it when an even number of marks (its own closing one and the outer one's) follow
    it in the paragraph ('"I tried to say "How doth the bee," but…"'); otherwise the outer
    quote lost its closing mark and pairing starts afresh at it ('he said "deed she was…"').
    """
    i, body_end = _body(text, start, end)
    opened = i if left_open and i < body_end and text[i] in pair.continues else -1
    i = i + 1 if opened >= 0 else start
    marks_after = text.count(pair.straight, i, body_end) if pair.straight else 0
    nested = False
    while i < body_end:
        c = text[i]
        if c == pair.straight:
            marks_after -= 1
        if opened < 0:
            if c in pair.opens or (c == pair.straight and _opens_here(text, i, start, pair)):
                opened = i
        elif nested:
            nested = c != pair.straight  # the nested quote's closing mark ends it
        elif pair.reopen and (c in pair.opens or _reopens_here(text, i, body_end, pair)):
            if c == pair.straight and marks_after >= 2 and marks_after % 2 == 0:
                nested = True
            else:  # a second opening mark before any closing one: the first quote lost its end
                yield opened, _trim_end(text, opened, i)
                opened = i
        elif (c in pair.closes or c == pair.straight) and _closes_here(text, i, body_end, pair):
            yield opened, i + 1
            opened = -1
        i += 1
    if opened >= 0:
        yield opened, body_end


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return end


def _opens_here(text: str, i: int, paragraph_start: int, pair: _Pair) -> bool:
    before = text[i - 1] if i > paragraph_start else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if pair is _SINGLE:
        # an apostrophe inside or at the end of a word ("don't", "dogs'") never opens
        return before in _OPEN_CONTEXT and not after.isspace()
    return before in _OPEN_CONTEXT or before in "\"'“‘" or not _WORD.match(before)


def _reopens_here(text: str, i: int, body_end: int, pair: _Pair) -> bool:
    """Can the straight mark at `i`, inside a quote, only open one (a space before it, a word
    after)? Then it does not close the quote it is in."""
    return (
        text[i] == pair.straight
        and text[i - 1].isspace()
        and i + 1 < body_end
        and _WORD.match(text[i + 1]) is not None
    )


def _closes_here(text: str, i: int, body_end: int, pair: _Pair) -> bool:
    if pair is not _SINGLE:
        return True
    after = text[i + 1] if i + 1 < body_end else " "
    if _WORD.match(after):
        return False  # "can't", "o'clock"
    if not text[i - 1].isalnum():
        return True  # "'Stop,' she said": punctuation before the mark
    # "the dogs' dinner": a plural possessive runs on into a lower-case word
    after_spaces = _NEXT_NON_SPACE.search(text, i + 1, body_end)  # no slice: linear in the paragraph
    return not (after_spaces and after_spaces.group().islower())


# --- quotation dashes ----------------------------------------------------------------------

_DASHES = "—―–"
_TAG_SUBJECTS = frozenset("he she they i we".split())
_DETERMINERS = frozenset("the a an his her my our their its this that".split())
_WORD_OR_TITLE = r"(?:Mrs|Mr|Ms|Dr|St|Mme|Mlle)\.|[^\W\d_][\w'’]*"
_TAG_CLAUSE = re.compile(rf"\s*({_WORD_OR_TITLE})(?:\s+({_WORD_OR_TITLE}))?(?:\s+({_WORD_OR_TITLE}))?"
                         rf"(?:\s+({_WORD_OR_TITLE}))?")
"""Up to four words after a quote, stopping at punctuation: where a speech tag would be."""
_TAG_WINDOW = 80
_NOT_IN_SUBJECT = frozenset("is was are were be been to will would can could do did has have had not".split())
"""Words that show "the …" before a speech verb is no subject ("that is to say")."""
_NARRATION_AFTER_TAG = frozenset("as while".split())
_IRREGULAR_PAST = frozenset("said thought told began wrote sang rang quoth".split())
_TITLE_BEFORE = re.compile(r"(?<!\w)(?:Mrs|Mr|Ms|Dr|St|Mme|Mlle)$")
_OPENING_DASH = re.compile(r"(?<=\s)(?:[—―–]|-{2,})(?=\S)")
_DASH_EVENT = re.compile(r"[—―–]|-{2,}|[,!?…;:.]")
"""What can open or end a quote in a dash-dialogue paragraph: a dash, or punctuation before a tag."""


def _dash_at(text: str, i: int, end: int) -> int:
    """Length of the dash at `i` (0 when none): —, ―, – or a run of two or more hyphens."""
    if text[i] in _DASHES:
        return 1
    j = i
    while j < end and text[j] == "-":
        j += 1
    return j - i if j - i >= 2 else 0


def _is_tag(text: str, i: int, end: int, after_period: bool = False) -> bool:
    """Do the words from `i` read as a speech tag ("he said", "said Stephen", "the old man
    asked", "Buck Mulligan said")? Looks at a bounded window, so the scan stays linear."""
    m = _TAG_CLAUSE.match(text, i, min(end, i + _TAG_WINDOW))
    if not m:
        return False
    words = [w for w in m.groups() if w]
    lower = [w.lower() for w in words]
    if after_period and words[0][0].isupper():
        return False  # a new sentence of the speech, not a tag
    if lower[0] in SPEECH_VERBS:  # "said he", "cried Stephen", "asked the old man"; not "Tell that to him"
        return len(words) > 1 and (_past(lower[0]) or lower[0].endswith("s")) and (
            lower[1] in _TAG_SUBJECTS or lower[1] in _DETERMINERS or words[1][0].isupper())
    for k in range(1, len(words)):
        if lower[k] in SPEECH_VERBS:
            subject = lower[:k]
            if subject[0] in ("i", "we") and not _past(lower[k]):
                return False  # "—Yes, I think so.": speech, not a tag
            return (
                (k == 1 and subject[0] in _TAG_SUBJECTS)
                or (k == 2 and subject[0] in _TAG_SUBJECTS and subject[1].endswith("ly"))
                or (subject[0] in _DETERMINERS and not _NOT_IN_SUBJECT.intersection(subject))
                or all(w[0].isupper() for w in words[:k])
            )
    return False


def _past(verb: str) -> bool:
    return verb.endswith("ed") or verb in _IRREGULAR_PAST


def _dash_quotes_in(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each quote in one paragraph of a book written with quotation dashes.

    A quote opens with a dash at the paragraph's start, or with a dash after the end of a
    sentence or a colon ("He added: —For this…"), or with a dash glued to a capitalised word
    ("he said. —No."). It runs to the end of the paragraph, or to a speech tag: one after the
    quote's punctuation ("—Yes, he said."), or one opened by a dash ("—Sí —dijo él—."). After
    a tag closed by a dash the speech goes on ("—dijo él—. No sé."); after a tag clause ended
    by punctuation it goes on too, to the paragraph's end, unless a later dash reopens it
    ("—Thanks, he cried. That will do." as Joyce writes; "—Yes, he said. —No.").

    Only dashes and punctuation can change anything, so the scan jumps from one to the next."""
    body_start, body_end = _body(text, start, end)
    opened = -1
    tag = ""  # in narration after a quote: "dashed" (a dash opened the tag) or "plain"
    skip_to = body_start
    reopens_at = -2  # the paragraph's last dash that opens a quote (-2: not looked for yet)
    for m in _DASH_EVENT.finditer(text, body_start, body_end):
        i, mark = m.start(), m.group()
        if i < skip_to:
            continue
        dash = mark[0] in _DASHES or mark[0] == "-"
        spaced = i > body_start and text[i - 1].isspace()
        nxt = text[m.end()] if dash and m.end() < body_end else ""
        last = _last_visible(text, i, body_start)
        if opened < 0:
            if dash and (i == body_start or (spaced and nxt.strip() and not nxt.islower())
                         or (spaced and last in ".!?…:" and not _next_word_lower(text, m.end(), body_end))):
                opened, tag = i, ""
            elif tag and not dash and _is_abbreviation(text, i):
                continue  # "Mr." inside the tag
            elif (tag == "plain" and not dash) or (tag == "dashed" and dash and not spaced):
                j = _past_punctuation(text, m.end(), body_end)
                if reopens_at == -2:
                    reopens_at = _last_opening_dash(text, body_start, body_end)
                if tag == "plain" and (reopens_at > j or _lower_participle(text, j, body_end)):
                    j = body_end  # narration until the dash that reopens ("—Yes, he said. —No.")
                tag = ""
                if j < body_end and not _dash_at(text, j, body_end):
                    opened = skip_to = j
        elif dash and spaced and (nxt.islower() or (nxt.isspace() and _is_tag(text, m.end(), body_end))):
            yield opened, _trim_end(text, opened, i)  # "—Sí —dijo él—", "—No — he said"
            opened, tag = -1, "dashed"
        elif dash and spaced and nxt.isupper() and last in ".!?…":
            yield opened, _trim_end(text, opened, i)  # "—Yes. —No.": a second quote
            opened = i
        elif not spaced and _ends_before_tag(text, m.end(), body_end, mark == "."):
            yield opened, m.end()  # "—Yes, he said."
            opened, tag = -1, "plain"
    if opened >= 0:
        yield opened, body_end


def _past_punctuation(text: str, i: int, end: int) -> int:
    while i < end and (text[i] in ",.;:!?…" or text[i].isspace()):
        i += 1
    return i


def _is_abbreviation(text: str, i: int) -> bool:
    """Is the period at `i` the end of a title such as "Mr."?"""
    return text[i] == "." and _TITLE_BEFORE.search(text, max(0, i - 5), i) is not None


def _last_opening_dash(text: str, start: int, end: int) -> int:
    """Where the paragraph's last dash that can open a quote is (-1: none); one scan of it."""
    found = -1
    for m in _OPENING_DASH.finditer(text, start, end):
        if not text[m.end()].islower():
            found = m.start()
    return found


def _lower_participle(text: str, i: int, end: int) -> bool:
    """ "…, he said, turning away." or "…, he said, as they went on.": what follows the tag is
    narration."""
    m = _TAG_CLAUSE.match(text, i, min(end, i + _TAG_WINDOW))
    if m is None or not m.group(1)[0].islower():
        return False
    first, second = m.group(1), (m.group(2) or "").lower()
    return first.endswith("ing") or (first in _NARRATION_AFTER_TAG and (second in _TAG_SUBJECTS
                                                                          or second in _DETERMINERS))


def _last_visible(text: str, i: int, start: int) -> str:
    """The last non-space character before `i` ("" at the paragraph's start). The spaces it
    steps over end at `i`, a mark, so no two calls step over the same ones: linear."""
    while i > start and text[i - 1].isspace():
        i -= 1
    return text[i - 1] if i > start else ""


def _next_word_lower(text: str, i: int, end: int) -> bool:
    """Is the first letter after `i` (past spaces) lower-case? A bounded look."""
    stop = min(end, i + 3)
    while i < stop and text[i].isspace():
        i += 1
    return i < end and text[i].islower()


def _ends_before_tag(text: str, i: int, end: int, after_period: bool) -> bool:
    """Does a speech tag follow the quote's punctuation ending at `i` ("—Yes, he said")?"""
    return i < end and text[i].isspace() and _is_tag(text, i, end, after_period)
