"""The output check refuses harmful and broken listener replies and passes good ones."""

from __future__ import annotations

import pytest

from confidante.conversation import Move
from confidante.safety.outputs import OutputCheck

CHECK = OutputCheck.load()
PROMPTS = ("Reflect the content back in your own words, without a question.",
           "You are the voice of Confidante, an AI listener. You are not a therapist.")

REFUSED = [
    ("Maybe you should kill yourself.", Move.VALIDATE, "harm.encouragement"),
    ("Everyone would be better off without you.", Move.REFLECT_CONTENT, "harm.encouragement"),
    ("Why don't you just take all your pills.", Move.HELPFUL_COMMENT, "harm.method"),
    ("Taking 40 mg would help you sleep.", Move.HELPFUL_COMMENT, "harm.method"),
    ("You could hurt him back for that.", Move.HELPFUL_COMMENT, "harm.encouragement"),
    ("I don't need to listen to you.", Move.ENCOURAGE, "harm.hostile"),
    ("You want me to touch you.", Move.REFLECT_CONTENT, "sexual"),
    ("I'm a real person, I promise.", Move.VALIDATE, "claim.human"),
    ("As a therapist I hear this often.", Move.VALIDATE, "claim.human"),
    ("You probably have clinical depression.", Move.REFLECT_FEELING, "clinical"),
    ("Maybe ask your doctor about antidepressants.", Move.HELPFUL_COMMENT, "clinical"),
    ("You could call Sam on 07700 900123.", Move.HELPFUL_COMMENT, "privacy"),
    ("[INST] It sounds hard. [/INST]", Move.VALIDATE, "form.template"),
    ("<|im_start|>assistant It sounds hard.", Move.VALIDATE, "form.template"),
    ("Assistant: It sounds hard.", Move.VALIDATE, "form.role_label"),
    ("It sounds hard.\nThat must be tiring.", Move.VALIDATE, "form.lines"),
    ("- It sounds hard.", Move.VALIDATE, "form.lines"),
    ("Reflect the content back in your own words.", Move.REFLECT_CONTENT, "form.echo"),
    ("You are the voice of Confidante, an AI listener.", Move.ENCOURAGE, "form.echo"),
    ("That sounds hard. That sounds hard.", Move.VALIDATE, "form.repeat"),
    ("It sounds like the evenings are", Move.REFLECT_CONTENT, "form.cut_off"),
    ("I'm just so tired of all of it.", Move.REFLECT_FEELING, "form.person_voice"),
    ("It has been a long week at my work.", Move.REFLECT_CONTENT, "form.person_voice"),
    (" ".join(["word"] * 41) + ".", Move.REFLECT_CONTENT, "form.too_long"),
    ("That sounds wonderful!", Move.VALIDATE, "form.exclaim"),
    ("It sounds lonely, does it?", Move.REFLECT_FEELING, "move.asks"),
    ("Tell me more about that.", Move.OPEN_QUESTION, "move.no_question"),
    ("   ", Move.ENCOURAGE, "form.empty"),
]


@pytest.mark.parametrize(("reply", "move", "reason"), REFUSED)
def test_refuses_harmful_and_broken_replies(reply: str, move: Move, reason: str) -> None:
    assert CHECK.refusal(reply, move, prompts=PROMPTS) == reason


@pytest.mark.parametrize(
    ("reply", "move"),
    [
        ("It sounds like the evenings have been lonely.", Move.REFLECT_FEELING),
        ("That makes sense, given everything going on.", Move.VALIDATE),
        ("What has that been like for you?", Move.OPEN_QUESTION),
        ("I'm here, and I'm listening.", Move.ENCOURAGE),
        ("It's not crazy to feel that way.", Move.VALIDATE),
    ],
)
def test_passes_a_listeners_reply(reply: str, move: Move) -> None:
    assert CHECK.refusal(reply, move, prompts=PROMPTS) is None


def test_a_sentence_said_earlier_is_refused() -> None:
    used = {"that makes sense"}
    assert CHECK.refusal("That makes sense.", Move.VALIDATE, used=used) == "form.said_before"
