"""The reviewed risk lexicon: slang, idioms, rules and markers read from ``data/lexicon.toml``.

A message is normalised, slang is spelled out ("kms" -> "kill myself"), idioms are blanked
("this traffic is killing me"), and the text is split into clauses. Each rule is a regular
expression; a match becomes a :class:`Hit` once the clause has been checked for negation
("I'm not suicidal"), for whose risk it is (the person's own, or someone else's) and for the past
("years ago I tried"). The guard combines the hits; this module never decides a level on its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from confidante.conversation import RiskKind, RiskLevel
from confidante.errors import DataFileError
from confidante.safety.datafiles import read_toml, require
from confidante.safety.text import clause_spans, normalise, tokens

_FILE = "data/lexicon.toml"
_MACRO = re.compile(r"<([a-z_]+)>")


@dataclass(frozen=True)
class Rule:
    """One reviewed pattern and what a match means."""

    id: str
    pattern: re.Pattern[str]
    level: RiskLevel
    kind: RiskKind
    detect_subject: bool  # True: "she wants to die" turns the kind into third_party
    negatable: bool  # False when the negation is part of the phrase ("don't want to live")
    tags: frozenset[str]  # roles used when combining: means, intent, time, ambiguous ...


@dataclass(frozen=True)
class Hit:
    """A rule that matched in one clause, after negation, subject and tense were judged."""

    rule: Rule
    third_party: bool
    past: bool


@dataclass(frozen=True)
class Scan:
    """Everything the lexicon found in one message."""

    prepared: str  # the text the rules saw, negated phrases blanked; never logged or stored
    hits: tuple[Hit, ...]
    negated: tuple[str, ...]  # ids of rules that matched but were negated
    idioms: tuple[str, ...]  # ids of idioms blanked out
    time: bool  # an imminence time marker ("tonight", "in an hour")
    soon: bool  # a near day ("this weekend", "on friday")
    recurrence: bool  # "again", "lately": the past is present again
    affirmative: bool  # the whole message is a "yes" (to a direct safety question)
    closing: bool  # a short, positive closing ("Thanks. It helped to say it.")
    words: int


@dataclass(frozen=True)
class Lexicon:
    """The compiled lexicon; immutable, safe to share between sessions and threads."""

    words: re.Pattern[str]  # every whole-word slang entry, one alternation
    word_for: dict[str, str]
    slang: tuple[tuple[re.Pattern[str], str], ...]
    idioms: tuple[tuple[str, re.Pattern[str]], ...]
    rules: tuple[Rule, ...]
    negators: frozenset[str]
    negation_window: int
    negation_cancel: re.Pattern[str]
    self_words: frozenset[str]
    other_words: frozenset[str]
    subject_window: int
    past: re.Pattern[str]
    recovery: re.Pattern[str]
    recurrence: re.Pattern[str]
    told_past: re.Pattern[str]  # "my heart was racing and I thought I was dying": a story
    present: re.Pattern[str]  # "is", "now", "still": it is happening as they write
    past_time: re.Pattern[str]  # "this morning", "last night": a time well past
    time: re.Pattern[str]
    soon: re.Pattern[str]
    bereaved: re.Pattern[str]  # a death told; read in earlier messages only for a reunion wish
    affirmative: re.Pattern[str]
    closing: re.Pattern[str]
    closing_words: int
    # Each list's patterns as one alternation: most messages match none of them, and one search
    # that finds nothing says so in a third of the time of asking each pattern in turn.
    any_slang: re.Pattern[str]
    any_idiom: re.Pattern[str]
    any_rule: re.Pattern[str]

    @classmethod
    def load(cls) -> Lexicon:
        """The packaged lexicon, compiled once per process."""
        return _load()

    def spell(self, text: str) -> str:
        """Normalise and spell out slang ("kms" -> "kill myself", "u" -> "you")."""
        s = self.words.sub(lambda m: self.word_for[m.group(0)], normalise(text))
        if self.any_slang.search(s):
            for pattern, replacement in self.slang:
                s = pattern.sub(replacement, s)
        return s

    def prepare(self, text: str) -> tuple[str, tuple[str, ...]]:
        """Spell out slang and blank idioms; returns the text and the ids of idioms found."""
        s = self.spell(text)
        found: list[str] = []
        if not self.any_idiom.search(s):
            return s, ()
        for idiom_id, pattern in self.idioms:
            s, n = pattern.subn(" ~ ", s)
            if n:
                found.append(idiom_id)
        return s, tuple(found)

    def scan(self, text: str) -> Scan:
        """Find every rule that applies to ``text``."""
        prepared, idioms = self.prepare(text)
        for_model = prepared
        hits: list[Hit] = []
        negated: list[str] = []
        recurrence = bool(self.recurrence.search(prepared))
        recovering = bool(self.recovery.search(prepared))
        spans = clause_spans(prepared)
        starts = [a for a, _ in spans]
        past: dict[int, bool] = {}
        # Each rule runs once over the whole text; a match is judged within its own clause.
        for rule in self.rules if self.any_rule.search(prepared) else ():
            seen: set[int] = set()
            for m in rule.pattern.finditer(prepared):
                i = max(bisect_right(starts, m.start()) - 1, 0)
                if i in seen:
                    continue
                seen.add(i)
                before = prepared[spans[i][0] : m.start()] if spans else ""
                if rule.negatable and self._negated(before):
                    negated.append(rule.id)
                    # The model must not read "not suicidal" as "suicidal" either.
                    for_model = for_model.replace(m.group(0), " ~ ", 1)
                    continue
                if i not in past:
                    a, b = spans[i] if spans else (0, len(prepared))
                    past[i] = bool(self.past.search(prepared, a, b))
                third = rule.detect_subject and self._third_party(before, m.group(0))
                hits.append(Hit(rule, third, not recurrence and (past[i] or recovering)))
        n = len(tokens(prepared))
        return Scan(
            prepared=for_model,
            hits=tuple(hits),
            negated=tuple(negated),
            idioms=idioms,
            time=bool(self.time.search(prepared)),
            soon=bool(self.soon.search(prepared)),
            recurrence=recurrence,
            affirmative=bool(self.affirmative.match(prepared)),
            closing=n <= self.closing_words and bool(self.closing.match(prepared)),
            words=n,
        )

    def told_death(self, text: str) -> bool:
        """True when the message tells of a death ("my grandpa died on tuesday")."""
        return bool(self.bereaved.search(self.spell(text)))

    def _negated(self, before: str) -> bool:
        # "not sure", "never felt so" and the like look negative but are not negations.
        window = tokens(self.negation_cancel.sub(" ", before))[-self.negation_window :]
        return any(t in self.negators for t in window)

    def _third_party(self, before: str, matched: str) -> bool:
        # The match itself decides first ("kill herself"), then the nearest subject before it.
        for t in tokens(matched):
            if t in self.self_words:
                return False
            if t in self.other_words:
                return True
        for t in reversed(tokens(before)[-self.subject_window :]):
            if t in self.self_words:
                return False
            if t in self.other_words:
                return True
        return False


def _compile(source: str, macros: dict[str, str], where: str) -> re.Pattern[str]:
    def expand(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            raise DataFileError(f"safety/{_FILE}: {where} uses unknown macro <{name}>")
        return macros[name]

    try:
        return re.compile(_MACRO.sub(expand, source))
    except re.error as ex:
        raise DataFileError(f"safety/{_FILE}: {where}: bad pattern ({ex.msg})") from None


def _words(data: dict[str, object], key: str) -> frozenset[str]:
    value = require(data, key, _FILE)
    if not isinstance(value, list):
        raise DataFileError(f"safety/{_FILE}: {key} must be a list of words")
    return frozenset(str(v) for v in value)


@cache
def _load() -> Lexicon:
    data = read_toml(_FILE)
    macros = {k: str(v) for k, v in require(data, "macros", _FILE).items()}
    # Macros may use earlier macros; expand in file order.
    for name, value in list(macros.items()):
        macros[name] = _MACRO.sub(lambda m: macros[m.group(1)], value)
    markers = require(data, "markers", _FILE)

    def marker(key: str) -> re.Pattern[str]:
        return _compile(str(require(markers, key, _FILE)), macros, f"markers.{key}")

    word_for = {str(k): str(v) for k, v in require(data, "slang_words", _FILE).items()}
    longest_first = sorted(word_for, key=lambda w: (-len(w), w))
    words = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in longest_first) + r")\b")
    slang = tuple(
        (_compile(str(s["pattern"]), macros, f"slang {s['pattern']!r}"), str(s["say"]))
        for s in require(data, "slang", _FILE)
    )
    idioms = tuple(
        (str(i["id"]), _compile(str(i["pattern"]), macros, f"idiom {i['id']}"))
        for i in require(data, "idiom", _FILE)
    )
    rules: list[Rule] = []
    seen: set[str] = set()
    for r in require(data, "rule", _FILE):
        rid = str(require(r, "id", _FILE))
        if rid in seen:
            raise DataFileError(f"safety/{_FILE}: rule id {rid} is used twice; rename one")
        seen.add(rid)
        try:
            level, kind = RiskLevel(r["level"]), RiskKind(r["kind"])
        except (KeyError, ValueError):
            msg = f"safety/{_FILE}: rule {rid} needs a valid level and kind"
            raise DataFileError(msg) from None
        rules.append(
            Rule(
                id=rid,
                pattern=_compile(str(require(r, "pattern", _FILE)), macros, f"rule {rid}"),
                level=level,
                kind=kind,
                detect_subject=bool(r.get("detect_subject", kind is RiskKind.SUICIDE_SELF_HARM)),
                negatable=bool(r.get("negatable", True)),
                tags=frozenset(str(t) for t in r.get("tags", [])),
            )
        )
    return Lexicon(
        words=words,
        word_for=word_for,
        slang=slang,
        idioms=idioms,
        rules=tuple(rules),
        negators=_words(markers, "negators"),
        negation_window=int(markers.get("negation_window", 4)),
        negation_cancel=marker("negation_cancel"),
        self_words=_words(markers, "self_words"),
        other_words=_words(markers, "other_words"),
        subject_window=int(markers.get("subject_window", 8)),
        past=marker("past"),
        recovery=marker("recovery"),
        recurrence=marker("recurrence"),
        told_past=marker("told_past"),
        present=marker("present"),
        past_time=marker("past_time"),
        time=marker("time"),
        soon=marker("soon"),
        bereaved=marker("bereaved"),
        affirmative=marker("affirmative"),
        closing=marker("closing"),
        closing_words=int(markers.get("closing_words", 25)),
        any_slang=either(pattern for pattern, _ in slang),
        any_idiom=either(pattern for _, pattern in idioms),
        any_rule=either(rule.pattern for rule in rules),
    )


def either(patterns: Iterable[re.Pattern[str]], where: str = _FILE) -> re.Pattern[str]:
    """One pattern that matches wherever any of ``patterns`` would (none: matches nothing).

    For a quick "could any of these match?" before asking each in turn; ``where`` names the
    data file in errors.
    """
    # Numbered backreferences would point at the wrong group once the patterns are joined.
    sources = [p.pattern for p in patterns]
    if any(re.search(r"\\[1-9]|\(\?P=", src) for src in sources):
        raise DataFileError(f"safety/{where}: patterns may not use backreferences")
    try:
        return re.compile("|".join(f"(?:{src})" for src in sources) or r"(?!)")
    except re.error as ex:  # e.g. two patterns naming a group alike
        raise DataFileError(f"safety/{where}: patterns cannot be joined ({ex.msg})") from None
