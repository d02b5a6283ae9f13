"""`narrator voices` tells the truth about gender: an espeak-ng language voice has none (a
language file may not declare one; espeak_ListVoices reports its default, "male", for all of
them), the variant appended to it gives one."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from narrator.cli import cli
from narrator.engines import get_engine

pytestmark = pytest.mark.engine


def rows(output: str) -> dict[str, list[str]]:
    """First column of each listed voice or variant → its columns."""
    return {line.split()[0]: line.split() for line in output.splitlines() if line.startswith("  ")}


def test_espeak_language_voices_have_no_gender() -> None:
    voices = get_engine("espeak").voices()
    assert len(voices) > 50
    assert {v.gender for v in voices} == {"unknown"}


def test_the_listing_shows_a_dash_for_languages_and_real_genders_for_variants() -> None:
    result = CliRunner().invoke(cli, ["voices"], catch_exceptions=False)
    assert result.exit_code == 0
    listed = rows(result.output)
    assert listed["en-gb"][:3] == ["en-gb", "en-gb", "—"] and listed["fr-fr"][2] == "—"
    languages = [cols for voice, cols in listed.items() if not voice.startswith("+")]
    assert languages and not [cols for cols in languages if "male" in cols or "female" in cols]
    assert listed["+f3"][1] == "female" and listed["+m1"][1] == "male" and listed["+croak"][1] == "male"
    assert listed["+klatt"][1] == "—"  # changes the synthesiser, not the speaker
    assert "a language voice has no gender" in result.output
