"""Segmentation: quotes found, and the segments always tile the text."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from narrator import segment
from narrator.cli import cli
from narrator.ingest import read_book
from narrator.segment import describe_quote_style, detect_quote_style, segment_book, segment_text
from narrator.types import Segment


def quotes(segments: tuple[Segment, ...]) -> list[str]:
    return [s.text for s in segments if s.kind == "quote"]


def assert_tiles(text: str, segments: tuple[Segment, ...]) -> None:
    position = 0
    for s in segments:
        assert s.start == position and s.end > s.start
        assert text[s.start : s.end] == s.text
        position = s.end
    assert position == len(text)


def test_straight_quotes_with_tag_between() -> None:
    text = '"Yes," he said, "no."\n\nShe left.'
    segments = segment_text(text)
    assert quotes(segments) == ['"Yes,"', '"no."']
    assert [s.kind for s in segments] == ["quote", "narration", "quote", "narration", "narration"]
    assert [s.paragraph for s in segments] == [0, 0, 0, 0, 1]
    assert_tiles(text, segments)


def test_curly_quotes_with_nested_single_quotes() -> None:
    text = "“He told me ‘never’ and left,” said Ann. Then ‘quiet’ came."
    assert quotes(segment_text(text)) == ["“He told me ‘never’ and left,”"]


def test_quote_continued_across_paragraphs() -> None:
    text = '"First part of a long speech,\n\n"and the second part," she said.'
    segments = segment_text(text)
    assert quotes(segments) == ['"First part of a long speech,', '"and the second part,"']
    assert segments[0].paragraph != segments[-1].paragraph


def test_unbalanced_quote_ends_at_paragraph_end() -> None:
    text = 'He said "come here and never\nstop.\n\nNext paragraph.'
    segments = segment_text(text)
    assert quotes(segments) == ['"come here and never\nstop.']
    assert_tiles(text, segments)


def test_missing_closing_curly_quote_before_next_opening() -> None:
    text = "“One. “Two,” said Bo."
    assert quotes(segment_text(text)) == ["“One.", "“Two,”"]


def test_british_single_quote_dialogue() -> None:
    text = (
        "‘I can’t,’ said Ann. ‘The dogs’ dinner is late.’\n\n"
        "‘Nonsense,’ said Bo.\n\n‘Well,’ she said. ‘Fine.’\n\n‘Go!’"
    )
    assert detect_quote_style(text) == "single"
    assert quotes(segment_text(text))[:2] == ["‘I can’t,’", "‘The dogs’ dinner is late.’"]


def test_guillemets() -> None:
    assert quotes(segment_text("«Bonjour», dit-il.")) == ["«Bonjour»"]


def dialogue(open_: str, close: str, inner: tuple[str, str] = ("‘", "’")) -> str:
    """A small scene in one convention, our own prose; three paragraphs of dialogue."""
    return (
        f"The ferry was late. {open_}Is it always like this?{close} asked Ann.\n\n"
        f"{open_}Only when the wind is up,{close} said Bo. {open_}My father called it {inner[0]}the "
        f"old lady's temper{inner[1]}.{close}\n\n"
        f"Ann laughed and turned up her collar against the spray.\n\n"
        f"{open_}Then she is angry today.{close}\n"
    )


EXPECTED = ["Is it always like this?", "Only when the wind is up,", "My father called it", "Then she is angry today."]


@pytest.mark.parametrize("style,open_,close,inner,name", [
    ("double", '"', '"', ("'", "'"), '"straight double quotes"'),
    ("double", "“", "”", ("‘", "’"), "“curly double quotes”"),
    ("single", "‘", "’", ("“", "”"), "‘single quotes’ (British style)"),
    ("single", "'", "'", ('"', '"'), "‘single quotes’ (British style)"),
    ("guillemets", "«", "»", ("‹", "›"), "«guillemets»"),
    ("guillemets", "« ", " »", ("“", "”"), "«guillemets»"),
    ("reversed", "»", "«", ("›", "‹"), "»reversed guillemets«"),
    ("low", "„", "“", ("‚", "‘"), "„low-high quotes“"),
])
def test_each_convention_is_detected_and_read(style: str, open_: str, close: str,
                                              inner: tuple[str, str], name: str) -> None:
    """The book's convention comes from its text; every quote is found, nested marks stay inside."""
    text = dialogue(open_, close, inner) * 3
    assert detect_quote_style(text) == style
    assert describe_quote_style(text) == name
    segments = segment_text(text)
    assert_tiles(text, segments)
    found = quotes(segments)
    assert len(found) == 12
    for quote, words in zip(found, EXPECTED * 3, strict=True):
        assert words in quote and quote.startswith(open_.strip()) and quote.endswith(close.strip())


def test_a_few_guillemets_in_a_double_quote_book_do_not_change_its_convention() -> None:
    text = dialogue('"', '"') * 5 + "The sign said «Bienvenue» in gold letters.\n"
    assert detect_quote_style(text) == "double"


def test_french_quote_continued_with_a_closing_guillemet() -> None:
    """French repeats » at the start of each paragraph a quote continues into."""
    text = "« Je suis venue hier,\n\n» et je reviendrai demain », dit-elle.\n\n» Rien."
    segments = segment_text(text, "guillemets")
    assert quotes(segments) == ["« Je suis venue hier,", "» et je reviendrai demain »"]
    assert_tiles(text, segments)


def test_german_low_quotes_are_not_two_openings() -> None:
    """„…“ closes with the mark English opens with."""
    text = "„Kommst du?“, fragte sie. „Ja“, sagte er.\n"
    assert quotes(segment_text(text, "low")) == ["„Kommst du?“", "„Ja“"]


def test_one_line_paragraphs_without_blank_lines() -> None:
    line = "She walked to the door and looked out at the rain for a long while, thinking. "
    text = "\n".join([line * 2 + '"Hello," she said.'] * 5)
    paragraphs = {s.paragraph for s in segment_text(text)}
    assert len(paragraphs) == 5


def test_book_paragraphs_are_numbered_across_chapters(tmp_path) -> None:
    body = "Some words that make up a paragraph of a chapter, long enough to count. " * 4
    path = tmp_path / "b.txt"
    path.write_text(f"Chapter 1\n\n{body}\n\n\"Hi,\" said Al.\n\nChapter 2\n\n{body}\n", encoding="utf-8")
    book = read_book(path)
    segments = segment_book(book)
    assert len(segments) == 2
    last_first = segments[1][-1].paragraph
    first_second = segments[2][0].paragraph
    assert first_second == last_first + 1
    assert_tiles(book.text, segments[1] + segments[2])


def test_each_chapter_is_cut_only_by_its_own_unspoken_ranges(tmp_path, monkeypatch) -> None:
    # Handing every chapter all the book's headings made segmenting quadratic in chapters.
    path = tmp_path / "many.txt"
    path.write_text("".join(f'Chapter {i}\n\n"Far?" asked Anna. The boats rocked.\n\n' for i in range(1, 201)),
                    encoding="utf-8")
    book = read_book(path)
    assert len(book.chapters) == 200 and len(book.unspoken) >= 200
    seen: list[int] = []
    segment_range = segment._segment_range

    def counting(text, chapter, style, layout, first_paragraph, cuts=()):  # type: ignore[no-untyped-def]
        seen.append(len(cuts))
        return segment_range(text, chapter, style, layout, first_paragraph, cuts)

    monkeypatch.setattr(segment, "_segment_range", counting)
    segments = segment_book(book)
    assert len(seen) == 200 and max(seen) <= 2
    assert all(s.text.startswith(f"Chapter {i}") for i, (s, *_) in segments.items())
    assert_tiles(book.text, tuple(s for i in sorted(segments) for s in segments[i]))


RANGES = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 30)).map(lambda t: (t[0], t[0] + t[1])), max_size=12)


@settings(max_examples=300, deadline=None)
@given(RANGES, st.integers(0, 70), st.integers(0, 40))
def test_cuts_within_a_span_are_the_ranges_with_a_bound_inside_it(ranges, start, width) -> None:
    # overlapping and nested ranges included (front matter around a heading)
    end = start + width
    expected = sorted({r for r in ranges if any(start < b < end for b in r)})
    assert list(segment._Cuts(tuple(ranges)).within(start, end)) == expected


STYLES = ("double", "single", "guillemets", "reversed", "low", "dash")
TEXT_ALPHABET = st.sampled_from(
    list('ab ."\'“”‘’«»‹›„,\n!?—―–:A') + ["\n\n", "Chapter 1\n\n", "--", " he said", ", said Bo", "-"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(TEXT_ALPHABET, max_size=200).map("".join))
def test_segments_tile_any_text(text: str) -> None:
    segments = segment_text(text)
    assert_tiles(text, segments)
    for style in STYLES:
        assert_tiles(text, segment_text(text, style))  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_segments_tile_arbitrary_unicode(text: str) -> None:
    assert_tiles(text, segment_text(text))
    assert_tiles(text, segment_text(text, "dash"))


DASH_PARTS = st.sampled_from(["—", "― ", "– ", "--", "Yes", "no", ", ", ". ", "! ", " ", "\n\n", "\n",
                              "he said", "said Bo", "Bo asked", "the old man said", "dijo él", "—. "])


@settings(max_examples=300, deadline=None)
@given(st.lists(DASH_PARTS, max_size=60).map("".join))
def test_dash_dialogue_tiles_and_quotes_start_at_a_dash_or_after_a_tag(text: str) -> None:
    segments = segment_text(text, "dash")
    assert_tiles(text, segments)
    for s in segments:
        if s.kind == "quote":
            assert s.text.strip() == s.text or s.text[0] in "—―–-", repr(s.text)


def indented_book(paragraphs: int, indent: str = "    ") -> tuple[str, list[str]]:
    """Hard-wrapped lines, each paragraph's first line indented, no blank lines (typescripts, scans)."""
    sentences = ['"Are you there?" she asked, and waited at the door for a long time.',
                 "Nobody answered her, so she went back down the narrow stairs again.",
                 "The lamp was cold."]
    texts, lines = [], []
    for n in range(paragraphs):
        words = " ".join(sentences[: 1 + n % 3] * (1 + n % 4)).split()
        texts.append(" ".join(words))
        wrapped, line = [], ""
        for word in words:
            if line and len(line) + len(word) >= 60:
                wrapped.append(line)
                line = ""
            line = f"{line} {word}" if line else word
        lines += [indent + wrapped[0] if wrapped else indent + line, *wrapped[1:], *([line] if wrapped else [])]
    return "\n".join(lines) + "\n", texts


def test_indented_paragraphs_without_blank_lines_are_paragraphs() -> None:
    text, expected = indented_book(12)
    segments = segment_text(text)
    assert_tiles(text, segments)
    paragraphs: dict[int, list[str]] = {}
    for s in segments:
        paragraphs.setdefault(s.paragraph, []).append(s.text)
    assert [" ".join("".join(p).split()) for p in paragraphs.values()] == expected
    assert quotes(segments)[:2] == ['"Are you there?"', '"Are you there?"']


def test_indented_paragraphs_with_tabs_and_a_scene_break() -> None:
    text, expected = indented_book(8, "\t")
    lines = text.split("\n")
    text = "\n".join([*lines[:10], "", *lines[10:]])  # one blank line (a scene break) does not change the rule
    assert len({s.paragraph for s in segment_text(text)}) == 8 + (lines[10][:1] != "\t")


def test_blank_line_books_keep_indented_verse_inside_their_paragraphs() -> None:
    """A book that separates paragraphs with blank lines is not read by indentation."""
    para = "A line of prose that runs on\nand wraps to the next line here.\n\n"
    verse = "  Twinkle, twinkle, little bat!\n  How I wonder what you're at!\n\n"
    text = para * 6 + verse + para * 6
    assert len({s.paragraph for s in segment_text(text)}) == 13


DASH_BOOK = (
    "The ferry left at dawn, and Ann stood at the rail with her bag at her feet.\n\n"
    "—Is it always this cold? she asked.\n\n"
    "—Only in March, said Bo. —You get used to it.\n\n"
    "He lit his pipe — the third that morning — and looked out at the grey water.\n\n"
    "—I doubt it, Ann said. Nobody gets used to this.\n\n"
    "—Wait and see, Bo said, laughing at her.\n\n"
    "—I am not cold, that is to say, not yet, Ann said, as they went below.\n\n"
    "She pulled her scarf tighter.\n\n"
    "The captain came along the deck and added in a low voice: —We turn back at noon.\n\n"
    "—Why? —Because the glass is falling.\n"
)


def test_dash_dialogue_is_detected_and_runs_to_a_tag_or_the_paragraph_end() -> None:
    text = DASH_BOOK + "\n" + DASH_BOOK
    assert detect_quote_style(text) == "dash"
    assert describe_quote_style(text).startswith("—quotation dashes")
    segments = segment_text(text)
    assert_tiles(text, segments)
    assert quotes(segments)[:10] == [
        "—Is it always this cold?", "—Only in March,", "—You get used to it.", "—I doubt it,",
        "Nobody gets used to this.", "—Wait and see,", "—I am not cold, that is to say, not yet,",
        "—We turn back at noon.", "—Why?",
        "—Because the glass is falling.",
    ]
    narration = [s.text for s in segments if s.kind == "narration"]
    assert " she asked.\n\n" in narration and " Ann said. " in narration  # the speech goes on after the tag
    assert " Bo said, laughing at her.\n\n" in narration  # unless a participle follows it
    assert any("the third that morning" in n for n in narration)  # a dash inside narration is no quote


def test_dash_dialogue_with_the_tag_between_dashes() -> None:
    """Spanish and Russian typesetting: the tag sits between dashes and the speech goes on after
    the closing one; without a closing dash the rest is narration."""
    text = "—No lo sé —dijo ella—. Quizá mañana.\n\n—Bueno —contestó él, y se fue.\n"
    assert quotes(segment_text(text, "dash")) == ["—No lo sé", "Quizá mañana.", "—Bueno"]


def test_dash_dialogue_spaced_dashes_and_double_hyphens() -> None:
    """– with a space (French, Scandinavian) and -- (plain-text editions) open quotes too; a spaced
    dash inside speech is a pause unless a tag follows it."""
    text = "– Yes – I think so, said Ann.\n\n--Well, said Bo -- and then nothing.\n\n– Wait – he said.\n\n"
    text += "—Well, I say it is, I said.\n"
    assert quotes(segment_text(text, "dash")) == ["– Yes – I think so,", "--Well,", "– Wait", "—Well, I say it is,"]


def test_dash_dialogue_named_and_described_speakers_end_the_quote() -> None:
    text = ("—Come here, Mr Grey said.\n\n—Now? asked the old man.\n\n—Tell me, Tobias Grey answered, "
            "what you saw.\n\n—I saw it. He saw it too.\n")
    assert quotes(segment_text(text, "dash")) == [
        "—Come here,", "—Now?", "—Tell me,", "what you saw.", "—I saw it. He saw it too."
    ]
    text = "—Sit down, Mr. Grey said. —No, thank you.\n\n—Nonsense! Tell that to the Captain.\n"
    assert quotes(segment_text(text, "dash")) == [
        "—Sit down,", "—No, thank you.", "—Nonsense! Tell that to the Captain."
    ]


@pytest.mark.parametrize("style,stray", [
    ("double", 'He was 6" tall and said "never\n\n'),
    ("double", "He said “never mind\n\n"),
    ("single", "He said ‘never mind\n\n"),
    ("guillemets", "Il dit « jamais\n\n"),
    ("reversed", "Er sagte »nie\n\n"),
    ("low", "Er sagte „nie\n\n"),
    ("dash", "—Never mind, he said —\n\n"),
])
def test_a_stray_mark_is_forgotten_at_the_next_paragraph(style: str, stray: str) -> None:
    """An unbalanced mark affects its own paragraph only: the next paragraphs pair as if it were not there."""
    scene = {"double": '"Yes," said Ann. "Go."', "single": "‘Yes,’ said Ann. ‘Go.’",
             "guillemets": "« Oui », dit Ann. « Va. »", "reversed": "»Ja«, sagte Ann. »Geh.«",
             "low": "„Ja“, sagte Ann. „Geh.“", "dash": "—Yes, said Ann. —Go."}[style]
    text = scene + "\n\n" + stray + scene + "\n\nNarration only.\n\n" + scene + "\n"
    found = quotes(segment_text(text, style))  # type: ignore[arg-type]
    clean = quotes(segment_text(scene, style))  # type: ignore[arg-type]
    assert len(clean) == 2
    assert found[:2] == clean and found[-4:] == clean * 2


def test_a_lost_closing_mark_does_not_put_the_paragraph_out_of_step() -> None:
    """A straight mark that can only open ("a space before, a word after") inside a quote starts a
    new quote when an even number of marks follow it: the quote before lost its closing mark."""
    text = '"I was here before. And "deed she was right, all wandering," she said. "Go on."'
    assert quotes(segment_text(text)) == [
        '"I was here before. And', '"deed she was right, all wandering,"', '"Go on."'
    ]


def test_a_quote_nested_in_double_quotes_stays_inside() -> None:
    """With an odd number of marks after it, the opening-only mark is a nested quote."""
    text = '"I tried to say "Twinkle, twinkle," but it came out wrong!" Ann said. "Sorry."'
    assert quotes(segment_text(text)) == [
        '"I tried to say "Twinkle, twinkle," but it came out wrong!"', '"Sorry."'
    ]


def test_dash_paragraph_of_two_megabytes_tiles() -> None:
    """Every comma and dash asks whether a tag follows: a bounded look, so the scan stays linear."""
    text = "—" + "Yes, no — maybe, he" * 100_000 + "\n"
    segments = segment_text(text, "dash")
    assert "".join(s.text for s in segments) == text


@pytest.mark.parametrize("text,shown", [
    (DASH_BOOK, "# Dialogue: —quotation dashes"),
    (dialogue("“", "”") * 3, "# Dialogue: “curly double quotes”"),
    (dialogue("‘", "’", ("“", "”")) * 3, "# Dialogue: ‘single quotes’ (British style)"),
])
def test_the_script_header_names_the_convention(tmp_path: Path, text: str, shown: str) -> None:
    path = tmp_path / "book.txt"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["script", str(path)])
    assert result.exit_code == 0, result.output
    assert any(line.startswith(shown) for line in result.output.splitlines()[:8]), result.output[:600]
