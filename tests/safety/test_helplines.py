"""Helpline data: every record has a source and a verification date; locales match."""

from __future__ import annotations

import re
from datetime import date

import pytest
from typer.testing import CliRunner

from confidante.cli import app
from confidante.conversation import RiskKind
from confidante.errors import ConfigError
from confidante.safety import emergency_for, helplines_for
from confidante.safety.datafiles import read_toml, resource
from confidante.safety.helplines import (
    KINDS,
    all_emergency_numbers,
    all_helplines,
    country_for,
    international,
    locale_label,
    parse_locale,
)
from confidante.settings import Settings, check_locale, system_locale

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


@pytest.mark.parametrize("locale", ["en", "", "C", "POSIX", "es", "en_NZ", "xx_ZZ", "de_AT"])
def test_unknown_country_gets_the_international_fallback(locale: str) -> None:
    assert helplines_for(locale) == list(international())


@pytest.mark.parametrize(("locale", "name", "number"), [
    ("en_AU", "Lifeline Australia", "13 11 14"),
    ("en_IE", "Samaritans Ireland", "116 123"),
])
def test_reviewed_general_lines_fill_countries_the_records_lack(
    locale: str, name: str, number: str
) -> None:
    (line,) = helplines_for(locale)
    assert (line.name, line.number) == (name, number)
    assert line.source.startswith("https://") and line.verified == "2026-12-03"
    assert "fallback" not in locale_label(locale) and "international" not in locale_label(locale)


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


# ---- lines for one kind of danger ----------------------------------------------------------------

_SPECIFIC = read_toml("data/helplines/reviewed.toml")["specific"]


def test_every_specific_record_has_a_source_url_a_date_and_kinds() -> None:
    assert len(_SPECIFIC) >= 20
    ids = [r["id"] for r in _SPECIFIC]
    assert len(ids) == len(set(ids))
    for r in _SPECIFIC:
        assert re.match(r"^https://[^\s/]+\.[^\s]+$", r["source"]), r["id"]
        assert r["verified"] == "2026-12-01", r["id"]
        assert r.get("review"), r["id"]  # how strong the source is, for the next check
        assert r["kinds"] and set(r["kinds"]) <= KINDS, r["id"]
        assert r.get("number") or r.get("text"), r["id"]
    specific = [h for h in all_helplines() if h.kinds]
    assert {h.id for h in specific} == set(ids)


def test_every_kind_names_a_risk_kind_or_a_finer_one() -> None:
    assert {k.value for k in RiskKind} - {"none"} <= KINDS


@pytest.mark.parametrize(
    ("locale", "first"),
    [
        ("en_US", "us-national-domestic-violence-hotline"),
        ("en_GB", "gb-national-domestic-abuse-helpline"),
        ("de_DE", "de-hilfetelefon-gewalt-gegen-frauen"),
        ("fr_FR", "fr-3919-violences-femmes-info"),
        ("ko_KR", "kr-women-emergency-1366"),
    ],
)
def test_harmed_by_others_puts_the_abuse_line_first(locale: str, first: str) -> None:
    lines = helplines_for(locale, RiskKind.HARMED_BY_OTHERS.value)
    assert lines[0].id == first
    general = helplines_for(locale)
    assert lines[-len(general):] == general  # the general crisis lines still follow


def test_without_a_specific_line_the_general_lines_come_alone() -> None:
    # Mexico has no verified abuse line here; the general line is what a person is given.
    assert helplines_for("es_MX", "harmed_by_others") == helplines_for("es_MX")
    assert helplines_for("en_GB", "harming_others") == helplines_for("en_GB")
    assert helplines_for("en_GB", "none") == helplines_for("en_GB")
    assert helplines_for("en_GB", None) == helplines_for("en_GB")


@pytest.mark.parametrize(
    ("kind", "first"),
    [
        ("child_at_risk", "us-childhelp-national-child-abuse-hotline"),
        ("medical_emergency", "us-poison-help"),
    ],
)
def test_other_kinds_in_the_united_states(kind: str, first: str) -> None:
    assert helplines_for("en_US", kind)[0].id == first


def test_specific_lines_stay_in_their_country() -> None:
    for locale in ("en_GB", "de_DE", "ja_JP", "pt_BR", "en_IN"):
        country = country_for(locale)
        for kind in KINDS:
            assert {h.country for h in helplines_for(locale, kind)} == {country}, (locale, kind)


def test_kinds_do_not_reach_the_international_fallback() -> None:
    for kind in KINDS:
        assert helplines_for("en_NZ", kind) == list(international())


# ---- the locale ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["C", "POSIX", "C.UTF-8", "POSIX.utf8", ""])
def test_c_posix_or_unset_system_locale_is_not_the_united_states(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    if value:
        monkeypatch.setenv("LANG", value)
    assert system_locale() == ""
    locale = Settings().locale
    lines = helplines_for(locale)
    assert lines == list(international())
    assert not any(h.country == "US" for h in lines)
    for kind in KINDS:
        assert not any(h.country == "US" for h in helplines_for(locale, kind))
    assert "local emergency number" in emergency_for(locale).number
    assert "international" in locale_label(locale)


def test_a_c_lc_all_falls_through_to_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert system_locale() == "en_GB"


@pytest.mark.parametrize(
    ("locale", "label"),
    [
        ("en_GB", "the United Kingdom"),
        ("en_UK", "the United Kingdom"),
        ("de_DE.UTF-8", "Germany"),
        ("en_US", "the United States"),
        ("fr", "France"),
    ],
)
def test_locale_label_names_the_country_shown(locale: str, label: str) -> None:
    assert locale_label(locale) == label


@pytest.mark.parametrize("locale", ["", "C", "POSIX", "en", "en_NZ", "xx_ZZ"])
def test_locale_label_says_international_when_no_country_matches(locale: str) -> None:
    assert locale_label(locale) == read_toml("data/helplines/labels.toml")["international"]


def test_every_country_with_lines_has_a_label() -> None:
    for cc in {h.country for h in all_helplines()} - {"INT"}:
        assert locale_label(f"xx_{cc}") != locale_label("C"), cc


@pytest.mark.parametrize(
    "locale", ["en", "fr", "en_US.UTF-8", "de_DE", "zh-Hans-CN", "sr_RS@latin", "C", "es_419", ""]
)
def test_valid_locales_pass(locale: str) -> None:
    assert check_locale(f" {locale} ") == locale


@pytest.mark.parametrize("locale", ["xx_QQ!", "en US", "12", "e", "en_GB;rm", "x" * 100, "../etc"])
def test_invalid_locale_raises_with_what_to_pass_instead(locale: str) -> None:
    with pytest.raises(ConfigError) as err:
        check_locale(locale)
    message = str(err.value)
    assert "Unknown locale" in message and "en_GB" in message
    assert len(message) < 200  # a long value is cut, not echoed whole


def test_an_invalid_locale_setting_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="CONFIDANTE_LOCALE"):
        Settings.from_env({"CONFIDANTE_LOCALE": "xx_QQ!"})
    assert Settings.from_env({"CONFIDANTE_LOCALE": "en_GB"}).locale == "en_GB"


def test_chat_refuses_an_invalid_locale_with_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["chat", "--locale", "xx_QQ!"])
    assert result.exit_code == 2
    assert "Unknown locale" in result.output
