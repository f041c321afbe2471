"""Reviewed wording for crises, boundaries and disclosure, and the choice among its variants.

Texts live in ``data/protocol.toml``, ``data/boundaries.toml`` and ``data/disclosure.toml``.
A variant is a list of sentences. ``pick`` chooses a variant none of whose sentences the session
has said yet and records its sentences in ``used``; resource lines (helpline and emergency numbers)
may repeat, because a person in crisis must always be told where help is.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from confidante.conversation import RiskKind, RiskLevel
from confidante.errors import DataFileError
from confidante.safety.datafiles import read_toml, require
from confidante.safety.helplines import Helpline, emergency_for, helplines_for
from confidante.safety.text import normalise_sentence

Variant = tuple[str, ...]
_PLACEHOLDER = re.compile(r"\{(helpline|emergency|helplines)\}")
CRISIS_LEVELS = (RiskLevel.ELEVATED, RiskLevel.IMMINENT)
CRISIS_KINDS = (
    RiskKind.SUICIDE_SELF_HARM,
    RiskKind.HARMED_BY_OTHERS,
    RiskKind.HARMING_OTHERS,
    RiskKind.MEDICAL_EMERGENCY,
    RiskKind.EATING_DISORDER,
    RiskKind.THIRD_PARTY,
)


@dataclass(frozen=True)
class Texts:
    """All reviewed wording, loaded once; immutable and shared by every session."""

    crisis: dict[tuple[RiskLevel, RiskKind], tuple[Variant, ...]]
    closing: Variant
    line: str
    directory: str
    boundary_order: tuple[str, ...]
    boundary_patterns: dict[str, tuple[re.Pattern[str], ...]]
    boundary_replies: dict[str, tuple[Variant, ...]]
    disclosure: dict[str, tuple[Variant, ...]]
    foreign_help: str  # after the language notice: the locale's help
    foreign_again: str  # a later message in another language: listening, without a reflection
    locale_line: str  # which country's lines are shown ("... for {country}.")

    @classmethod
    def load(cls) -> Texts:
        """The packaged texts, parsed once per process."""
        return _load()


def is_resource(sentence: str) -> bool:
    """True for a sentence that carries a helpline or emergency number placeholder."""
    return bool(_PLACEHOLDER.search(sentence))


def pick(
    variants: tuple[Variant, ...],
    rng: random.Random,
    used: set[str],
    render: Callable[[str], str] = str,
) -> str:
    """Say a variant whose sentences are all new to this session, and remember them.

    When every variant has been used, the one with the fewest repeats is said, without its
    repeated sentences if anything else remains: a reply is always returned.
    """

    def fresh(v: Variant) -> list[str]:
        return [s for s in v if not is_resource(s) and normalise_sentence(s) not in used]

    def repeats(v: Variant) -> int:
        return sum(1 for s in v if not is_resource(s) and normalise_sentence(s) in used)

    unused = [v for v in variants if repeats(v) == 0]
    if unused:
        chosen = list(rng.choice(unused))
    else:
        fewest = min(repeats(v) for v in variants)
        best = rng.choice([v for v in variants if repeats(v) == fewest])
        chosen = [s for s in best if is_resource(s) or s in fresh(best)]
        if not fresh(best):
            chosen = list(best)
    said = [render(s) for s in chosen]
    used.update(normalise_sentence(s) for s in said)
    return " ".join(said)


#: A sentence that offers a text option as well as a call.
_OFFERS_TEXT = re.compile(r"\btext(?:ing)?\b", re.IGNORECASE)


def render_line(helpline: Helpline, texts: Texts) -> str:
    """One helpline as a phrase ("Samaritans: call 116 123")."""
    if helpline.country == "INT" and helpline.url:
        return texts.directory.format(name=helpline.name, url=helpline.url)
    return texts.line.format(name=helpline.name, contact=helpline.contact())


def renderer(
    locale: str, texts: Texts, kind: RiskKind | None = None, kinds: tuple[RiskKind, ...] = ()
) -> Callable[[str], str]:
    """Fill {helpline}, {helplines} and {emergency} for a locale; {helpline} is the line that
    fits the kind of danger (an abuse line for harm from others) where the data has one, and
    {helplines} every general line, after the lines that fit ``kinds`` (a session's dangers)."""
    fits = [h for k in kinds for h in helplines_for(locale, k.value)[:1]]
    lines = list({h.name: h for h in [*fits, *helplines_for(locale)]}.values())
    fitting = helplines_for(locale, kind.value if kind is not None else None)
    first = fitting[0]
    values = {
        "helpline": render_line(first, texts),
        "helplines": "; ".join(render_line(h, texts) for h in lines),
        "emergency": emergency_for(locale).number,
    }
    # A sentence that offers texting ("call or text {helpline}") must be true: where the first
    # line takes calls only (Samaritans), the locale's text line for the same danger (Shout)
    # comes with it. Other sentences keep the one line, which reads as their subject.
    texter = [h for h in fitting[1:] if h.text][:1] if not first.text else []
    texting = {**values, "helpline": "; ".join(render_line(h, texts) for h in [first, *texter])}

    def render(sentence: str) -> str:
        chosen = texting if _OFFERS_TEXT.search(sentence) else values
        return _PLACEHOLDER.sub(lambda m: chosen[m.group(1)], sentence)

    return render


def variants(entries: Any, where: str) -> tuple[Variant, ...]:
    """Variants from a data file: a list of ``{ say = [...] }`` tables or of sentence lists."""
    out: list[Variant] = []
    for e in entries:
        say = e["say"] if isinstance(e, dict) else e
        if not isinstance(say, list) or not say or not all(isinstance(s, str) for s in say):
            raise DataFileError(f"safety/{where}: each variant must be a non-empty list of text")
        out.append(tuple(say))
    if not out:
        raise DataFileError(f"safety/{where}: needs at least one variant")
    return tuple(out)


@cache
def _load() -> Texts:
    protocol = read_toml("data/protocol.toml")
    crisis: dict[tuple[RiskLevel, RiskKind], tuple[Variant, ...]] = {}
    for level in CRISIS_LEVELS:
        table = require(protocol, level.value, "data/protocol.toml")
        for kind in CRISIS_KINDS:
            where = f"data/protocol.toml [{level.value}.{kind.value}]"
            crisis[(level, kind)] = variants(require(table, kind.value, where), where)
    render = require(protocol, "render", "data/protocol.toml")
    closing = variants([require(protocol, "closing", "data/protocol.toml")], "closing")[0]

    bounds = read_toml("data/boundaries.toml")
    order = tuple(str(b) for b in require(bounds, "order", "data/boundaries.toml"))
    patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
    replies: dict[str, tuple[Variant, ...]] = {}
    for bid in order:
        section = require(bounds, bid, "data/boundaries.toml")
        try:
            patterns[bid] = tuple(re.compile(p) for p in section["patterns"])
        except (KeyError, re.error) as ex:
            msg = f"safety/data/boundaries.toml [{bid}]: bad patterns ({ex})"
            raise DataFileError(msg) from None
        if "replies" in section:
            replies[bid] = variants(section["replies"], f"data/boundaries.toml [{bid}]")

    disclosure_data = read_toml("data/disclosure.toml")
    disclosure = {
        which: variants(require(disclosure_data, which, "data/disclosure.toml"), which)
        for which in ("opening", "asked", "reminder")
    }
    return Texts(
        crisis=crisis,
        closing=closing,
        line=str(require(render, "line", "data/protocol.toml")),
        directory=str(require(render, "directory", "data/protocol.toml")),
        boundary_order=order,
        boundary_patterns=patterns,
        boundary_replies=replies,
        disclosure=disclosure,
        foreign_help=str(require(require(protocol, "language", "data/protocol.toml"), "help",
                                 "data/protocol.toml [language]")),
        foreign_again=str(require(protocol["language"], "again", "data/protocol.toml [language]")),
        locale_line=str(require(require(protocol, "locale", "data/protocol.toml"), "line",
                                "data/protocol.toml [locale]")),
    )
