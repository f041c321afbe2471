"""Chat front ends before ``/v1``: their background task requests, buttons and wording.

Open WebUI (and front ends like it) sends the model its own "task" requests beside the person's
turns: a title, tags, follow-up suggestions, search queries. They are not something a person said,
so they never reach the listener or the safety layer; each gets a neutral, valid JSON answer that
draws on nothing in the request. The rules that recognise them, the answers and the plain replies
to a front end's buttons ("Add details") are data in ``data/frontends.toml``; this module only
reads them. A recognised task is named by the JSON key its prompt asks for (a closed set, safe
for a metric label), never by anything the request says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from confidante.datafiles import load_toml, text_at
from confidante.errors import DataFileError

_PACKAGE = "confidante.server.data"
_NAME = "frontends.toml"
_SOURCE = f"server/data/{_NAME}"
_KEY = re.compile(r'\{\s*"([A-Za-z_]{1,40})"')
_FOLD = re.compile(r"\s+")

#: The label of a task whose JSON key has no answer of its own (it is answered ``{}``).
OTHER = "other"


@dataclass(frozen=True)
class TaskRule:
    """How one front end's task prompts look."""

    frontend: str
    starts_with: str
    holds: tuple[str, ...]
    format: str

    def asks(self, text: str) -> str | None:
        """The JSON key a task prompt asks for ("" when none is named), or None if not a task."""
        body = text.lstrip()
        if not body.startswith(self.starts_with) or not any(h in body for h in self.holds):
            return None
        at = body.find(self.format)
        found = _KEY.search(body, at) if at >= 0 else None
        return found.group(1) if found else ""


@dataclass(frozen=True)
class Task:
    """A recognised task request: its label (a known key or ``OTHER``) and the JSON answer."""

    kind: str
    answer: str


@dataclass(frozen=True)
class FrontEnds:
    """The task rules, answers, button replies and wording of ``frontends.toml``."""

    rules: tuple[TaskRule, ...]
    answers: dict[str, str]  # key -> the JSON text answered
    commands: dict[str, str]  # folded button text -> the plain reply
    app_may_save: str
    model_name: str

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every label a task can get (for the metric)."""
        return (*self.answers, OTHER)

    def task(self, roles: Sequence[str], texts: Sequence[str], stream: bool) -> Task | None:
        """The task this request is, or None for a person's turn.

        A task is a single user message, not streamed, that one rule recognises; a person who
        types the same words into a streamed chat is still heard by the listener.
        """
        if stream or list(roles) != ["user"]:
            return None
        for rule in self.rules:
            key = rule.asks(texts[0])
            if key is not None:
                if key in self.answers:
                    return Task(kind=key, answer=self.answers[key])
                return Task(kind=OTHER, answer="{}")
        return None

    def command(self, text: str) -> str | None:
        """The plain reply to a front end's button sent as a message, or None."""
        return self.commands.get(fold(text))


def fold(text: str) -> str:
    """Lower case, single spaces, no final period: how a button's words are matched."""
    return _FOLD.sub(" ", text).strip().rstrip(".").strip().lower()


def _rule(entry: Any, index: int) -> TaskRule:
    try:
        return TaskRule(
            frontend=str(entry["frontend"]),
            starts_with=str(entry["starts_with"]),
            holds=tuple(str(h) for h in entry["holds"]),
            format=str(entry["format"]),
        )
    except (KeyError, TypeError):
        raise DataFileError(
            f"{_SOURCE}: [[task]] number {index + 1} needs frontend, starts_with, holds and "
            "format; add the missing entry."
        ) from None


@cache
def frontends() -> FrontEnds:
    """The front-end rules and wording, loaded once."""
    data = load_toml(_PACKAGE, _NAME)
    answers = data.get("answers", {})
    commands = data.get("commands", {})
    if not isinstance(answers, dict) or not isinstance(commands, dict):
        raise DataFileError(f"{_SOURCE}: [answers] and [commands] must be tables.")
    return FrontEnds(
        rules=tuple(_rule(e, i) for i, e in enumerate(data.get("task", []))),
        answers={key: json.dumps(value, ensure_ascii=False) for key, value in answers.items()},
        commands={fold(key): str(value) for key, value in commands.items()},
        app_may_save=text_at(data, "notice.app_may_save", _SOURCE),
        model_name=text_at(data, "model.name", _SOURCE),
    )
