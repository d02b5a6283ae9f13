"""Hostile markup: nothing a document means to be read is lost silently (issue 10, finding 1).

Every test builds its input itself. The property test at the end writes random HTML (nesting
up to 2,000, long text nodes, entities, scripts and styles) and checks that each text node
reaches the book, or that the book is refused with a one-line `IngestError`.
"""
from __future__ import annotations

import html
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrator.errors import IngestError
from narrator.ingest import markup as markup_module
from narrator.ingest import read_book
from narrator.ingest.markup import MAX_DEPTH, MarkupError, markup_letters, parse_markup


def words(book_text: str) -> str:
    return " ".join(book_text.split())


def nested_paragraphs(count: int) -> str:
    """`count` paragraphs, each one <div> deeper than the one before (the issue's probe)."""
    body = "".join(f"<div><p>Paragraph {i}.</p>" for i in range(count)) + "</div>" * count
    return f"<html><body>{body}</body></html>"


def test_html_nested_past_libxml2_default_depth_keeps_every_paragraph(tmp_path: Path) -> None:
    """libxml2 stops at depth 256 without huge_tree; 400 levels must all be read."""
    path = tmp_path / "nest.html"
    path.write_text(nested_paragraphs(400), encoding="utf-8")
    text = words(read_book(path).text)
    assert all(f"Paragraph {i}." in text for i in range(400))


def test_html_nested_past_our_bound_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nest.html"
    path.write_text(nested_paragraphs(MAX_DEPTH + 1), encoding="utf-8")
    with pytest.raises(MarkupError, match=f"nested more than {MAX_DEPTH} deep"):
        read_book(path)


def test_html_nested_past_libxml2_huge_depth_is_refused_not_truncated(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Even with our own bound out of the way, libxml2's 2048 limit is seen, not obeyed silently."""
    monkeypatch.setattr(markup_module, "MAX_DEPTH", 10_000)
    path = tmp_path / "nest.html"
    path.write_text(nested_paragraphs(2100), encoding="utf-8")
    with pytest.raises(MarkupError):
        read_book(path)


def test_xhtml_nested_1000_deep_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    body = "<div>" * 1000 + "<p>Deep.</p>" + "</div>" * 1000
    path = tmp_path / "deep.xhtml"
    path.write_text(f'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>{body}</body></html>',
                    encoding="utf-8")
    with pytest.raises(MarkupError, match="nested more than"):
        read_book(path)


def test_xhtml_nested_just_under_the_bound_is_read(tmp_path: Path) -> None:
    depth = MAX_DEPTH - 3  # html, body and p make up the rest
    body = "<div>" * depth + "<p>Deep.</p>" + "</div>" * depth + "<p>After.</p>"
    path = tmp_path / "deep.xhtml"
    path.write_text(f'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>{body}</body></html>',
                    encoding="utf-8")
    assert words(read_book(path).text).endswith("Deep. After.")


def test_text_node_over_ten_million_characters_keeps_the_next_chapter(tmp_path: Path) -> None:
    """At the real limit: libxml2 drops a text node over 10,000,000 characters without huge_tree."""
    long = "word " * 2_000_001  # 10,000,005 characters
    path = tmp_path / "long.html"
    path.write_text(f"<html><body><h1>Chapter 1</h1><p>{long}</p><h1>Chapter 2</h1><p>The end.</p></body></html>",
                    encoding="utf-8")
    book = read_book(path)
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]
    assert book.text.endswith("The end.")
    assert book.text.count("word") == 2_000_001


def test_text_after_the_html_end_tag_is_read(tmp_path: Path) -> None:
    """libxml2 drops everything after </html> and leaves text after </body> outside the body."""
    path = tmp_path / "after.html"
    path.write_text("<html><body><p>One.</p></body></html><p>Two.</p>", encoding="utf-8")
    assert words(read_book(path).text) == "One. Two."
    path.write_text("<html><body><p>One.</p></body><p>Two.</p></html>", encoding="utf-8")
    assert words(read_book(path).text) == "One. Two."


def test_a_parser_that_loses_text_is_caught_by_the_independent_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The completeness check does not trust the parser: make it lose a paragraph and see."""
    real = markup_module.lxml.html.document_fromstring

    def lossy(data: bytes, parser: object) -> object:
        return real(data.replace(b"<p>Two.</p>", b""), parser=parser)

    monkeypatch.setattr(markup_module.lxml.html, "document_fromstring", lossy)
    with pytest.raises(MarkupError, match="kept 3 of its 6 letters"):
        parse_markup("<p>One.</p><p>Two.</p>", xml_first=False)


@pytest.mark.parametrize(("markup", "expected"), [
    ("<p>a<b c='x>y'>d</b></p>", "ad"),
    ("<p>Tom &amp; Jerry &eacute;</p>", "TomJerryé"),
    ("<p>x<!-- hidden -->y<!-->z<!--->w</p>", "xyzw"),
    ("<p>a<script>if (a<b) {c}</script>d</p>", "aifabcd"),
    ("<title>T&amp;U</title><p>a < b</p>", "TUab"),
    ("<p>a<?pi no?>b<!DOCTYPE x>c</>d</ x>e", "abcde"),
    ("<p>open <b attr='never closed", "open"),
])
def test_markup_letters_counts_what_a_browser_shows(markup: str, expected: str) -> None:
    assert markup_letters(markup) == len(expected)


# --- the property: random HTML -----------------------------------------------------------------

WORD = st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True)
ENTITY = st.sampled_from([("&amp;", "&"), ("&eacute;", "é"), ("&#65;", "A"), ("&lt;", "<"), ("&nbsp;", " "),
                          ("&mdash;", "—"), ("&copy;", "©")])
WRAPPERS = st.sampled_from(["div", "section", "blockquote", "span", "em", "b", "i", "article"])


@st.composite
def html_documents(draw: st.DrawFn) -> tuple[str, list[str], list[str], int]:
    """(markup, text nodes meant to be read in order, script/style text that is not, deepest nesting)."""
    parts, shown, hidden, deepest = ["<html><head><title>T</title></head><body>"], [], [], 2
    for n in range(draw(st.integers(1, 6))):
        wrappers = draw(st.lists(WRAPPERS, max_size=4))
        chain = draw(st.one_of(st.just(0), st.integers(0, 2000))) if n == 0 else 0
        tags = ["div"] * chain + wrappers + ["p"]
        deepest = max(deepest, 2 + len(tags))
        pieces, said = [], []
        for word in draw(st.lists(WORD, min_size=1, max_size=6)):
            entity, char = draw(ENTITY)
            pieces.append(f"{word}{n}{entity}")
            said.append(f"{word}{n}{char}")
        if draw(st.booleans()):
            long = draw(WORD) * draw(st.integers(1000, 30_000))
            pieces.append(long)
            said.append(long)
        if draw(st.booleans()):
            secret = f"hidden{n}x"
            kind = draw(st.sampled_from(["script", "style"]))
            parts.append(f"<{kind}>var s = '<p>{secret}</p>' && a<b;</{kind}>")
            hidden.append(secret)
        parts.append("".join(f"<{t}>" for t in tags) + " ".join(pieces) + "".join(f"</{t}>" for t in reversed(tags)))
        shown.append(words(" ".join(said)))
    parts.append("</body></html>")
    return "".join(parts), shown, hidden, deepest


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=html_documents(), suffix=st.sampled_from([".html", ".xhtml"]))
def test_every_text_node_reaches_the_book_or_the_book_is_refused(
        tmp_path_factory: pytest.TempPathFactory, document: tuple[str, list[str], list[str], int], suffix: str
) -> None:
    markup, shown, hidden, deepest = document
    path = tmp_path_factory.mktemp("random") / f"book{suffix}"
    path.write_text(markup, encoding="utf-8")
    try:
        book = read_book(path)
    except IngestError as e:
        assert deepest > MAX_DEPTH, f"refused a readable document: {e}"
        assert "\n" not in str(e) and "nested more than" in str(e)
        return
    assert deepest <= MAX_DEPTH, "a document nested past the bound was read"
    text = words(book.text).replace(" ", "")
    position = 0
    for node in shown:  # in order, none missing (whitespace may be folded differently)
        found = text.find(node.replace(" ", ""), position)
        assert found >= 0, f"lost: {node[:60]!r}"
        position = found + 1
    assert not any(secret in book.text for secret in hidden)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<br>", "<script>", "</script>",
                                 "<!--", "-->", "<", ">", "</", "&amp;", "&copy", "<a href='x>y'>", "</a>",
                                 "<table>", "<td>", "</html>", "</body>", "<head>", "<![CDATA[", "]]>",
                                 "<title>", "<textarea>", "<select>", "<option>", "<plaintext>", "'", '"', "=",
                                 " ", "\n", "word", "Abc", "é"]), max_size=40))
def test_tag_soup_is_read_whole_or_refused_never_cut(parts: list[str]) -> None:
    """Random tag soup: libxml2 keeps every letter the independent tokenizer sees (no false refusals)."""
    markup = "".join(parts)
    try:
        parse_markup(markup, xml_first=False)  # checks the parser's letters against markup_letters
    except MarkupError as e:
        raise AssertionError(f"{markup!r}: {e}") from e
    except IngestError:
        pass  # nothing to parse ("Document is empty")


def test_entities_in_text_are_counted_decoded() -> None:
    assert markup_letters(html.escape("<p>x</p>")) == 3
