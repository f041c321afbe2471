"""Crisis helplines and emergency numbers by locale, from packaged data.

The records come from open-helplines (CC0, ``data/helplines/countries``), with reviewed display
forms, an international fallback, emergency numbers and lines for one kind of danger (domestic
abuse, child protection, poison control, eating disorders) in ``data/helplines/reviewed.toml``.
A locale such as ``en_US``, ``en-GB``, ``de_DE.UTF-8`` or ``fr`` is matched to a country; a
locale with no country of ours (``C``, ``POSIX``, unset) gets the international directories,
never another country's line. ``locale_label`` names which of the two a person is shown, from
``data/helplines/labels.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from confidante.errors import DataFileError
from confidante.safety.datafiles import read_json, read_toml, require, resource

_DIR = "data/helplines"
_REVIEWED = f"{_DIR}/reviewed.toml"
_LABELS = f"{_DIR}/labels.toml"

#: The kinds of danger ``helplines_for`` knows; each is a ``RiskKind`` value or a finer one the
#: safety layer may pass. Other strings (``"none"``, a future kind) get the general lines.
KINDS = frozenset({
    "harmed_by_others",
    "child_at_risk",
    "eating_disorder",
    "medical_emergency",
    "suicide_self_harm",
    "harming_others",
    "third_party",
})
_ISO2 = re.compile(r"^[A-Za-z]{2}$")


@dataclass(frozen=True)
class Helpline:
    """One crisis line as a person should be told about it."""

    id: str
    name: str
    country: str  # ISO 3166-1 alpha-2, or "INT" for an international directory
    number: str | None  # what to call, written as dialled inside the country
    text: str | None  # what to text ("text SHOUT to 85258")
    url: str | None
    languages: tuple[str, ...]
    hours: str
    source: str  # where the record comes from (HTTPS)
    verified: str  # YYYY-MM-DD of the last check recorded for it
    kinds: tuple[str, ...] = ()  # the dangers a specific line is for; () for a general line

    def contact(self) -> str:
        """How to reach it, in one phrase ("call 116 123", "text HOME to 741741")."""
        parts = []
        if self.number:
            parts.append(f"call {self.number}")
        if self.text:
            parts.append(self.text)
        if self.url and not parts:
            parts.append(f"visit {self.url}")
        return " or ".join(parts)


@dataclass(frozen=True)
class EmergencyNumber:
    """The number for emergency services in one country."""

    country: str
    number: str
    source: str
    verified: str


@dataclass(frozen=True)
class Locale:
    """A parsed locale: language (lower case) and country (ISO alpha-2, upper case) if known."""

    language: str
    country: str | None


def parse_locale(locale: str) -> Locale:
    """Parse ``en_US``, ``en-GB``, ``de_DE.UTF-8``, ``sr@latin``, ``zh-Hans-CN``, ``fr``."""
    base = locale.strip().split(".")[0].split("@")[0]
    parts = [p for p in re.split(r"[-_]", base) if p]
    if not parts or parts[0].upper() in ("C", "POSIX"):
        return Locale(language="", country=None)
    language = parts[0].lower()
    country = next((p.upper() for p in reversed(parts[1:]) if _ISO2.match(p)), None)
    if country is not None:
        country = _reviewed()["country_alias"].get(country, country)
    return Locale(language=language, country=country)


def country_for(locale: str) -> str | None:
    """The country a locale points to, using the reviewed language defaults when it has none."""
    parsed = parse_locale(locale)
    if parsed.country is not None:
        return parsed.country
    value = _reviewed()["language_country"].get(parsed.language)
    return None if value is None else str(value)


def helplines_for(locale: str, kind: str | None = None) -> list[Helpline]:
    """The lines for a locale: those for ``kind`` first, then the general ones; never empty.

    ``kind`` is a ``RiskKind`` value or another name in ``KINDS``; without a specific line for
    it in the locale's country (or with ``None``) the list is the general crisis lines alone.
    Within each group the lines in the person's language come first.
    """
    country = country_for(locale) or ""
    language = parse_locale(locale).language
    general = _by_country().get(country, ())
    if not general:
        return list(international())
    specific = [h for h in _specific().get(country, ()) if kind is not None and kind in h.kinds]
    return _language_first(specific, language) + _language_first(list(general), language)


def locale_label(locale: str) -> str:
    """Whose lines ``helplines_for(locale)`` shows ("the United Kingdom"), from labels.toml."""
    labels = _labels()
    country = country_for(locale) or ""
    if country in _by_country():
        shown = require(labels, "country", _LABELS).get(country)
        if shown is None:
            raise DataFileError(f"safety/{_LABELS}: no [country] label for {country}; add one")
        return str(shown)
    return str(require(labels, "international", _LABELS))


def international() -> tuple[Helpline, ...]:
    """The international directories used when no country line matches."""
    return _international()


def emergency_for(locale: str) -> EmergencyNumber:
    """The emergency number for a locale's country, or the reviewed "local number" wording."""
    country = country_for(locale)
    numbers = _emergency()
    if country is not None and country in numbers:
        return numbers[country]
    return numbers[""]


def all_helplines() -> tuple[Helpline, ...]:
    """Every packaged record: general country lines, specific lines, then international ones."""
    general = tuple(h for hs in _by_country().values() for h in hs)
    return general + tuple(h for hs in _specific().values() for h in hs) + _international()


def _language_first(lines: list[Helpline], language: str) -> list[Helpline]:
    speaks = [h for h in lines if any(lang.split("-")[0] == language for lang in h.languages)]
    return speaks + [h for h in lines if h not in speaks]


def all_emergency_numbers() -> tuple[EmergencyNumber, ...]:
    """Every packaged emergency number, the unknown-country wording last."""
    return tuple(_emergency().values())


@cache
def _reviewed() -> dict[str, Any]:
    return read_toml(_REVIEWED)


@cache
def _labels() -> dict[str, Any]:
    return read_toml(_LABELS)


@cache
def _by_country() -> dict[str, tuple[Helpline, ...]]:
    display: dict[str, Any] = _reviewed().get("display", {})
    countries = resource(f"{_DIR}/countries")
    out: dict[str, tuple[Helpline, ...]] = {}
    for folder in sorted(countries.iterdir(), key=lambda t: t.name):
        path = f"{_DIR}/countries/{folder.name}/helplines.json"
        data = read_json(path)
        records = []
        for r in require(data, "records", path):
            records.append(_from_record(r, display.get(str(r.get("id")), {}), path))
        out[str(data["country"]).upper()] = tuple(records)
    for r in _reviewed().get("general", []):  # countries the upstream records lack
        line = _reviewed_line(r, str(require(r, "country", _REVIEWED)).upper())
        out[line.country] = (*out.get(line.country, ()), line)
    return out


def _from_record(r: dict[str, Any], shown: dict[str, Any], path: str) -> Helpline:
    contacts = require(r, "contacts", path)
    phones = [c["number"] for c in contacts if c.get("method") == "phone" and "number" in c]
    texts = [c["number"] for c in contacts if c.get("method") == "text" and "number" in c]
    urls = [c["url"] for c in contacts if "url" in c]
    languages = sorted({lang for c in contacts for lang in c.get("languages", [])})
    hours = sorted({str(c.get("hours", "")) for c in contacts} - {""})
    return Helpline(
        id=str(require(r, "id", path)),
        name=str(require(r, "name", path)),
        country=str(require(r, "country", path)).upper(),
        number=shown.get("number") or (" or ".join(phones) if phones else None),
        text=shown.get("text") or (f"text {' or '.join(texts)}" if texts else None),
        url=urls[0] if urls else r.get("website"),
        languages=tuple(languages),
        hours=", ".join(hours),
        source=str(require(r, "source", path)),
        verified=str(require(r, "verified_at", path)),
    )


def _reviewed_line(r: dict[str, Any], country: str) -> Helpline:
    return Helpline(
        id=str(require(r, "id", _REVIEWED)),
        name=str(require(r, "name", _REVIEWED)),
        country=country,
        number=r.get("number"),
        text=r.get("text"),
        url=r.get("url"),
        languages=tuple(r.get("languages", [])),
        hours=str(r.get("hours", "")),
        source=str(require(r, "source", _REVIEWED)),
        verified=str(require(r, "verified", _REVIEWED)),
        kinds=tuple(str(k) for k in r.get("kinds", [])),
    )


@cache
def _specific() -> dict[str, tuple[Helpline, ...]]:
    out: dict[str, list[Helpline]] = {}
    for r in _reviewed().get("specific", []):
        line = _reviewed_line(r, str(require(r, "country", _REVIEWED)).upper())
        unknown = set(line.kinds) - KINDS
        if not line.kinds or unknown:
            raise DataFileError(
                f"safety/{_REVIEWED}: [[specific]] {line.id} needs kinds from {sorted(KINDS)}"
            )
        out.setdefault(line.country, []).append(line)
    return {cc: tuple(lines) for cc, lines in out.items()}


@cache
def _international() -> tuple[Helpline, ...]:
    out = [_reviewed_line(r, "INT") for r in require(_reviewed(), "international", _REVIEWED)]
    if not out:
        raise DataFileError(f"safety/{_REVIEWED}: needs at least one [[international]] record")
    return tuple(out)


@cache
def _emergency() -> dict[str, EmergencyNumber]:
    data = _reviewed()
    out: dict[str, EmergencyNumber] = {}
    for cc, e in require(data, "emergency", _REVIEWED).items():
        out[cc.upper()] = _emergency_number(cc.upper(), e)
    out[""] = _emergency_number("", require(data, "emergency_fallback", _REVIEWED))
    return out


def _emergency_number(cc: str, e: dict[str, Any]) -> EmergencyNumber:
    return EmergencyNumber(
        country=cc,
        number=str(require(e, "number", _REVIEWED)),
        source=str(require(e, "source", _REVIEWED)),
        verified=str(require(e, "verified", _REVIEWED)),
    )
