"""The phrasebook voice: reviewed wording from a data file, chosen so no sentence is said twice.

``data/phrases.toml`` holds, for each listening move, groups of variants keyed by angle ("plain",
"advice", "callback", a topic id...). A variant names its slots in braces: ``{feeling}``,
``{clause}``; ``{a:feeling}`` adds the right article ("an angry"). The voice picks a variant whose
slots are all in the plan (first those that use every slot given, then fewer), whose sentences
have not been said this session, fills it, and fixes the grammar the slots can break: capitals
at sentence starts, "1 minutes". A variant group named by the plan's ``angle`` comes first, then
the "plain" group. When a group's variants are used up it joins a short lead-in from the bank to
a variant ("Mm, it sounds like..."), which makes a new sentence; if even those run out it borrows
wording from a related move. It never repeats a sentence.

Plan slots ``angle`` and ``length`` are hints, never said: ``angle`` picks the variant group and
``length="short"`` prefers variants of at most ``SHORT_WORDS`` words, from any tier, before
longer ones that use more slots; otherwise wordings of at most ``LONG_WORDS`` words come first.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from confidante.conversation import Move, normalise_sentence, sentences
from confidante.datafiles import load_toml
from confidante.errors import DataFileError, VoiceError
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import VoiceContext

#: Plan slots that steer the choice of wording but are not filled into it.
HINTS = frozenset({"angle", "length"})
#: A variant of at most this many words counts as short.
SHORT_WORDS = 10
#: Filled wordings longer than this are said only when nothing shorter is fresh: a listener's
#: reply is a sentence or two.
LONG_WORDS = 22

_SLOT = re.compile(r"\{(?:(a):)?([a-z_]+)\}")
_SENTENCE_START = re.compile(r"(^|[.?!]\s+)([a-z])")
_ONE_MINUTES = re.compile(r"\b1 minutes\b")
_SPACE_BEFORE_MARK = re.compile(r" ([,.?!])")


@dataclass(frozen=True)
class Variant:
    """One way of saying a move, with the slots it needs."""

    text: str
    slots: frozenset[str]
    words: int


class Phrasebook:
    """The default voice: no model, no network, reviewed wording only."""

    name = "phrasebook"

    def __init__(
        self,
        bank: Mapping[Move, Mapping[str, tuple[Variant, ...]]],
        leads: tuple[str, ...],
        borrow: Mapping[Move, tuple[Move, ...]],
    ) -> None:
        self._bank = bank
        self._leads = leads
        self._borrow = borrow

    @classmethod
    def load(cls) -> Phrasebook:
        """Read the phrase bank once."""
        return _load()

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        """Yield the words for ``plan``: fixed text verbatim, or a fresh filled variant."""
        if plan.fixed is not None:
            yield plan.fixed
            return
        text = self._compose(plan, context.used_sentences, context.rng, borrow=True)
        context.used_sentences.update(normalise_sentence(s) for s in sentences(text))
        yield text

    def _compose(self, plan: Plan, used: set[str], rng: random.Random, borrow: bool) -> str:
        slots = {k: v for k, v in plan.slots.items() if k not in HINTS and v}
        angle = plan.slots.get("angle", "plain")
        short = plan.slots.get("length") == "short"
        groups = self._bank.get(plan.move)
        if not groups:
            raise VoiceError(
                f"The phrasebook has no wording for '{plan.move}'; "
                "add it to voices/data/phrases.toml."
            )
        names = [angle] if angle != "plain" and angle in groups else []
        if short:
            # a short message gets a short reply, even one that uses fewer of the slots; an
            # angle's own group (an answer, a correction) is never traded for a shorter plain one
            for group in names or ["plain"]:
                # the feeling is never the slot traded for brevity: a reflection planned as
                # complex ("...: that must have hurt") must not come out as a bare "And ..."
                tiers = [
                    [t for v in tier if _fresh(t := fill(v.text, slots), used)]
                    for tier in _tiers(groups.get(group, ()), slots)
                    if "feeling" not in slots or all("feeling" in v.slots for v in tier)
                ]
                for fills in tiers:
                    brief = [t for t in fills if len(t.split()) <= SHORT_WORDS]
                    if brief:
                        return rng.choice(brief)
                if tiers and tiers[0]:
                    # a long clause: every slot still said, with the fewest words around it
                    least = min(len(t.split()) for t in tiers[0])
                    return rng.choice([t for t in tiers[0] if len(t.split()) <= least + 2])
        for group in (*names, "plain"):
            for tier in _tiers(groups.get(group, ()), slots):
                fresh = [t for v in tier if _fresh(t := fill(v.text, slots), used)]
                limit = SHORT_WORDS if short else LONG_WORDS
                fresh = [t for t in fresh if len(t.split()) <= limit] or fresh
                if fresh:
                    return rng.choice(fresh)
            # Used up: a lead-in before a variant makes a new sentence ("Mm, it sounds like...").
            # Tried in a random order and stopped at the first fresh one: this path must stay fast.
            for tier in _tiers(groups.get(group, ()), slots):
                pairs = [(lead, v) for v in tier for lead in self._leads]
                rng.shuffle(pairs)
                for lead, v in pairs:
                    joined = _lead(lead, fill(v.text, slots))
                    if _fresh(joined, used):
                        return joined
        if borrow:
            for other in self._borrow.get(plan.move, ()):
                try:
                    return self._compose(Plan(other, slots), used, rng, borrow=False)
                except VoiceError:
                    continue
        raise VoiceError("The phrasebook ran out of new sentences; start a new session.")


def _tiers(variants: tuple[Variant, ...], slots: Mapping[str, str]) -> Iterator[list[Variant]]:
    """Variants whose slots are all given, those that use more of them first."""
    fitting = [v for v in variants if v.slots <= slots.keys()]
    for size in sorted({len(v.slots) for v in fitting}, reverse=True):
        yield [v for v in fitting if len(v.slots) == size]


def fill(template: str, slots: Mapping[str, str]) -> str:
    """Put the slot values into ``template`` and fix the grammar they can break."""

    def value(m: re.Match[str]) -> str:
        word = slots[m.group(2)]
        if m.group(1):
            return f"{'an' if _vowel_sound(word) else 'a'} {word}"
        return word

    # Every reply fills a dozen or so variants: skip each step that has nothing to do.
    text = _SLOT.sub(value, template) if "{" in template else template
    if "1 minutes" in text:
        text = _ONE_MINUTES.sub("1 minute", text)
    text = " ".join(text.split())
    if " " in text:
        text = _SPACE_BEFORE_MARK.sub(r"\1", text)
    return _SENTENCE_START.sub(_capital, text)


def _capital(m: re.Match[str]) -> str:
    return m.group(1) + m.group(2).upper()


def _vowel_sound(word: str) -> bool:
    low = word.lower()
    if low.startswith(("uni", "use", "usu", "one", "eu")):
        return False
    return low[:1] in "aeiou" or low.startswith(("hour", "honest", "heir"))


def _fresh(text: str, used: set[str]) -> bool:
    return all(normalise_sentence(s) not in used for s in sentences(text))


def _lead(lead: str, text: str) -> str:
    """Join a lead-in ("Mm,") to a reply whose first word then drops its capital (not "I")."""
    first, _, rest = text.partition(" ")
    if not (first == "I" or first.startswith("I'")):
        first = first[:1].lower() + first[1:]
    return f"{lead} {first} {rest}".strip()


@cache
def _load() -> Phrasebook:
    name = "phrases.toml"
    data = load_toml("confidante.voices", f"data/{name}")  # the one shared loader
    bank: dict[Move, dict[str, tuple[Variant, ...]]] = {}
    for move_name, groups in data.get("moves", {}).items():
        try:
            move = Move(move_name)
        except ValueError:
            raise DataFileError(
                f"voices/data/{name}: [moves.{move_name}] is not a move; "
                f"use one of {', '.join(Move)}."
            ) from None
        bank[move] = {angle: tuple(_variant(t) for t in texts) for angle, texts in groups.items()}
    borrow = {Move(k): tuple(Move(m) for m in v) for k, v in data.get("borrow", {}).items()}
    return Phrasebook(bank, tuple(data.get("leads", ())), borrow)


def _variant(text: str) -> Variant:
    return Variant(text, frozenset(m.group(2) for m in _SLOT.finditer(text)), len(text.split()))


def from_settings(settings: Settings) -> Phrasebook:
    """The registry's factory: the phrasebook needs no settings."""
    del settings
    return Phrasebook.load()
