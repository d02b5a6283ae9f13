"""Reading HTML: AO3 downloads (chapters, author's notes kept apart) and generic pages."""
from __future__ import annotations

import codecs
import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrator.errors import IngestError
from narrator.ingest import read_book
from narrator.pipeline import make_script
from narrator.script_file import to_jsonl
from narrator.segment import segment_book
from narrator.types import Book

STORY = [
    """<p>The lighthouse had been dark for a week when Wren climbed the stairs.</p>
<p>&ldquo;Anyone up there?&rdquo; she called. Her voice came back to her, thin&nbsp;and strange.</p>
<p>Nobody answered.<br />Nobody ever did.</p>""",
    """<p>Jonah found her at the top, sitting by the cold lamp.</p>
<p>&ldquo;You shouldn&rsquo;t be here,&rdquo; he said.</p>
<p>&ldquo;Neither should you,&rdquo; Wren replied, not looking up.</p>
<hr />
<p>At dawn the lamp <em>flickered</em>.</p>""",
    """<p>They never spoke of it again &mdash; not once, not even to each other.</p>""",
]
NOTES = {
    "work summary": "Two keepers and a lamp that will not stay dark.",
    "work notes": "Thanks to my beta reader for everything.",
    "ch1 notes": "This chapter was written on a train.",
    "ch2 summary": "Jonah arrives.",
    "ch2 end notes": "Comments feed the author!",
    "work end notes": "Thank you for reading all of it.",
}


def ao3_html(chapters: int = 3) -> str:
    """An AO3 download as the Archive renders it (preface, chapters, afterword)."""
    def meta(n: int) -> str:
        parts = [f'<h2 class="heading">Chapter {n}: {["The Stairs", "The Lamp", "After"][n - 1]}</h2>']
        if n == 2:
            parts.append('<p>Chapter Summary</p>\n'
                         f'<blockquote class="userstuff"><p>{NOTES["ch2 summary"]}</p></blockquote>')
        if n == 1:
            parts.append('<p>Chapter Notes</p>\n'
                         f'<blockquote class="userstuff"><p>{NOTES["ch1 notes"]}</p></blockquote>')
        if n == 2:
            parts.append('<p>Chapter Notes</p>\n<div class="endnote-link">See the end of the chapter for '
                         '<a href="#endnotes2">notes</a></div>')
        return '<div class="meta group">\n' + "\n".join(parts) + "\n</div>"

    if chapters == 1:
        body = f'<div class="userstuff">{STORY[0]}</div>'
    else:
        body = ""
        for n in range(1, chapters + 1):
            body += f'{meta(n)}\n<!--chapter content-->\n<div class="userstuff">\n{STORY[n - 1]}\n</div>\n'
            if n == 2:
                body += (f'<div class="meta" id="endnotes2">\n<p>Chapter End Notes</p>\n'
                         f'<blockquote class="userstuff"><p>{NOTES["ch2 end notes"]}</p></blockquote>\n</div>\n')
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/>
<title>The Dark Lamp - wrenfeather - Original Work [Archive of Our Own]</title>
<style type="text/css">body {{ font-family: serif; }}</style>
</head>
<body>
<div id="preface">
  <h2 class="toc-heading">Preface</h2>
  <p class="message">
    <b>The Dark Lamp</b><br/>
    Posted originally on the <a href="http://archiveofourown.org/">Archive of Our Own</a> at
    <a href="http://archiveofourown.org/works/1">http://archiveofourown.org/works/1</a>.
  </p>
  <div class="meta">
    <dl class="tags">
      <dt>Rating:</dt><dd><a href="http://archiveofourown.org/tags/General">General Audiences</a></dd>
      <dt>Fandom:</dt><dd><a href="http://archiveofourown.org/tags/Original">Original Work</a></dd>
      <dt>Series:</dt><dd>Part 2 of <a href="http://archiveofourown.org/series/9">Keepers of the Coast</a></dd>
      <dt>Stats:</dt><dd>Published: 2024-01-01 Words: 250 Chapters: {chapters}/{chapters}</dd>
    </dl>
    <h1>The Dark Lamp</h1>
    <div class="byline">by <a rel="author" href="http://archiveofourown.org/users/wrenfeather">wrenfeather</a></div>
    <p>Summary</p>
    <blockquote class="userstuff"><p>{NOTES["work summary"]}</p></blockquote>
    <p>Notes</p>
    <blockquote class="userstuff"><p>{NOTES["work notes"]}</p></blockquote>
    <div class="endnote-link">See the end of the work for more <a href="#endnotes">notes</a></div>
  </div>
</div>
<div id="chapters" class="userstuff">
{body}
</div>
<div id="afterword">
  <h2 class="toc-heading">Afterword</h2>
  <div class="meta">
    <div id="endnotes">
      <p>End Notes</p>
      <blockquote class="userstuff"><p>{NOTES["work end notes"]}</p></blockquote>
    </div>
  </div>
  <p class="message">Please
  <a href="http://archiveofourown.org/works/1/comments/new">drop by the Archive and comment</a>
  to let the creator know if you enjoyed their work!</p>
</div>
</body>
</html>
"""


def write(tmp_path: Path, text: str | bytes, name: str = "work.html") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+(?:['’]\w+)*", text))


def markup_words(markup: str) -> Counter[str]:
    """Tag-stripping oracle, independent of the reader."""
    return words(html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"</?(?:p|br|hr|h\d)\b[^>]*>", " ", markup))))


def segment_words(book: Book) -> Counter[str]:
    return words("".join(s.text for segments in segment_book(book).values() for s in segments))


def test_ao3_chapters_and_metadata(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, ao3_html()))
    assert [c.title for c in book.chapters] == ["Chapter 1: The Stairs", "Chapter 2: The Lamp", "Chapter 3: After"]
    assert (book.title, book.author, book.series) == ("The Dark Lamp", "wrenfeather", "Keepers of the Coast")


def test_ao3_notes_are_skipped_by_default(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, ao3_html()))
    for note in NOTES.values():
        assert note not in book.text
    assert "Archive of Our Own" not in book.text and "General Audiences" not in book.text
    assert "skipped author's notes (4) and summaries (2); read them with --notes" in book.warnings


def test_ao3_every_story_word_and_nothing_else(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, ao3_html()))
    headings = " ".join(book.text[c.heading_start : c.heading_end] for c in book.chapters)
    assert segment_words(book) == markup_words("".join(STORY)) + words(headings)


def test_ao3_notes_read_on_request(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, ao3_html()), notes=True)
    for note in NOTES.values():
        start = book.text.index(note)
        assert book.is_spoken(start, start + len(note))
    first, second, third = book.chapters
    text = book.text
    # work summary and notes open the book, before the first chapter's heading
    assert text.startswith(f"Summary:\n\n{NOTES['work summary']}\n\nAuthor's note:\n\n{NOTES['work notes']}")
    assert first.start == 0 < first.heading_start
    assert text.index(NOTES["ch1 notes"]) < text.index("The lighthouse")
    assert second.start < text.index(NOTES["ch2 summary"]) < text.index("Jonah found")
    assert text.index("At dawn") < text.index(NOTES["ch2 end notes"]) < second.end
    assert text.endswith(f"Author's note:\n\n{NOTES['work end notes']}") and third.end == len(text)
    assert not any("skipped author's notes" in w for w in book.warnings)


def test_ao3_headings_unspoken_and_chapters_tile(tmp_path: Path) -> None:
    for notes in (False, True):
        book = read_book(write(tmp_path, ao3_html()), notes=notes)
        assert book.chapters[0].start == 0 and book.chapters[-1].end == len(book.text)
        assert all(a.end == b.start for a, b in zip(book.chapters, book.chapters[1:]))
        for chapter in book.chapters:
            assert book.text[chapter.heading_start : chapter.heading_end] == chapter.title
            assert not book.is_spoken(chapter.heading_start, chapter.heading_end)


def test_ao3_text_rules(tmp_path: Path) -> None:
    text = read_book(write(tmp_path, ao3_html())).text
    assert "“Anyone up there?” she called. Her voice came back to her, thin and strange." in text
    assert "Nobody answered.\nNobody ever did." in text
    assert "not looking up.\n\n* * *\n\nAt dawn the lamp flickered." in text
    assert "font-family" not in text and "\n\n\n" not in text


def test_ao3_chapters_inside_wrappers_lose_nothing(tmp_path: Path) -> None:
    wrapped = re.sub(r'(<div class="meta group">)', r'</div><div class="chapter">\1', ao3_html())
    wrapped = wrapped.replace('<div id="chapters" class="userstuff">\n</div>',
                              '<div id="chapters" class="userstuff">', 1)
    wrapped = wrapped.replace('<div id="afterword">', '</div><div id="afterword">', 1)
    book = read_book(write(tmp_path, wrapped))
    assert [c.title for c in book.chapters] == ["Chapter 1: The Stairs", "Chapter 2: The Lamp", "Chapter 3: After"]
    assert NOTES["ch2 end notes"] not in book.text
    headings = " ".join(book.text[c.heading_start : c.heading_end] for c in book.chapters)
    assert segment_words(book) == markup_words("".join(STORY)) + words(headings)


def test_ao3_single_chapter_work(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, ao3_html(chapters=1)))
    assert [c.title for c in book.chapters] == ["The Dark Lamp"]
    assert book.text.startswith("The lighthouse")
    assert book.chapters[0].heading_start == book.chapters[0].heading_end  # no heading to skip


def test_jsonl_offsets_point_into_the_text(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, ao3_html()), notes=True)
    records = [json.loads(line) for line in to_jsonl(make_script(book)).splitlines()]
    assert records and all(book.text[r["start"] : r["end"]] == r["text"] for r in records)
    quote = next(r for r in records if r["text"] == "“You shouldn’t be here,”")
    assert quote["kind"] == "quote" and quote["chapter"] == 2


GENERIC = """<html><head><title>Sea Tales</title><meta name="author" content="Ida Brine"></head>
<body><h1>Sea Tales</h1><p>A short word before the tales begin.</p>
<h2>The Gull</h2><p>The gull said nothing at all, and flew off over the grey water.</p>
<h2>The Crab</h2><h3>A Sideways Story</h3><p>The crab walked sideways, as crabs will, toward the rocks.</p>
</body></html>"""


def test_generic_html_chapters_from_headings(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, GENERIC, "tales.htm"))
    assert (book.title, book.author) == ("Sea Tales", "Ida Brine")
    assert [c.title for c in book.chapters] == ["The Gull", "The Crab: A Sideways Story"]
    assert book.text.startswith("Sea Tales\n\nA short word")
    assert not book.is_spoken(0, len("Sea Tales"))  # the book title heading is not read as story
    preamble = book.text.index("A short word")
    assert book.is_spoken(preamble, preamble + 7)  # a short preamble opens chapter 1
    crab = book.chapters[1]
    assert book.text[crab.heading_start : crab.heading_end] == "The Crab\n\nA Sideways Story"
    assert segment_words(book) == markup_words(GENERIC.split("<body>")[1])


def test_generic_html_without_headings_is_one_chapter(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, "<p>Just one paragraph of a story.</p><p>And another.</p>", "a_story.html"))
    assert [c.title for c in book.chapters] == ["A story"]
    assert book.text == "Just one paragraph of a story.\n\nAnd another."


@pytest.mark.parametrize(
    "data",
    [
        '<html><head><meta charset="windows-1252"></head><body><p>Caf\u00e9 \u201cnoir\u201d</p></body></html>'
        .encode("cp1252"),
        codecs.BOM_UTF8 + '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\u00e9 \u201cnoir\u201d</p>'
        "</body></html>".encode(),
        "<html><body><p>Caf\u00e9 \u201cnoir\u201d</p></body></html>".encode("utf-16"),
        "<html><body><p>Caf\u00e9 \u201cnoir\u201d</p></body></html>".encode(),
    ],
)
def test_html_decoding_honours_bom_and_meta_charset(tmp_path: Path, data: bytes) -> None:
    book = read_book(write(tmp_path, data))
    assert book.text == "Café “noir”"
    assert not book.warnings


def test_xhtml_with_xml_declaration(tmp_path: Path) -> None:
    data = ('<?xml version="1.0" encoding="iso-8859-1"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
            '<body><h1>One</h1><p>Caf\u00e9 at dawn.</p></body></html>').encode("latin-1")
    book = read_book(write(tmp_path, data, "page.xhtml"))
    assert book.text == "One\n\nCafé at dawn."
    assert [c.title for c in book.chapters] == ["One"]


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"<html><body><script>x()</script></body></html>", "no readable text"),
])
def test_bad_html(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        read_book(write(tmp_path, data))


_WORDS = st.sampled_from(["Wren", "lamp", "don’t", "sea", "&amp;", "O’Brien", "42", "&nbsp;", " ", "\n", "—"])
_TEXT = st.lists(_WORDS, min_size=1, max_size=6).map(" ".join)
_TAGS = ["p", "div", "span", "em", "blockquote", "h2", "h3", "section", "li", "td"]
_MARKUP = st.recursive(
    st.one_of(_TEXT, st.just("<br/>"), st.just("<hr/>")),
    lambda children: st.tuples(st.sampled_from(_TAGS), st.lists(children, max_size=4)).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(_MARKUP, min_size=1, max_size=5).map("".join), suffix=st.sampled_from([".html", ".xhtml"]))
def test_no_word_is_lost_whatever_the_markup(tmp_path: Path, body: str, suffix: str) -> None:
    """Any nesting of block and inline elements keeps every word, once, in order of the source."""
    expected = markup_words(re.sub(r"</?(?:div|h\d|blockquote|section|li|td)\b[^>]*>", " ", body))
    if not expected:
        return
    book = read_book(write(tmp_path, f"<html><body>{body}</body></html>", "page" + suffix))
    assert words(book.text) == expected
    assert "\n\n\n" not in book.text and book.text == book.text.strip()
    assert book.chapters[0].start == 0 and book.chapters[-1].end == len(book.text)


def test_options_for_other_formats_are_reported(tmp_path: Path) -> None:
    book = read_book(write(tmp_path, "<p>Plain page.</p>"), include=["copyright.xhtml"])
    assert book.warnings == ("--include only applies to EPUB books; ignored for work.html",)
    text_book = read_book(write(tmp_path, "Plain text.", "story.txt"), notes=True)
    assert text_book.warnings == ("--notes only applies to HTML books (AO3 downloads); ignored for story.txt",)
