"""The book's language chooses its voices: EPUB dc:language, HTML lang or --language.

A trial read a Hindi EPUB with the English presets (an English accent spelling out Devanagari).
"""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from ebooklib import epub

from narrator.cast import cast_members
from narrator.cli import cli
from narrator.engines.base import VoiceInfo
from narrator.engines.fake import FAKE_VARIANTS, FakeEngine
from narrator.ingest import read_book
from narrator.options import RenderOptions
from narrator.pipeline import prepare
from narrator.types import NARRATOR, UNKNOWN, Book, Chapter, Character, Line, Script, Segment
from narrator.voices import load_voices
from tests.conftest import preset_fake_engine

HINDI = "राम ने कहा, \"मैं कल आऊँगा।\" सीता ने उत्तर दिया, \"ठीक है।\""


@pytest.mark.parametrize("tag, expected", [
    ("hi", "hi"), ("pt_BR", "pt-br"), (" en-US ", "en-us"), ("zh-Hant-TW", "zh-hant-tw"),
    ("", None), (None, None), ("und", None), ("English", None), ("e", None), ("x-klingon", None),
])
def test_tags_are_normalized(tag: str | None, expected: str | None) -> None:
    from narrator.language import normalize

    assert normalize(tag) == expected


SPOKEN = [("fr-fr", "fr-fr", 5), ("fr", "fr-fr", 5), ("fr-be", "fr-be", 5), ("fr", "fr-be", 8), ("pt", "pt", 5),
          ("pt-pt", "pt", 5), ("pt-br", "pt-br", 5), ("pt", "pt-br", 6), ("en", "en-gb", 2), ("en-gb", "en-gb", 2),
          ("en-us", "en-us", 2), ("de", "de", 5)]
"""(language, voice, priority): what espeak-ng says of some of its voices."""


@pytest.mark.parametrize("tag, voice", [
    ("fr", "fr-fr"), ("fr-be", "fr-be"), ("fr-ca", "fr-fr"), ("pt", "pt"), ("pt-br", "pt-br"),
    ("en", "en-gb"), ("en-us", "en-us"), ("en-au", "en-gb"), ("de-at", "de"), ("hi", None),
])
def test_the_closest_voice_speaks_a_language(tag: str, voice: str | None) -> None:
    """The region when there is a voice for it; else the language's own voice by the engine's
    preference (French from France before Belgian)."""
    from narrator.language import Spoken, best_voice

    assert best_voice([Spoken(*entry) for entry in SPOKEN], tag) == voice


def write_epub(tmp_path: Path, language: str) -> Path:
    book = epub.EpubBook()
    book.set_identifier("lang-1")
    book.set_title("कथा")
    book.set_language(language)
    page = epub.EpubHtml(title="अध्याय १", file_name="c1.xhtml", lang=language,
                         content=f"<html><body><h1>अध्याय १</h1><p>{HINDI}</p></body></html>")
    book.add_item(page)
    book.toc = [epub.Link("c1.xhtml", "अध्याय १", "c1")]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", page]
    path = tmp_path / "katha.epub"
    epub.write_epub(str(path), book)
    return path


def test_epub_and_html_say_their_language_and_text_does_not(tmp_path: Path) -> None:
    assert read_book(write_epub(tmp_path, "hi")).language == "hi"
    page = tmp_path / "page.html"
    page.write_text('<html lang="pt-BR"><body><h1>Um</h1><p>Olá, disse ela.</p></body></html>', encoding="utf-8")
    assert read_book(page).language == "pt-br"
    xhtml = tmp_path / "page.xhtml"
    xhtml.write_text('<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr"><body><p>Bonjour.</p></body></html>',
                     encoding="utf-8")
    assert read_book(xhtml).language == "fr"
    meta = tmp_path / "meta.html"
    meta.write_text('<html><head><meta http-equiv="Content-Language" content="de"></head><body><p>Hallo.</p>'
                    "</body></html>", encoding="utf-8")
    assert read_book(meta).language == "de"
    text = tmp_path / "story.txt"
    text.write_text("Hello there.\n", encoding="utf-8")
    assert read_book(text).language is None


def hindi_engine() -> FakeEngine:
    """The presets' voices, plus a Hindi and a Brazilian Portuguese voice."""
    base = preset_fake_engine()
    voices = [*base.voices(), VoiceInfo("hi", "Hindi", "hi"), VoiceInfo("pt-br", "Portuguese (Brazil)", "pt-br")]
    variants = {v.id: v for v in [*FAKE_VARIANTS, *base.variants()]}
    return FakeEngine(voices=voices, variants=variants.values())


def script_in(language: str | None, speakers: dict[str, str]) -> Script:
    names = list(speakers)
    text = "x" * (len(names) + 1)
    book = Book("T", "A", text, (Chapter(1, "One", 0, len(text), 0, 0),), language=language)
    lines = [Line(1, Segment(0, 1, "narration", 0, "x"), None)]
    lines += [Line(1, Segment(i + 1, i + 2, "quote", i + 1, "x"), n, 0.9, "t") for i, n in enumerate(names)]
    return Script(book, tuple(Character(n, gender=g) for n, g in speakers.items()),  # type: ignore[arg-type]
                  tuple(lines))


PEOPLE = {"Ram": "male", "Sita": "female", "Lakshman": "male", "Urmila": "female", "Dasi": "unknown"}


def test_a_hindi_book_is_cast_with_hindi_voices_keeping_each_variant(caplog: pytest.LogCaptureFixture) -> None:
    engine = hindi_engine()
    with caplog.at_level(logging.WARNING, "narrator"):
        members = {m.name: m for m in cast_members(script_in("hi", PEOPLE), load_voices(), engine)}
    assert not caplog.records
    presets = load_voices()
    assert presets.narrator is not None and presets.unknown is not None
    assert members[NARRATOR].voice.voice == "hi+" + presets.narrator.voice.partition("+")[2]
    assert members[NARRATOR].voice.rate == presets.narrator.rate and members[NARRATOR].chosen_by == "auto"
    assert members[UNKNOWN].voice.voice == "hi+" + presets.unknown.voice.partition("+")[2]
    assert {m.voice.voice.partition("+")[0] for m in members.values()} == {"hi"}
    keys = [(m.voice.voice, m.voice.rate, m.voice.pitch) for m in members.values()]
    assert len(set(keys)) == len(keys)
    female = {p.voice.partition("+")[2] for p in presets.pools["female"]}
    assert members["Sita"].voice.voice.partition("+")[2] in female
    english = {m.name: m.voice for m in cast_members(script_in("en-us", PEOPLE), load_voices(), engine)}
    assert english == {m.name: m.voice for m in cast_members(script_in(None, PEOPLE), load_voices(), engine)}
    assert english[NARRATOR] == presets.narrator  # English in any region keeps the presets' mix of accents


def test_the_region_is_kept_and_a_users_character_voice_is_not_moved(tmp_path: Path) -> None:
    cast_file = tmp_path / "b.cast.toml"
    cast_file.write_text('[characters.Ram]\nvoice = "en-us+m3"\n', encoding="utf-8")
    members = {m.name: m for m in cast_members(script_in("pt-BR", PEOPLE), load_voices([cast_file]), hindi_engine())}
    assert members[NARRATOR].voice.voice.startswith("pt-br+") and members["Sita"].voice.voice.startswith("pt-br+")
    assert (members["Ram"].voice.voice, members["Ram"].chosen_by) == ("en-us+m3", "you")


def test_a_language_without_a_voice_is_said_once_and_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    engine = hindi_engine()
    with caplog.at_level(logging.WARNING, "narrator"):
        members = {m.name: m.voice for m in cast_members(script_in("ta", PEOPLE), load_voices(), engine)}
        nearest = {m.name: m.voice for m in cast_members(script_in("sa", PEOPLE), load_voices(), engine)}
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "no voice for the book's language 'ta'" in messages[0] and "voice files' voices" in messages[0]
    assert members[NARRATOR] == load_voices().narrator
    assert "no voice for the book's language 'sa'" in messages[1] and "Hindi voice 'hi'" in messages[1]
    assert {v.voice.partition("+")[0] for v in nearest.values()} == {"hi"}  # Sanskrit: read by Hindi


def test_in_language_reports_which_steady_voices_moved() -> None:
    from narrator.cast import in_language

    config, moved = in_language(load_voices(), "hi", hindi_engine())
    assert moved == {NARRATOR, UNKNOWN} and config.narrator is not None and config.narrator.voice.startswith("hi+")
    assert in_language(load_voices(), "en-gb", hindi_engine())[1] == frozenset()


def test_language_option_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from narrator import cli as cli_module

    monkeypatch.setattr(cli_module, "_engine", lambda name: hindi_engine())
    book = write_epub(tmp_path, "en")
    assert prepare(book, output=tmp_path / "out", engine=hindi_engine()).script.book.language == "en"
    plan = prepare(book, output=tmp_path / "out", engine=hindi_engine(), language="hi")
    assert plan.script.book.language == "hi"
    assert {m.voice.voice.partition("+")[0] for m in plan.members} == {"hi"}
    shown = CliRunner().invoke(cli, ["cast", str(book), "--engine", "fake", "--language", "hi"])
    assert shown.exit_code == 0, shown.output
    assert "hi+" in shown.output and "en-gb-x-rp" not in shown.output
    bad = CliRunner().invoke(cli, ["cast", str(book), "--language", "Hindi!"])
    assert bad.exit_code == 2 and "'Hindi!' is not a language tag" in bad.output
    with pytest.raises(ValueError, match="language"):
        RenderOptions(language="Hindi!")
    assert RenderOptions(language="pt_BR").language == "pt-br"


@pytest.mark.engine
def test_espeak_casts_a_hindi_epub_with_hindi_voices(tmp_path: Path) -> None:
    from narrator.engines import get_engine

    espeak = get_engine("espeak")
    assert [espeak.voice_for_language(t) for t in ("fr", "zh", "es-mx", "pt-br", "no", "sa")] == \
        ["fr-fr", "cmn", "es-419", "pt-br", "nb", None]  # type: ignore[attr-defined]
    plan = prepare(write_epub(tmp_path, "hi"), output=tmp_path / "out")
    voices = {m.name: m.voice.voice for m in plan.members}
    assert voices[NARRATOR] == "hi+m3" and all(v.startswith("hi+") for v in voices.values())
    assert all(espeak.has_voice(v) for v in voices.values())
