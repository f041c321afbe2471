"""Helpline data: every record has a source and a verification date; locales match."""

from __future__ import annotations

import re
from datetime import date

import pytest

from confidante.safety import emergency_for, helplines_for
from confidante.safety.datafiles import resource
from confidante.safety.helplines import (
    all_emergency_numbers,
    all_helplines,
    country_for,
    international,
    parse_locale,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_every_record_has_a_source_and_a_verification_date() -> None:
    records = all_helplines()
    assert len(records) >= 21 + 1
    for h in records:
        assert h.source.startswith("https://"), h.id
        assert _DATE.match(h.verified), h.id
        assert date.fromisoformat(h.verified) <= date(2026, 12, 31), h.id
        assert h.number or h.text or h.url, h.id


def test_every_emergency_number_has_a_source_and_a_date() -> None:
    numbers = all_emergency_numbers()
    assert len(numbers) > 15
    for e in numbers:
        assert e.source.startswith("https://"), e.country
        assert _DATE.match(e.verified), e.country
        assert e.number


def test_every_helpline_country_has_an_emergency_number() -> None:
    countries = {h.country for h in all_helplines()} - {"INT"}
    known = {e.country for e in all_emergency_numbers()}
    assert countries <= known


def test_short_codes_are_shown_as_dialled() -> None:
    # E.164 short codes ("+44116123") cannot be dialled; each needs a reviewed display form.
    for h in all_helplines():
        for value in (h.number, h.text):
            if value and value.startswith("+"):
                assert len(re.sub(r"\D", "", value)) >= 10, h.id


def test_licence_files_travel_with_the_data() -> None:
    for name in ("LICENSE.txt", "LICENSE-DATA.txt", "NOTICE.txt", "SOURCE.md"):
        assert resource(f"data/helplines/{name}").is_file(), name


@pytest.mark.parametrize(
    ("locale", "country"),
    [
        ("en_US", "US"),
        ("en-GB", "GB"),
        ("de_DE.UTF-8", "DE"),
        ("fr", "FR"),
        ("fr_CA", "CA"),
        ("ja-JP", "JP"),
        ("zh-Hans-CN", "CN"),
        ("pt_BR.utf8", "BR"),
        ("en_UK", "GB"),
        ("EN_us", "US"),
    ],
)
def test_locale_matching(locale: str, country: str) -> None:
    assert country_for(locale) == country
    lines = helplines_for(locale)
    assert lines and lines[0].country == country


@pytest.mark.parametrize("locale", ["en", "", "C", "POSIX", "es", "en_AU", "xx_ZZ", "de_AT"])
def test_unknown_country_gets_the_international_fallback(locale: str) -> None:
    assert helplines_for(locale) == list(international())


def test_language_first() -> None:
    assert "en" in helplines_for("en_JP")[0].languages
    assert "ja" in helplines_for("ja_JP")[0].languages
    assert helplines_for("ja_JP")[-1].id == "jp-tell-lifeline"  # English only: last for "ja"


def test_parse_locale() -> None:
    p = parse_locale("sr_RS@latin")
    assert (p.language, p.country) == ("sr", "RS")
    assert parse_locale("de_DE.UTF-8").language == "de"


def test_emergency_numbers() -> None:
    assert emergency_for("en_US").number == "911"
    assert emergency_for("en_GB").number == "999"
    assert emergency_for("de").number == "112"
    assert emergency_for("en_AU").number == "000"
    assert "local emergency number" in emergency_for("en").number
