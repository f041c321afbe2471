"""The crisis conversation's script: signals, reviewed answers and steps from ``crisis.toml``.

The engine that uses it is ``crisis.py``; this module only loads and matches the data, so the
wording and the patterns live in one reviewed file, apart from the code (as in ELIZA).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from confidante.conversation import RiskKind
from confidante.errors import DataFileError
from confidante.safety.datafiles import read_toml, require
from confidante.safety.protocol import CRISIS_KINDS, Variant, variants

SIGNALS = (
    "unsafe", "refuse_help", "ambivalent", "reach_out", "reach_someone", "safe", "minimal",
    "question",
)  # fmt: skip
_WHERE = "data/crisis.toml"


@dataclass(frozen=True)
class CrisisScript:
    """The loaded crisis conversation: signals, answers and steps; immutable, shared."""

    signals: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    answers: dict[str, tuple[Variant, ...]]
    order: dict[RiskKind, tuple[str, ...]]
    steps: dict[tuple[RiskKind, str], tuple[Variant, ...]]
    when: tuple[re.Pattern[str], ...] = ()  # a time told ("friday", "after the exams")
    head: tuple[re.Pattern[str], ...] = ()  # a blow to the head ("I hit my head")
    gone: tuple[re.Pattern[str], ...] = ()  # someone in danger out of reach ("not answering")
    helped: tuple[re.Pattern[str], ...] = ()  # safety in deeds: help is there, means are away
    no_plan: tuple[re.Pattern[str], ...] = ()  # "I haven't got a plan": the plan question answered
    listener: tuple[re.Pattern[str], ...] = ()  # a question about the listener ("do you care?")
    more_medicine: tuple[re.Pattern[str], ...] = ()  # "should I take more of it?"

    @classmethod
    def load(cls) -> CrisisScript:
        """The packaged script, parsed once per process."""
        return _load()

    def told_when(self, spelled: str) -> bool:
        """True when the message names a time, near or not ("friday", "after christmas")."""
        return _matches(self.when, spelled)

    def hurt_head(self, spelled: str) -> bool:
        """True when the message tells of a blow to the head."""
        return _matches(self.head, spelled)

    def out_of_reach(self, spelled: str) -> bool:
        """True when the message tells that someone cannot be reached or has gone."""
        return _matches(self.gone, spelled)

    def told_no_plan(self, spelled: str) -> bool:
        """True when the message says there is no plan ("I haven't got a plan, I just think it")."""
        return _matches(self.no_plan, spelled)

    def asks_more_medicine(self, spelled: str) -> bool:
        """True for a question about taking more of a medicine ("should I take more of it?")."""
        return _matches(self.more_medicine, spelled)

    def asks_listener(self, spelled: str) -> bool:
        """True for a question about the listener ("are you real?", "why do you care?")."""
        return _matches(self.listener, spelled)

    def safe_in_deed(self, spelled: str) -> bool:
        """True when the message tells of help there or coming, company, or the means away."""
        return _matches(self.helped, spelled)

    def signal(self, spelled: str) -> str | None:
        """How the person answered, as one of ``SIGNALS``, or None for anything else."""
        return next((name for name, ps in self.signals if _matches(ps, spelled)), None)


def _matches(patterns: tuple[re.Pattern[str], ...], spelled: str) -> bool:
    """True when any pattern matches the spelled-out message (lower case, trimmed)."""
    text = spelled.strip().lower()
    return any(p.search(text) for p in patterns)


@cache
def _load() -> CrisisScript:
    data = read_toml(_WHERE)
    raw = require(data, "signals", _WHERE)
    told = require(data, "told", _WHERE)
    try:
        when = tuple(re.compile(p) for p in require(told, "when", _WHERE))
        head = tuple(re.compile(p) for p in require(told, "head", _WHERE))
        gone = tuple(re.compile(p) for p in require(told, "gone", _WHERE))
        helped = tuple(re.compile(p) for p in require(told, "helped", _WHERE))
        no_plan = tuple(re.compile(p) for p in require(told, "no_plan", _WHERE))
        listener = tuple(re.compile(p) for p in require(told, "listener", _WHERE))
        more = tuple(re.compile(p) for p in require(told, "more_medicine", _WHERE))
    except re.error as ex:
        raise DataFileError(f"safety/{_WHERE} [told]: bad pattern ({ex})") from None
    signals = []
    for name in SIGNALS:
        try:
            patterns = tuple(re.compile(p) for p in require(raw, name, _WHERE))
        except re.error as ex:
            raise DataFileError(f"safety/{_WHERE} [signals.{name}]: bad pattern ({ex})") from None
        # safety in deeds ("I flushed them", "my sister's here") is said safety too
        signals.append((name, patterns + helped if name == "safe" else patterns))
    answers_raw = require(data, "answers", _WHERE)
    answers = {k: variants(v, f"{_WHERE} [answers.{k}]") for k, v in answers_raw.items()}
    for needed in (*SIGNALS, "means", "affirm", "deny", "other", "safe_confirmed", "emergency",
                   "cleared", "moved_on", "ask_again", "safe_urgent", "will_move_means",
                   "third_party_acted", "emergency_them", "question_theirs",
                   "more_medicine"):
        require(answers, needed, f"{_WHERE} [answers]")
    order: dict[RiskKind, tuple[str, ...]] = {}
    steps: dict[tuple[RiskKind, str], tuple[Variant, ...]] = {}
    for kind in CRISIS_KINDS:
        order[kind] = tuple(require(require(data, "order", _WHERE), kind.value, _WHERE))
        table = require(require(data, "steps", _WHERE), kind.value, f"{_WHERE} [steps]")
        for step in order[kind]:
            where = f"{_WHERE} [steps.{kind.value}.{step}]"
            steps[(kind, step)] = variants(require(table, step, where), where)
        if "stay" not in order[kind]:
            raise DataFileError(f"safety/{_WHERE} [order.{kind.value}]: must end with stay")
    require(answers, "head_injury", f"{_WHERE} [answers]")
    return CrisisScript(
        tuple(signals), answers, order, steps, when, head, gone, helped, no_plan, listener, more
    )
