"""The understander on feelings said sideways: as verbs, as eased, implied by what happened,
someone else's, or the person's own; and on courtesies (thanks, sorry, greetings)."""

from __future__ import annotations

import pytest

from confidante.conversation import SessionState
from confidante.listening import Understander
from confidante.listening.lexicon import load_lexicon


@pytest.fixture(scope="module")
def understander() -> Understander:
    return Understander.load()


def _state() -> SessionState:
    return SessionState(minutes=60, locale="en_US", started_at=0.0)


@pytest.mark.parametrize(
    ("text", "feeling"),
    [
        ("it frightens me how much I resent her some days", "scared"),
        ("It really worries me that he's not eating", "worried"),
        ("it scares me to think about next year", "scared"),
    ],
)
def test_a_feeling_said_as_what_something_does_to_me_is_heard(
    understander: Understander, text: str, feeling: str
) -> None:
    assert understander.understand(text, _state()).feelings[0] == feeling


def test_a_feeling_verb_that_is_denied_or_may_be_harm_is_not_named() -> None:
    lex = load_lexicon()
    assert lex.named_feelings("it never scared me, honestly") == ()
    assert lex.named_feelings("he hurt me last night") == ()  # harm, not a feeling to reflect


@pytest.mark.parametrize(
    ("text", "eased"),
    [
        ("Thank you. I feel a little less stuck.", "stuck"),
        ("I feel less alone now", "lonely"),
        ("I'm not as scared as I was", "scared"),
    ],
)
def test_a_feeling_that_has_eased_is_heard_as_relief_not_said_back(
    understander: Understander, text: str, eased: str
) -> None:
    u = understander.understand(text, _state())
    assert u.feelings[0] == "relieved"
    assert eased not in u.feelings


def test_a_change_from_then_to_now_is_said_back_whole_with_the_hurt_it_carries(
    understander: Understander,
) -> None:
    u = understander.understand(
        "I used to be her favourite person and now I'm a stranger in her kitchen", _state()
    )
    assert u.clause == "you used to be her favourite person and now you're a stranger in her kitchen"
    assert u.feelings == ("hurt",) and u.implied


def test_a_good_feeling_someone_else_asks_about_is_not_the_persons(
    understander: Understander,
) -> None:
    u = understander.understand(
        "my mum keeps asking if I'm having fun and I just say yes", _state()
    )
    assert not set(u.feelings) & {"happy", "amused", "excited", "hopeful"}


def test_being_left_out_carries_loneliness_as_a_guess(understander: Understander) -> None:
    u = understander.understand("everyone already seems to have their groups", _state())
    assert u.feelings == ("lonely",) and u.implied


def test_a_step_with_its_day_is_said_back_not_dropped_as_context(
    understander: Understander,
) -> None:
    assert understander.understand("maybe I'll go on thursday", _state()).clause == (
        "maybe you'll go on thursday"
    )
    assert understander.understand("the appointment is on thursday", _state()).clause is None


def test_only_the_persons_own_words_for_a_feeling_count_as_theirs(
    understander: Understander,
) -> None:
    own = understander.understand("I feel so lonely since the move", _state())
    assert "lonely" in own.named
    guessed = understander.understand("we moved house last month and the street is quiet", _state())
    assert not guessed.named  # whatever the model guesses, the person named no feeling


def test_someone_elses_aloneness_is_not_the_persons_loneliness(
    understander: Understander,
) -> None:
    u = understander.understand("last week a patient died alone because I had six others", _state())
    assert "lonely" not in u.feelings and "loneliness" not in u.topics


@pytest.mark.parametrize(
    ("text", "sorry"),
    [
        ("sorry, I'm rambling", True),
        ("Sorry for dumping all this on you.", True),
        ("I'm sorry she's going through that", False),
        ("sorry, I'm rambling, but the thing is he never calls", False),
    ],
)
def test_sorry_for_taking_the_time_is_heard_as_that(
    understander: Understander, text: str, sorry: bool
) -> None:
    assert understander.understand(text, _state()).apology is sorry


def test_a_kind_word_to_the_listener_is_received_as_thanks(understander: Understander) -> None:
    assert understander.understand("you're not bad at this actually", _state()).thanks
    assert not understander.understand("my sister is good at this", _state()).thanks


def test_a_laugh_beside_loneliness_is_no_joke(understander: Understander) -> None:
    u = understander.understand("my dog is the only one who gets me lol", _state())
    assert u.feelings == ("lonely",) and u.implied


@pytest.mark.parametrize("text", ["Hi there, how's it going?", "Hai friend how are you?"])
def test_a_greeting_of_several_parts_is_small_talk(understander: Understander, text: str) -> None:
    assert understander.understand(text, _state()).small_talk


def test_talking_feeling_good_is_thanks_but_what_follows_is_still_heard(
    understander: Understander,
) -> None:
    u = understander.understand("It feels good to talk but I still miss her", _state())
    assert u.thanks and u.clause == "you still miss her"
    assert not understander.understand("it felt good to talk to my sister", _state()).thanks


@pytest.mark.parametrize(
    "text", ["Is there a lock down where you live?", "How long was it before you felt normal again?"]
)
def test_a_question_about_the_listeners_own_life_is_asked_of_it(
    understander: Understander, text: str
) -> None:
    assert understander.understand(text, _state()).asks == "listener"


def test_a_loss_no_one_speaks_of_carries_sadness_as_a_guess(understander: Understander) -> None:
    u = understander.understand("no one mentions him anymore, it's like he never existed", _state())
    assert u.feelings == ("sad",) and u.implied
