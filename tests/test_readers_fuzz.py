"""Readers of untrusted files raise `NarratorError` or nothing: any other exception is a bug
(issue 10, finding 7). Small generated inputs: books of every format, voice and lexicon data,
and EPUBs whose container.xml or package file is cut and spliced."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrator.errors import IngestError, NarratorError
from narrator.ingest import read_book
from narrator.lexicon import lexicon_from_dict
from narrator.voices import parse_voice_file

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = st.sampled_from(["voice", "rate", "pitch", "engine", "gender", "aliases", "lines", "male", "female", "neutral",
                        "target", "paragraph", "words", "regex", "pattern", "replace", "range", "volume", "Tom",
                        "narrator", "unknown", "pool", "characters", "pacing", "loudness", "book"])
SCALARS = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(alphabet="ab(+)$\\1 ", max_size=8), st.booleans())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(KEYS, inner, max_size=4)), max_leaves=15)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items()) + "}"


@FUZZ
@given(data=st.dictionaries(KEYS, VALUES, max_size=5))
def test_voice_and_lexicon_files_fail_only_with_narrator_errors(tmp_path_factory: pytest.TempPathFactory,
                                                                data: dict[str, Any]) -> None:
    path = tmp_path_factory.mktemp("toml") / "v.toml"
    path.write_text("".join(f'"{k}" = {toml_value(v)}\n' for k, v in data.items()), encoding="utf-8")
    try:
        parse_voice_file(path)
    except NarratorError:
        pass
    try:
        lexicon_from_dict(data, "l.toml").apply("Some text here, aaa.")
    except NarratorError:
        pass


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace"))),
       suffix=st.sampled_from([".txt", ".md", ".html", ".xhtml", ".epub"]))
def test_books_fail_only_with_narrator_errors(tmp_path_factory: pytest.TempPathFactory, data: bytes,
                                              suffix: str) -> None:
    path = tmp_path_factory.mktemp("book") / f"b{suffix}"
    path.write_bytes(data)
    try:
        read_book(path)
    except NarratorError:
        pass


CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
             '<rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles>'
             '</container>')
OPF = ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0"><metadata '
       'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title><meta name="cover" content="i"/></metadata>'
       '<manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml"/><item id="i" href="cover.png" '
       'media-type="image/png"/></manifest><spine><itemref idref="c"/></spine></package>')
FRAGMENTS = st.sampled_from(["<", ">", "/>", "</", "rootfile", 'full-path=""', "media-type", '"', "manifest", "spine",
                             "item", "itemref", 'idref="c"', 'id="c"', 'href=""', 'href="c.xhtml"', "<package>",
                             "</package>", "metadata", 'properties="nav"', 'toc="x"', "../", "#", " ", "&", "guide"])
PYTHON_ERROR = re.compile(r"\b(?:Attribute|Type|Key|Index|Assertion|Value)Error\b")


@FUZZ
@given(part=st.sampled_from(["container", "opf"]), at=st.integers(0, 500), cut=st.integers(0, 40),
       insert=st.lists(FRAGMENTS, max_size=6))
def test_spliced_epubs_fail_with_a_message_a_user_can_act_on(tmp_path_factory: pytest.TempPathFactory, part: str,
                                                             at: int, cut: int, insert: list[str]) -> None:
    parts = {"container": CONTAINER, "opf": OPF}
    text = parts[part]
    parts[part] = text[:at] + "".join(insert) + text[at + cut:]
    path = tmp_path_factory.mktemp("epub") / "b.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", parts["container"])
        archive.writestr("content.opf", parts["opf"])
        archive.writestr("c.xhtml", '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Hello.</p></body></html>')
    try:
        read_book(path)
    except NarratorError as e:
        assert "\n" not in str(e)
        if "could not be read (" not in str(e):  # ebooklib's own failures keep their name, in parentheses
            assert not PYTHON_ERROR.search(str(e)), str(e)


def test_garbage_container_xml_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "g.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", "garbage")
    with pytest.raises(IngestError, match="container.xml is not well-formed XML. Repair it"):
        read_book(path)


def test_container_naming_a_missing_package(tmp_path: Path) -> None:
    path = tmp_path / "m.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("META-INF/container.xml", CONTAINER)
    with pytest.raises(IngestError, match="package file 'content.opf' is not in the archive"):
        read_book(path)


def test_spine_document_missing_from_the_archive(tmp_path: Path) -> None:
    path = tmp_path / "s.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("META-INF/container.xml", CONTAINER)
        archive.writestr("content.opf", OPF)
    with pytest.raises(IngestError, match="manifest lists 'c.xhtml', which is not in the archive"):
        read_book(path)
