"""The understander: feelings, topics, people, the clause to say back, advice and questions."""

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


def test_people_and_things_are_turned_to_the_listener_s_words(understander: Understander) -> None:
    u = understander.understand(
        "My wife and our eldest son think the job is all I care about.", _state()
    )
    assert u.people == ("your wife", "your eldest son", "the job")
    assert u.topics[:2] == ("partner", "children")
    assert "work" in u.topics


def test_the_clause_is_reflected_and_starts_in_lower_case(understander: Understander) -> None:
    u = understander.understand("Well, honestly, my wife ignores me.", _state())
    assert u.clause == "your wife ignores you"
    u = understander.understand("Work is killing me. I can't keep up.", _state())
    assert u.clause in ("work is killing you", "you can't keep up")


def test_a_long_sentence_is_cut_to_a_clause_worth_saying(understander: Understander) -> None:
    text = (
        "So yesterday after dinner I tried again to talk to my husband about the money, "
        "and he just walked out of the room without saying a word to me"
    )
    u = understander.understand(text, _state())
    assert u.clause is not None and len(u.clause.split()) <= 16
    assert "you" in u.clause.split() or "your" in u.clause.split()


def test_nothing_to_reflect_in_small_talk(understander: Understander) -> None:
    for text in ("Yeah.", "I don't know.", "Thank you so much for listening to me.", "ok"):
        assert understander.understand(text, _state()).clause is None, text


@pytest.mark.parametrize(
    "text",
    ["What should I do?", "Any advice?", "should I leave him", "What would you do in my place?"],
)
def test_asking_for_advice(understander: Understander, text: str) -> None:
    assert understander.understand(text, _state()).asks_advice


def test_not_asking_for_advice(understander: Understander) -> None:
    u = understander.understand("I told her what she should do with her life.", _state())
    assert not u.asks_advice and not u.is_question


def test_questions_and_word_counts(understander: Understander) -> None:
    u = understander.understand("Why does nobody ever call me back?", _state())
    assert u.is_question and u.words == 7
    assert understander.understand("   ", _state()).words == 0


def test_feelings_are_words_the_listener_can_say_back(understander: Understander) -> None:
    known = load_lexicon().feeling_words
    for text in (
        "I feel so alone since she left.",
        "I'm furious with my father.",
        "I'm so ashamed of what I did.",
        "I'm terrified of the scan results.",
    ):
        feelings = understander.understand(text, _state()).feelings
        assert feelings and set(feelings) <= known, text
        assert len(feelings) <= 2


def test_topics_found_by_keyword(understander: Understander) -> None:
    cases = {
        "I got laid off on Friday.": "work",
        "The mortgage payment bounced again.": "money",
        "My mum passed away in March.": "grief",
        "The doctor found a lump.": "health",
        "I feel worthless most days.": "self_worth",
    }
    for text, topic in cases.items():
        assert topic in understander.understand(text, _state()).topics, text


def test_the_clause_reads_well_in_the_middle_of_a_reply(understander: Understander) -> None:
    u = understander.understand("No, my boss keeps shouting at me, But I stay quiet.", _state())
    # both sides are the person's and short: kept together, the "But" in lower case
    assert u.clause == "your boss keeps shouting at you, but you stay quiet"
    u = understander.understand("My boss keeps shouting at me, but not today.", _state())
    assert u.clause == "your boss keeps shouting at you"  # "not today" is no side of its own
    u = understander.understand("I tried to call her....she never picked up", _state())
    assert u.clause is not None and "...." not in u.clause
    u = understander.understand("Recently I started sleeping on the sofa.", _state())
    assert u.clause == "recently you started sleeping on the sofa"
    u = understander.understand("Sarah left me last spring.", _state())
    assert u.clause == "Sarah left you last spring"


def test_words_to_the_listener_are_not_said_back_as_the_person_s_story(
    understander: Understander,
) -> None:
    for text in ("You should go back to school.", "Talking to you I feel calmer about you."):
        assert understander.understand(text, _state()).clause is None, text


@pytest.mark.parametrize(
    ("text", "feeling"),
    [
        ("I lost my job last spring and since then I feel useless.", "useless"),
        ("i feel like such a failure", "like a failure"),
        ("Honestly I've been feeling so numb.", "numb"),
        ("I feel invisible at work.", "invisible"),
        ("I feel like a ghost in my own house.", "like a ghost"),
        ("I'm not good enough for her.", "like you're not good enough"),
    ],
)
def test_a_feeling_the_person_names_comes_first(
    understander: Understander, text: str, feeling: str
) -> None:
    assert understander.understand(text, _state()).feelings[0] == feeling


def test_a_negated_or_someone_else_s_word_is_no_feeling(understander: Understander) -> None:
    assert "alone" not in understander.understand("I'm not alone anymore.", _state()).feelings
    assert "useless" not in understander.understand("My printer is useless.", _state()).feelings


def test_a_light_remark_is_heard_as_light(understander: Understander) -> None:
    u = understander.understand("This traffic is killing me every morning though, haha.", _state())
    assert u.feelings[:1] == ("amused",)
    heavy = understander.understand("I feel so alone lol", _state())
    assert heavy.feelings[0] == "alone"


def test_the_clause_is_one_thought_not_a_chain(understander: Understander) -> None:
    u = understander.understand(
        "I lost my job last spring and since then I feel useless.", _state()
    )
    assert u.clause == "you lost your job last spring"
    u = understander.understand("My mother died in March and I never got to say goodbye.", _state())
    assert u.clause == "your mother died in March and you never got to say goodbye"
    u = understander.understand("She criticises everything. My weight, my job, my kids.", _state())
    assert u.clause == "she criticises everything"


def test_someone_else_s_child_is_not_the_person_s_topic(understander: Understander) -> None:
    u = understander.understand("She asked when her daughter was coming.", _state())
    assert "children" not in u.topics
    assert "partner" not in understander.understand("I'm a partner at the firm.", _state()).topics


def test_words_run_together_are_read_as_meant(understander: Understander) -> None:
    u = understander.understand("i havent revised anything and im scared", _state())
    assert u.clause is not None and "haven't" in u.clause
    u = understander.understand("shes just trying to please people", _state())
    assert u.clause == "she's just trying to please people"


def test_losses_are_found_in_the_clause_said_back() -> None:
    lex = load_lexicon()
    assert lex.loss("your mother died in March") == ("bereaved", "your mother")
    assert lex.loss("you lost your job last spring") == ("job", "your job")
    assert lex.loss("you were laid off") == ("job", "your job")
    assert lex.loss("you are laid off") == ("job", "your job")
    assert lex.loss("your divorce came through") == ("ended", "your marriage")
    assert lex.loss("your mother called in March") is None


@pytest.mark.parametrize(
    ("text", "not_felt"),
    [
        ("I'm tired of feeling grateful for crumbs.", "grateful"),
        ("I don't feel happy anymore.", "happy"),
        ("I used to be proud of my work, not anymore.", "proud"),
        ("I'm no longer scared of him.", "afraid"),
        ("I'm sick of feeling useless at home.", "useless"),
        ("I felt useless for years, not anymore.", "useless"),
        ("I really hope so that i will be happy with my life.", "happy"),
        ("I wish I was happy.", "happy"),
        ("If I was happy I would not be here.", "happy"),
        ("He hasn't hurt me physically.", "hurt"),
        ("I haven't felt happy in years.", "happy"),
    ],
)
def test_a_feeling_the_person_says_they_do_not_have_is_not_said_back(
    understander: Understander, text: str, not_felt: str
) -> None:
    assert not_felt not in understander.understand(text, _state()).feelings


@pytest.mark.parametrize(
    ("text", "felt"),
    [
        ("I'm so tired and sad all the time.", "sad"),
        ("I feel useless at work.", "useless"),
        ("I'm happy he doesn't call anymore.", "happy"),
        ("I'm not angry with her, just disappointed.", "disappointed"),
        # said plainly, or misspelt as typed
        ("Very disturbed", "upset"),
        ("I am really embarased that I get food from food banks", "embarrassed"),
        ("i feel so lonley", "lonely"),
        ("I'm a bit tired today.", "tired"),
    ],
)
def test_a_feeling_near_such_words_but_not_negated_still_counts(
    understander: Understander, text: str, felt: str
) -> None:
    assert felt in understander.understand(text, _state()).feelings


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("thats a good way to put it but each day is differnt", None),
        ("Just if it is windy and cold", None),
        ("Exactly.", None),
        ("You are right, I need to rest.", "you need to rest"),
        ("You're right that she'd probably rather know.", "she'd probably rather know"),
        (
            "Yes, that makes sense. My boss never listens to me though.",
            "your boss never listens to you",
        ),
        ("If he leaves me I will be alone.", "if he leaves you you will be alone"),
    ],
)
def test_remarks_on_the_talk_and_half_thoughts_are_not_said_back(
    understander: Understander, text: str, clause: str | None
) -> None:
    assert understander.understand(text, _state()).clause == clause


@pytest.mark.parametrize(
    ("text", "small"),
    [
        ("Hi there", True),
        ("How are you?", True),
        ("hello, how are you doing today?", True),
        ("Good, how about you?", True),
        ("Hey, I'm doing well, how are you?", True),
        ("Hey, I'm not doing well, how are you?", False),
        ("How are you supposed to cope with this?", False),
        ("Hi. My wife left me.", False),
        ("Hello, I don't know where to start.", False),
    ],
)
def test_small_talk_is_a_whole_message_of_greeting(
    understander: Understander, text: str, small: bool
) -> None:
    assert understander.understand(text, _state()).small_talk is small


@pytest.mark.parametrize(
    "text",
    [
        "That does sound like fun. Do you have any other suggestions?",
        "Do you have one that you think works best?",
        "Any more tips?",
        "What would you recommend?",
        "Any recommendations?",
    ],
)
def test_asking_for_suggestions_is_asking_for_advice(understander: Understander, text: str) -> None:
    assert understander.understand(text, _state()).asks_advice


def test_leaving_is_not_said_back_as_news(understander: Understander) -> None:
    said = understander.understand("I have to go now. Thank you for chatting with me!", _state())
    assert said.clause is None


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Am I wrong to feel this way", True),
        ("is it me or is everyone tired", True),
        ("why does this keep happening", True),
        ("am still feeling bad when i remember i cant seem to do well in school", False),
        ("Was at my mum's all day again.", False),
    ],
)
def test_a_question_is_a_helping_verb_with_someone_after_it(
    understander: Understander, text: str, asks: bool
) -> None:
    assert understander.understand(text, _state()).is_question is asks


def test_feeling_blue_is_sad(understander: Understander) -> None:
    said = understander.understand("The darkness comes early and it makes me blue.", _state())
    assert said.feelings[0] == "sad"


@pytest.mark.parametrize(
    ("text", "farewell"),
    [
        ("Have a nice day!", True),
        ("I hope you have a wonderful day.", True),
        ("Thank you so much, take care. Bye!", True),
        ("You too!", True),
        ("Have a good day! Thanks again.", True),
        ("I'll exit now. See you:)", True),
        ("Take care of my cat for me while I am away", False),
        ("Bye for now, I have to think about what she said about my drinking", False),
    ],
)
def test_a_farewell_is_a_whole_message_of_goodbye(
    understander: Understander, text: str, farewell: bool
) -> None:
    assert understander.understand(text, _state()).farewell is farewell


def test_asking_for_one_suggestion_is_asking_for_advice(understander: Understander) -> None:
    assert understander.understand("Do you have any suggestion for me?", _state()).asks_advice


def test_a_message_with_two_sides_keeps_both(understander: Understander) -> None:
    u = understander.understand("I know they have busy lives, but it still hurts.", _state())
    assert u.clause is not None and u.clause.endswith("they have busy lives, but it still hurts")
    u = understander.understand(
        "My brother says I should leave her, but I made a promise.", _state()
    )
    assert u.clause == "your brother says you should leave her, but you made a promise"


def test_words_quoted_from_someone_else_are_not_the_persons_feeling(
    understander: Understander,
) -> None:
    u = understander.understand('He texted me. Just "happy birthday mate". That was it.', _state())
    assert "happy" not in u.feelings


def test_two_parts_of_me_stay_in_one_clause(understander: Understander) -> None:
    u = understander.understand(
        "Part of me wants to put him in a home, part of me feels like that's betraying him.",
        _state(),
    )
    assert (
        u.clause
        == "part of you wants to put him in a home, part of you feels like that's betraying him"
    )


def test_what_follows_but_without_a_subject_of_its_own_is_kept(understander: Understander) -> None:
    u = understander.understand(
        "My brother lives in Spain and sends money but never visits.", _state()
    )
    assert u.clause == "your brother lives in Spain and sends money but never visits"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Do you think it's selfish to want my own life back?", "okay"),
        ("Is it wrong that I feel relieved when he sleeps?", "okay"),
        ("Am I selfish for wanting a break?", "okay"),
        ("Is it normal to feel nothing at the funeral?", "okay"),
        # only ordinary needs and feelings are waved through, never any want
        ("Is it wrong to want a drink?", None),
        ("Is it wrong to want to cheat on him?", None),
        ("Am I a bad daughter?", "judge"),
        # the listener's own life: it has none, and says so
        ("Have you ever felt like this?", "listener"),
        ("What kind of stretching did you do?", "listener"),
        ("How was your mood after getting sleep?", "listener"),
        ("Do you think I should tell him?", "choice"),
        ("Do you think she still loves me?", "loves"),
        ("Did you hear what I said?", None),
    ],
)
def test_whether_a_need_or_feeling_is_allowed_is_its_own_question(
    understander: Understander, text: str, kind: str | None
) -> None:
    assert understander.understand(text, _state()).asks == kind


def test_feeling_lighter_is_relief(understander: Understander) -> None:
    assert understander.understand("Thanks. I feel a bit lighter.", _state()).feelings[:1] == (
        "relieved",
    )


def test_a_courtesy_at_the_end_is_not_the_question(understander: Understander) -> None:
    u = understander.understand("I am feeling a bit tired today, how are you Carolyn?", _state())
    assert not u.is_question and u.feelings[:1] == ("tired",)
    assert u.clause == "you are feeling a bit tired today"
    assert understander.understand("Is it my fault, how are you?", _state()).asks == "fault"


@pytest.mark.parametrize(
    "text",
    [
        "I just hope there was no pain at the end.",
        "I hope she wasn't scared when it happened.",
        "I just hope there's no pain for her at the end.",
    ],
)
def test_a_hope_about_what_already_happened_is_a_worry(
    understander: Understander, text: str
) -> None:
    u = understander.understand(text, _state())
    assert "hopeful" not in u.feelings and u.feelings[:1] == ("anxious",)


def test_a_hope_for_what_is_to_come_stays_hopeful(understander: Understander) -> None:
    for text in ("I hope she has a good time in Spain.", "I hope there's cake at the party."):
        assert "anxious" not in understander.understand(text, _state()).feelings


@pytest.mark.parametrize(
    ("text", "feeling"),
    [
        ("Thank you, but I'm worried about how long my strength can last", "anxious"),
        ("Thanks for listening. I still feel so alone in all of this.", "lonely"),
    ],
)
def test_thanks_to_the_listener_is_not_the_feeling_read(
    understander: Understander, text: str, feeling: str
) -> None:
    u = understander.understand(text, _state())
    assert u.thanks and "grateful" not in u.feelings and feeling in u.feelings


def test_a_message_that_is_only_thanks_is_thanks(understander: Understander) -> None:
    for text in ("Thank you so much for your help. Have a good day!", "I do, thank you."):
        u = understander.understand(text, _state())
        assert u.thanks and u.clause is None, text


@pytest.mark.parametrize(
    "text",
    [
        "My mother died in March and I never got to say goodbye.",
        "I take care of my mum every day and I'm worn out.",
        "I'm thankful my sister stayed with me.",
    ],
)
def test_words_like_thanks_inside_the_story_are_the_story(
    understander: Understander, text: str
) -> None:
    assert not understander.understand(text, _state()).thanks


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        (
            "lost my job on friday and haven't told my girlfriend",
            "you lost your job on friday and haven't told your girlfriend",
        ),
        ("been cleaning out the garage all day", "you've been cleaning out the garage all day"),
    ],
)
def test_a_message_without_its_i_is_still_said_back(
    understander: Understander, text: str, clause: str
) -> None:
    assert understander.understand(text, _state()).clause == clause


def test_more_one_feeling_than_another_keeps_the_first(understander: Understander) -> None:
    u = understander.understand("I'm not angry at him exactly. more tired than angry", _state())
    assert u.feelings[:1] == ("tired",) and "angry" in u.corrected
