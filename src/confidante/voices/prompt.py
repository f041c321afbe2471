"""What a model voice is told: one system message made from the plan, then the conversation.

The system message holds the reviewed instructions, the move and its limits, and what was heard
(the plan's slots, named as the policy names them); the recent conversation follows, so the
person's last message comes last. Fixed text is never given to a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from confidante.conversation import Message, Role
from confidante.datafiles import load_toml
from confidante.errors import DataFileError
from confidante.listening.plan import Plan

_FILE = "model_prompt.toml"


def _data() -> dict[str, Any]:
    return load_toml("confidante.voices", _FILE)


def instruction(plan: Plan) -> str:
    """The move and its limits, then one line per slot the plan fills."""
    data = _data()
    moves = data["moves"]
    if plan.move.value not in moves:
        raise DataFileError(
            f"voices/{_FILE} has no [moves] entry for '{plan.move}'; add one."
        )
    lines = [str(moves[plan.move.value])]
    angle = plan.slots.get("angle", "")
    if angle in data["angles"]:
        lines.append(str(data["angles"][angle]))
    for name, template in data["slots"].items():
        value = plan.slots.get(name, "")
        if value:
            lines.append(str(template).replace("{}", value))
    return " ".join(lines)


def system_message(plan: Plan) -> str:
    """The one system message for ``plan``."""
    return f"{_data()['system']} {instruction(plan)}"


def messages_for(plan: Plan, recent: Sequence[Message]) -> list[dict[str, str]]:
    """Chat messages: the system message, then the recent conversation in order."""
    if plan.fixed is not None:
        raise ValueError("fixed text is said by the session, never by a model")
    out = [{"role": "system", "content": system_message(plan)}]
    for message in recent:
        role = "user" if message.role is Role.PERSON else "assistant"
        out.append({"role": role, "content": message.text})
    return out


def prompt_texts() -> tuple[str, ...]:
    """Every instruction a model is given, without slot values, for the echo check."""
    data = _data()
    parts = [str(data["system"]), *map(str, data["moves"].values()),
             *map(str, data["angles"].values())]
    parts += [str(t).replace("{}", "") for t in data["slots"].values()]
    return tuple(parts)


def remote_notice() -> str:
    """Said in the opening when the voice sends the conversation to another machine."""
    return str(_data()["notice"]["remote"])
