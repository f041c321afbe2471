"""A model voice held to the same rules as the phrasebook: short, plain, safe, never repeating.

Whatever a model says is checked before it is used; a reply that breaks a rule is replaced by
the phrasebook's phrasing of the same plan, so a model can make replies better but never worse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from confidante.conversation import normalise_sentence, sentences
from confidante.datafiles import load_toml
from confidante.errors import VoiceError
from confidante.listening.plan import Plan
from confidante.voices.base import Voice, VoiceContext

#: Extra check from the safety layer: True when a reply is acceptable.
ReplyCheck = Callable[[str], bool]


class GuardedVoice:
    """Buffers an inner voice's reply, checks it, and falls back when it fails."""

    def __init__(self, inner: Voice, fallback: Voice, check: ReplyCheck | None = None) -> None:
        self.name = inner.name
        self._inner = inner
        self._fallback = fallback
        self._check = check
        rules = load_toml("confidante.voices", "model_prompt.toml")["checks"]
        self._max_words = int(rules["max_words"])
        self._forbidden = [re.compile(p, re.IGNORECASE) for p in rules["forbidden"]]
        self.fallbacks = 0  # how often the inner voice was overruled (a count, never text)

    def acceptable(self, text: str, used: set[str]) -> bool:
        """True when ``text`` keeps every rule a reply must keep."""
        stripped = text.strip()
        if not stripped or len(stripped.split()) > self._max_words:
            return False
        if any(p.search(stripped) for p in self._forbidden):
            return False
        if any(normalise_sentence(s) in used for s in sentences(stripped)):
            return False
        return self._check is None or self._check(stripped)

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        """The inner voice's reply if it passes the checks, else the fallback's."""
        if plan.fixed is not None:
            yield plan.fixed
            return
        try:
            text = "".join(self._inner.say(plan, context))
        except VoiceError:
            # A model server that goes away mid-session must not end the person's hour.
            text = ""
        if text and self.acceptable(text, context.used_sentences):
            yield text.strip()
            return
        self.fallbacks += 1
        yield from self._fallback.say(plan, context)
