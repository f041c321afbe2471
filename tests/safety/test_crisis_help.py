"""The crisis protocol around help: someone else's goodbye, help got to them, help talked over."""

from __future__ import annotations

from tests.safety.conftest import opened

from confidante import Listener, Move, RiskKind, RiskLevel, Session


def _session(listener: Listener, locale: str = "en_US") -> Session:
    return opened(listener, seed=5, locale=locale)


def test_a_goodbye_just_sent_by_a_friend_is_now(listener: Listener) -> None:
    s = _session(listener)
    s.respond("my best friend just sent me the weirdest text")
    reply = s.respond("she said 'thank you for everything, please don't be sad'")
    assert reply.move is Move.CRISIS and reply.kind is RiskKind.THIRD_PARTY
    assert s.state.crisis is not None and s.state.crisis.level is RiskLevel.IMMINENT
    assert "911" in reply.text


def test_help_got_to_someone_else_is_thanked_not_checked_as_their_safety(
    listener: Listener,
) -> None:
    s = _session(listener)
    s.respond("my brother just posted a goodbye video")
    s.respond("he's not answering his phone")
    acted = s.respond("ok I called 911 and gave them his address")
    assert acted.move is Move.CRISIS
    # the step is done: no "do you feel you'll stay safe?" put to the one who got help
    assert s.state.crisis is not None and s.state.crisis.safe_confirmed
    assert "stay safe" not in acted.text and "you're safe" not in acted.text


def test_the_emergency_number_is_for_them_while_someone_else_is_in_danger(
    listener: Listener,
) -> None:
    s = _session(listener)
    s.respond("my friend posted 'sorry everyone, see ya' and now her phone is off")
    replies = [s.respond(t).text for t in ("I don't know what to do", "her mum? maybe")]
    assert not any("If you are in danger" in r for r in replies)


def test_talk_of_who_to_tell_is_no_answer_to_will_you_stay_safe(listener: Listener) -> None:
    s = _session(listener)
    s.respond("i keep thinking i should just go be with my grandpa. i want to die")
    s.respond("my dad has a handgun in the hall closet")
    s.respond("its back in the safe now")
    assert s.state.crisis is not None and s.state.crisis.safe_said
    told = s.respond("idk if i can tell my dad. he'd freak")
    assert told.move is Move.CRISIS
    assert s.state.crisis is not None and not s.state.crisis.safe_confirmed
    aunt = s.respond("maybe my aunt. she's a nurse and she doesnt judge")
    assert aunt.move is Move.CRISIS


def test_means_named_then_dwelt_on_is_a_crisis(listener: Listener) -> None:
    s = _session(listener)
    s.respond("been cleaning out the garage all day")
    reply = s.respond("found some old rope out there and ive been staring at it for an hour")
    assert reply.move is Move.CRISIS


def test_a_means_word_held_in_an_ordinary_way_is_not(listener: Listener) -> None:
    s = _session(listener)
    reply = s.respond("I bought a new gun for hunting season and held it at the shop")
    assert reply.move is not Move.CRISIS


def test_no_to_the_means_question_is_not_asked_to_put_them_away(listener: Listener) -> None:
    s = _session(listener, "en_GB")
    s.respond("lost my job and haven't told my girlfriend")
    first = s.respond("honestly some nights i think she'd be better off with the life insurance")
    assert first.move is Move.CRISIS and "lexicon:ideation.better_off" in first.reasons
    s.respond("yes. sometimes")
    assert s.state.crisis is not None and s.state.crisis.steps[-1] == "ask_means"
    reply = s.respond("no i haven't got anything. i just think it")
    assert s.state.crisis is not None and not s.state.crisis.means
    assert "out of reach" not in reply.text and "put it" not in reply.text.lower()


def test_no_plan_told_is_not_asked_for_next(listener: Listener) -> None:
    s = _session(listener, "en_GB")
    s.respond("honestly some nights i think she'd be better off with the life insurance")
    s.respond("yes. sometimes")
    s.respond("no i haven't got a plan. i just think it")
    assert s.state.crisis is not None and "ask_plan" in s.state.crisis.steps
    later = s.respond("ok")
    assert "when, or how" not in later.text and "a plan" not in later.text


def test_the_goodbye_after_abuse_gives_the_abuse_line_again(listener: Listener) -> None:
    s = opened(listener, seed=4, locale="en_GB")
    s.respond("Last night he pushed me into the wardrobe and I hit my head.")
    s.respond("I'm safe now, he's gone to his brother's")
    s.respond("yes, I'm sure")
    goodbye = s.close().text
    assert "0808 2000 247" in goodbye and "116 123" in goodbye
