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


def test_pyttsx3_voices_have_the_gender_their_driver_knows() -> None:
    """`narrator voices --engine pyttsx3` said "male" for every language: its espeak driver reports
    espeak's default. SAPI5 and macOS voices are people with a gender, and keep it."""
    from narrator.engines.pyttsx3 import voice_gender

    assert voice_gender("espeak", "Male") == voice_gender("espeak", "Female") == "unknown"
    assert voice_gender("sapi5", "Female") == "female" and voice_gender("nsss", "VoiceGenderMale") == "male"
    assert voice_gender("sapi5", None) == "unknown"


def test_pyttsx3_listing_in_its_own_process() -> None:
    """(pyttsx3 and espeak cannot share libespeak-ng in one process)"""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "narrator", "voices", "--engine", "pyttsx3"], capture_output=True,
                          text=True, timeout=120, cwd=root, check=False)
    if proc.returncode != 0 and "pyttsx3" in proc.stderr:
        pytest.skip(f"pyttsx3 cannot start here: {proc.stderr.strip()[-200:]}")
    assert proc.returncode == 0, proc.stderr
    languages = [line.split() for line in proc.stdout.splitlines() if line.startswith("  ") and "+" not in line[:4]]
    assert len(languages) > 50 and not [cols for cols in languages if "male" in cols or "female" in cols]
    assert "Variants (append with +" in proc.stdout and any(line.split()[:2] == ["+f3", "female"]
                                                            for line in proc.stdout.splitlines())
