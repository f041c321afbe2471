"""The output check: whether a listener's reply, phrased by a language model, may be said.

The person-side assessment reads what someone in distress says; it is the wrong tool for what a
listener says ("Maybe you should kill yourself." is not a person at risk, it is harm). This
check is made for a listener's reply and needs no model. It refuses, in this order:

* harm: second-person encouragement of self-harm, suicide or violence, methods and doses,
  hostility; sexual content; claims to be human or a professional; diagnosis and medication
  advice; another person's details (``data/outputs.toml``, one list of patterns per rule id);
* form: template tokens, role labels, several lines or list markers, the instructions or the
  system prompt read back, a sentence repeated within the reply or said earlier in the session,
  text cut off, the person's voice ("I'm so tired", "my") instead of a listener's, over
  ``max_words`` words, exclamation marks;
* the move: a reflection or validation that asks, a question that does not.

:meth:`OutputCheck.refusal` answers with the first rule id broken, or ``None``. Rule ids are
counted by the caller; the reply itself is never logged or kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from confidante.conversation import Move, normalise_sentence, sentences
from confidante.safety.datafiles import read_toml, require
from confidante.safety.text import normalise

_WORD = re.compile(r"[a-z0-9']+")
#: Runs of this many words shared with the prompt count as the prompt read back.
ECHO_WORDS = 5
#: How a finished reply may end: a sentence mark, perhaps inside a quote or bracket.
_FINISHED = re.compile(r"[.?!\u2026][\"')\u201d\u2019]*$")
#: Moves that must not ask, and the one that must.
_NO_QUESTION = frozenset(
    {Move.REFLECT_FEELING, Move.REFLECT_CONTENT, Move.VALIDATE, Move.SUMMARIZE, Move.TIME_CUE,
     Move.CLOSE}
)


@dataclass(frozen=True)
class OutputCheck:
    """Compiled rules for a listener's reply; load once with :meth:`load`."""

    rules: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    max_words: int

    @classmethod
    def load(cls) -> OutputCheck:
        """The rules from ``safety/data/outputs.toml`` (read once per process)."""
        return _load()

    def refusal(
        self,
        text: str,
        move: Move,
        *,
        prompts: Iterable[str] = (),
        used: Iterable[str] = (),
    ) -> str | None:
        """The rule id ``text`` breaks as a reply doing ``move``, or ``None`` when it may be said.

        ``prompts`` are the instructions the model was given (without what the person said),
        so a reply that reads them back is refused; ``used`` holds the normalised sentences
        said earlier in the session.
        """
        raw = text.strip()
        if not raw:
            return "form.empty"
        folded = normalise(raw) if "\n" not in raw else "\n".join(
            normalise(line) for line in raw.splitlines()
        )
        for rule_id, patterns in self.rules:
            if any(p.search(raw) or p.search(folded) for p in patterns):
                return rule_id
        return self._form(raw, folded, move, prompts, used)

    def _form(
        self, raw: str, folded: str, move: Move, prompts: Iterable[str], used: Iterable[str]
    ) -> str | None:
        words = _WORD.findall(folded)
        if _echoes(words, prompts):
            return "form.echo"
        said = [normalise_sentence(s) for s in sentences(raw)]
        if len(set(said)) < len(said):
            return "form.repeat"
        earlier = set(used)
        if any(s in earlier for s in said):
            return "form.said_before"
        if len(raw.split()) > self.max_words:
            return "form.too_long"
        if not _FINISHED.search(raw):
            return "form.cut_off"
        if move is Move.OPEN_QUESTION and "?" not in raw:
            return "move.no_question"
        if move in _NO_QUESTION and "?" in raw:
            return "move.asks"
        return None


def _echoes(words: list[str], prompts: Iterable[str]) -> bool:
    """True when ``ECHO_WORDS`` words in a row of the reply also stand in a row in a prompt."""
    if len(words) < ECHO_WORDS:
        return False
    runs = {tuple(words[i : i + ECHO_WORDS]) for i in range(len(words) - ECHO_WORDS + 1)}
    for prompt in prompts:
        source = _WORD.findall(normalise(prompt))
        for i in range(len(source) - ECHO_WORDS + 1):
            if tuple(source[i : i + ECHO_WORDS]) in runs:
                return True
    return False


@cache
def _load() -> OutputCheck:
    where = "data/outputs.toml"
    data = read_toml(where)
    rules = require(data, "rules", where)
    compiled = tuple(
        (str(rule_id), tuple(re.compile(p, re.IGNORECASE) for p in patterns))
        for rule_id, patterns in rules.items()
    )
    return OutputCheck(rules=compiled, max_words=int(require(data, "max_words", where)))
