"""A message's language, the notice for other languages, and crisis phrases beyond English.

The listener understands English best. :func:`detect_language` names a message's language so the
session can say so kindly (:func:`language_notice`) and so the safety layer is not blind when
someone writes in German, French, Spanish or Portuguese: :func:`foreign_assessment` tries the
reviewed crisis phrases of ``data/languages.toml`` for that language.

Detection leans to English on purpose: a short reply ("ok", "idk", a name) or a message full of
English function words is English, and another language must win the identifier (py3langid,
restricted to the languages listed in the data file) with a clear probability. Letters of a strong
script (Cyrillic, Arabic, Han, ...) decide on their own. The identifier's model is read from the
installed package, lazily and once per process; nothing is downloaded.
"""

from __future__ import annotations

import importlib
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

from confidante.conversation import RiskKind, RiskLevel
from confidante.errors import DataFileError
from confidante.safety.datafiles import read_toml, require

ENGLISH = "en"

_FILE = "data/languages.toml"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
# Letters that NFD does not split into a base and an accent.
_LETTERS = str.maketrans({"ß": "ss", "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_TOKEN = re.compile(r"[a-z0-9]+")
_MACRO = re.compile(r"<([a-z_]+)>")
_LEVELS = {RiskLevel.ELEVATED, RiskLevel.IMMINENT}
_KANA = ("HIRAGANA", "KATAKANA")


def _fold(text: str) -> str:
    """Lower-case, fold apostrophes and accents ("möchte" -> "mochte"), squeeze spaces."""
    s = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower().translate(_LETTERS)
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return _SPACES.sub(" ", s).strip()


@dataclass(frozen=True)
class _Detection:
    """The settings of ``[detection]`` and ``[scripts]``."""

    min_words: int
    min_confidence: float
    marker_confidence: float
    english_share: float
    candidates: tuple[str, ...]
    latin: tuple[str, ...]  # candidates written in no strong script
    english_words: frozenset[str]
    markers: dict[str, frozenset[str]]
    scripts: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class _Rule:
    """One reviewed crisis phrase in one language."""

    id: str
    kind: RiskKind
    level: RiskLevel
    pattern: re.Pattern[str]
    negatable: bool


@dataclass(frozen=True)
class _Rulebook:
    """One language's crisis phrases, idioms and negation words."""

    clauses: re.Pattern[str]
    negators: frozenset[str]
    window: int
    idioms: tuple[tuple[str, re.Pattern[str]], ...]
    rules: tuple[_Rule, ...]

    def negated(self, text: str, start: int) -> bool:
        """True when a negator stands just before ``start``, within its clause."""
        if self.window <= 0:
            return False
        clause_start = 0
        for sep in self.clauses.finditer(text, 0, start):
            clause_start = sep.end()
        before = _TOKEN.findall(text[clause_start:start])[-self.window :]
        return any(word in self.negators for word in before)


@cache
def _data() -> dict[str, Any]:
    return read_toml(_FILE)


@cache
def _detection() -> _Detection:
    data = _data()
    d = require(data, "detection", _FILE)
    scripts = {str(k): tuple(v) for k, v in require(data, "scripts", _FILE).items()}
    candidates = tuple(require(d, "candidates", _FILE))
    scripted = {lang for langs in scripts.values() for lang in langs}
    if ENGLISH not in candidates or not scripted <= set(candidates):
        raise DataFileError(f"safety/{_FILE}: every script language and 'en' must be candidates")
    return _Detection(
        min_words=int(require(d, "min_words", _FILE)),
        min_confidence=float(require(d, "min_confidence", _FILE)),
        marker_confidence=float(require(d, "marker_confidence", _FILE)),
        english_share=float(require(d, "english_share", _FILE)),
        candidates=candidates,
        latin=tuple(c for c in candidates if c not in scripted),
        english_words=frozenset(require(d, "english_words", _FILE)),
        markers={k: frozenset(_fold(w) for w in v) for k, v in d.get("markers", {}).items()},
        scripts=scripts,
    )


class _Identifier:
    """py3langid's identifier, loaded on first use, once, whichever thread asks first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Any = None

    def get(self) -> Any:
        """The loaded identifier, restricted to the candidate languages."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # Imported here: loading the model takes half a second, and a session that
                    # only ever hears English short replies never needs it.
                    langid = importlib.import_module("py3langid.langid")
                    model = langid.LanguageIdentifier.from_model_file(
                        langid.MODEL_FILE, norm_probs=True
                    )
                    try:
                        model.set_languages(list(_detection().candidates))
                    except ValueError as ex:
                        raise DataFileError(f"safety/{_FILE}: {ex}; fix candidates") from None
                    self._model = model
        return self._model


_IDENTIFIER = _Identifier()


def _script(ch: str) -> str:
    """The first word of a character's Unicode name: LATIN, CYRILLIC, CJK, HIRAGANA ..."""
    return unicodedata.name(ch, "").split(" ", 1)[0]


def _scores(text: str) -> dict[str, float]:
    """The identifier's probability for each candidate language."""
    # Lower-cased: the identifier reads "Quero morrer" as Italian and "quero morrer" right.
    return {str(lang): float(p) for lang, p in _IDENTIFIER.get().rank(text.lower())}


def _best(scores: dict[str, float], among: tuple[str, ...] | set[str]) -> tuple[str, float]:
    """The likeliest language of ``among``; ties go to the earlier candidate."""
    lang = max(among, key=lambda c: scores.get(c, 0.0))
    return lang, scores.get(lang, 0.0)


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the message's language; "en" when short, mixed or unclear."""
    cfg = _detection()
    raw = unicodedata.normalize("NFKC", text)
    scripts = Counter(_script(c) for c in raw if c.isalpha())
    letters = sum(scripts.values())
    if not letters:
        return ENGLISH
    kana = sum(scripts[k] for k in _KANA)
    if kana and (kana + scripts["CJK"]) * 2 > letters:
        return "ja"
    script, count = scripts.most_common(1)[0]
    if script in cfg.scripts and count * 2 > letters:
        langs = cfg.scripts[script]
        return langs[0] if len(langs) == 1 else _best(_scores(raw), langs)[0]
    words = _WORD.findall(_fold(raw))
    if len(words) < 2:
        return ENGLISH
    if sum(1 for w in words if w in cfg.english_words) >= cfg.english_share * len(words):
        return ENGLISH
    scores = _scores(raw)
    lang, p = _best(scores, cfg.latin)
    if lang == ENGLISH:
        return ENGLISH
    marked = {m for m, vocab in cfg.markers.items() if not vocab.isdisjoint(words)}
    if marked:
        chosen, q = _best(scores, marked)
        if q >= cfg.marker_confidence:
            return chosen
    if len(words) >= cfg.min_words and p >= cfg.min_confidence:
        return lang
    return ENGLISH


def language_notice(language: str) -> str:
    """The kind sentence that says the listener understands English best, in ``language``."""
    notices = require(_data(), "notice", _FILE)
    return str(notices.get(language) or require(notices, ENGLISH, _FILE))


def crisis_languages() -> frozenset[str]:
    """The languages that have reviewed crisis phrases (besides English, in the lexicon)."""
    return frozenset(_rulebooks())


def foreign_assessment(text: str, language: str) -> tuple[RiskLevel, RiskKind, str] | None:
    """(level, kind, rule id) of the strongest crisis phrase in ``text``; None when none matches."""
    book = _rulebooks().get(language)
    if book is None:
        return None
    s = _fold(text)
    for _, idiom in book.idioms:
        # Blanked with spaces of the same length, so positions and clauses stay where they were.
        s = idiom.sub(lambda m: " " * len(m.group(0)), s)
    best: _Rule | None = None
    for rule in book.rules:
        if best is not None and rule.level.rank <= best.level.rank:
            continue
        for m in rule.pattern.finditer(s):
            if rule.negatable and book.negated(s, m.start()):
                continue
            best = rule
            break
    return None if best is None else (best.level, best.kind, best.id)


@cache
def _rulebooks() -> dict[str, _Rulebook]:
    crisis = require(_data(), "crisis", _FILE)
    return {str(lang): _rulebook(str(lang), table) for lang, table in crisis.items()}


def _compile(pattern: str, macros: dict[str, str], where: str) -> re.Pattern[str]:
    def expand(m: re.Match[str]) -> str:
        if m.group(1) not in macros:
            raise DataFileError(f"safety/{_FILE}: {where} uses unknown macro <{m.group(1)}>")
        return macros[m.group(1)]

    try:
        return re.compile(_MACRO.sub(expand, pattern))
    except re.error as ex:
        raise DataFileError(f"safety/{_FILE}: {where} has a bad pattern ({ex}); fix it") from None


def _rulebook(lang: str, table: dict[str, Any]) -> _Rulebook:
    where = f"crisis.{lang}"
    macros = {str(k): str(v) for k, v in table.get("macros", {}).items()}
    idioms = tuple(
        (str(i["id"]), _compile(str(require(i, "pattern", where)), macros, str(i["id"])))
        for i in table.get("idioms", [])
    )
    rules: list[_Rule] = []
    seen: set[str] = set()
    for entry in require(table, "rules", where):
        rule_id = str(require(entry, "id", where))
        try:
            level = RiskLevel(require(entry, "level", rule_id))
            kind = RiskKind(require(entry, "kind", rule_id))
        except ValueError:
            raise DataFileError(f"safety/{_FILE}: {rule_id} has an unknown level or kind") from None
        if level not in _LEVELS or rule_id in seen or not rule_id.startswith(f"{lang}."):
            raise DataFileError(
                f"safety/{_FILE}: {rule_id} must be unique, start with '{lang}.' and be "
                "elevated or imminent"
            )
        seen.add(rule_id)
        pattern = _compile(str(require(entry, "pattern", rule_id)), macros, rule_id)
        rules.append(_Rule(rule_id, kind, level, pattern, bool(entry.get("negatable", True))))
    return _Rulebook(
        clauses=_compile(str(require(table, "clauses", where)), macros, where),
        negators=frozenset(require(table, "negators", where)),
        window=int(require(table, "negation_window", where)),
        idioms=idioms,
        rules=tuple(rules),
    )
