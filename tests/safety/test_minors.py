"""The minors notice: a likely minor, or a question about age, gets the reviewed notice (SB 243)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from confidante import Listener
from confidante.conversation import Move
from confidante.safety import BOUNDARY_IDS, SafetyGuard

FOOTER = Path(__file__).parents[2] / "src/confidante/server/static/index.html"


@pytest.fixture(scope="module")
def guard() -> SafetyGuard:
    return SafetyGuard.load()


@pytest.mark.parametrize(
    "text",
    [
        "I'm 14 and nobody at home listens to me",
        "i'm only 15",
        "I am 16 years old and I hate school",
        "im a 13 year old girl",
        "my mum won't let me go to the party",
        "My parents don't let me see my friends",
        "I'm in year 9 and the others pick on me",
        "i'm in 8th grade",
        "I'm in high school and it's too much",
        "I'm a teenager",
        "is this ok for kids?",
        "Are you suitable for under 18s",
        "how old do you have to be to use this?",
        "can teenagers use this?",
    ],
)
def test_a_likely_minor_or_a_question_about_age_gets_the_notice(
    guard: SafetyGuard, text: str
) -> None:
    assert guard.boundary(text) == "minor"


@pytest.mark.parametrize(
    "text",
    [
        "I'm 34 and I still live with my parents",
        "I'm 14 weeks pregnant and scared",
        "I'm 10 minutes late for everything",
        "I'm 9 to 5 at a job I hate",
        "I'm 16 stone and my doctor is worried",
        "I'm in year 2 of my degree",
        "my son is 14 and won't talk to me",
        "my mum let me down again",
        "I teach in a high school",
        "I'm in my forties",
        "since I moved back home my parents treat me like I'm 12 again",
    ],
)
def test_adults_and_other_numbers_get_no_notice(guard: SafetyGuard, text: str) -> None:
    assert guard.boundary(text) != "minor"


def test_the_notice_is_reviewed_text_that_says_some_minors_may_not_be_suited(
    guard: SafetyGuard,
) -> None:
    assert "minor" in BOUNDARY_IDS
    used: set[str] = set()
    notices = {guard.boundary_reply("minor", random.Random(seed), used) for seed in range(6)}
    for notice in notices:
        assert "under 18" in notice and "may not be" in notice


def test_a_session_answers_a_likely_minor_with_the_notice(listener: Listener) -> None:
    session = listener.session(rng=random.Random(1))
    session.disclosure()
    session.set_relief_before(5)
    session.open()
    reply = session.respond("I'm 14 and school is boring")
    assert reply.move is Move.BOUNDARY
    assert reply.reasons == ("boundary.minor",)
    assert "under 18" in reply.text


def test_a_crisis_outranks_the_notice(listener: Listener) -> None:
    session = listener.session(rng=random.Random(1))
    session.disclosure()
    session.set_relief_before(5)
    session.open()
    assert session.respond("I'm 14 and I want to kill myself").move is Move.CRISIS


def test_the_web_page_footer_opens_with_the_notice() -> None:
    page = FOOTER.read_text(encoding="utf-8")
    footer = page[page.index("<footer") :]
    assert "may not be suitable for some minors" in footer[: footer.index("</footer>")]
