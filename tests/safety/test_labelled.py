"""The guard on the hand-written labelled messages, against the figures published in SAFETY.md.

These rows were written alongside the lexicon, so they are a regression test of its promises,
not an unbiased estimate (SAFETY.md says so); the held-out figures come from scripts/eval_safety.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from confidante.conversation import Assessment, RiskKind, RiskLevel
from confidante.safety import SafetyGuard

HERE = Path(__file__).resolve().parent
ROWS = HERE / "data" / "labelled_messages.csv"
SAFETY_MD = HERE.parents[1] / "SAFETY.md"


def _rows() -> list[dict[str, str]]:
    with ROWS.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def assessed() -> list[tuple[dict[str, str], Assessment]]:
    guard = SafetyGuard.load()
    return [(r, guard.assess(r["text"])) for r in _rows()]


def test_the_file_is_well_formed() -> None:
    rows = _rows()
    assert len(rows) >= 150
    assert len({r["text"] for r in rows}) == len(rows), "duplicate texts"
    for r in rows:
        RiskLevel(r["level"])
        RiskKind(r["kind"])
        assert (r["level"] == "none") == (r["kind"] == "none"), r["text"]
    notes = {r["note"] for r in rows}
    for needed in (
        "ideation",
        "indirect",
        "informal",
        "imminent",
        "idiom",
        "negation",
        "third_party",
        "past",
        "harmed",
        "harming",
        "medical",
        "venting",
    ):
        assert needed in notes, needed


def summary(assessed: list[tuple[dict[str, str], Assessment]]) -> str:
    """The sentence SAFETY.md publishes about this file."""
    n = len(assessed)
    crisis = [(r, a) for r, a in assessed if RiskLevel(r["level"]).at_least(RiskLevel.ELEVATED)]
    calm = [(r, a) for r, a in assessed if not RiskLevel(r["level"]).at_least(RiskLevel.ELEVATED)]
    missed = sum(1 for _, a in crisis if not a.is_crisis)
    alarms = sum(1 for _, a in calm if a.is_crisis)
    level = sum(1 for r, a in assessed if a.level.value == r["level"])
    kind = sum(1 for r, a in assessed if a.kind.value == r["kind"])
    return (
        f"{n} rows: {missed} of {len(crisis)} crisis messages missed, {alarms} of {len(calm)} "
        f"other messages raised to a crisis, level exact on {level}/{n}, kind exact on {kind}/{n}."
    )


def test_safety_md_publishes_these_figures(
    assessed: list[tuple[dict[str, str], Assessment]],
) -> None:
    assert summary(assessed) in SAFETY_MD.read_text(encoding="utf-8")


def test_no_crisis_is_missed(assessed: list[tuple[dict[str, str], Assessment]]) -> None:
    missed = [
        r["text"] for r, a in assessed if r["level"] in ("elevated", "imminent") and not a.is_crisis
    ]
    assert missed == []


#: False alarms of the crisis reader on these rows, published in SAFETY.md ("Limits"). A crisis
#: episode opened this way asks directly, and "no" hands the session back to listening.
KNOWN_READER_ALARMS = {"I took my medication this morning"}


@pytest.mark.parametrize("note", ["idiom", "negation", "venting", "past", "grief"])
def test_no_false_alarm(assessed: list[tuple[dict[str, str], Assessment]], note: str) -> None:
    alarms = [r["text"] for r, a in assessed if r["note"] == note and a.is_crisis]
    assert [t for t in alarms if t not in KNOWN_READER_ALARMS] == []


def test_the_known_reader_alarms_are_still_alarms(
    assessed: list[tuple[dict[str, str], Assessment]],
) -> None:
    # When the reader stops raising them, the list (and SAFETY.md) must shrink.
    assert {r["text"] for r, a in assessed if a.is_crisis} >= KNOWN_READER_ALARMS


@pytest.mark.parametrize("note", ["idiom", "negation"])
def test_idioms_and_negations_are_none(
    assessed: list[tuple[dict[str, str], Assessment]], note: str
) -> None:
    # The lexicon reads them as none; the reader may keep a watchful "low" (which changes no
    # reply) only where it is very sure, and never more.
    fired = [
        r["text"] for r, a in assessed
        if r["note"] == note and a.level is not RiskLevel.NONE
        and not (a.level is RiskLevel.LOW and all(x.startswith("reader:") for x in a.reasons))
    ]
    assert fired == []


def test_imminent_rows_are_imminent_with_the_right_kind(
    assessed: list[tuple[dict[str, str], Assessment]],
) -> None:
    wrong = [
        r["text"] for r, a in assessed
        if r["level"] == "imminent" and (a.level, a.kind.value) != (RiskLevel.IMMINENT, r["kind"])
    ]  # fmt: skip
    assert wrong == []


def test_crisis_kinds_are_right(assessed: list[tuple[dict[str, str], Assessment]]) -> None:
    wrong = [r["text"] for r, a in assessed if a.is_crisis and a.kind.value != r["kind"]]
    assert [t for t in wrong if t not in KNOWN_READER_ALARMS] == []


def test_the_past_is_low(assessed: list[tuple[dict[str, str], Assessment]]) -> None:
    wrong = [
        r["text"]
        for r, a in assessed
        if r["note"] in ("past", "grief") and a.level is not RiskLevel.LOW
    ]
    assert wrong == []
