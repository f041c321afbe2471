"""Reading the listening data files (TOML under ``listening/data``) and the lexicon they hold.

Word lists, topic keywords and people nouns live in data files so that wording and vocabulary can
be reviewed and changed without touching Python. A malformed file raises ``DataFileError`` naming
the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from confidante.datafiles import load_toml
from confidante.errors import DataFileError
from confidante.text import negation

_PACKAGE = "confidante.listening"


def read_toml(name: str, package: str = _PACKAGE) -> dict[str, Any]:
    """Parse ``data/<name>`` of ``package`` through the one shared loader (``datafiles``)."""
    return load_toml(package, f"data/{name}")


@dataclass(frozen=True)
class Topic:
    """A subject people talk about, with the words that signal it and a plain label for it."""

    id: str
    label: str  # plain words for summaries: "your marriage", "money"
    pattern: re.Pattern[str]
    # The first word of each of its words and phrases, lower case: a message with none of these
    # among its words cannot match, and most messages touch only a topic or two of the many.
    firsts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Loss:
    """A kind of loss ("bereaved", "ended", "job") and how to find it in a reflected clause."""

    kind: str
    pattern: re.Pattern[str]
    lost: str | None  # fixed words for what was lost, when the pattern has no "lost" group


@dataclass(frozen=True)
class Lexicon:
    """Everything the understander matches against, compiled once."""

    topics: tuple[Topic, ...]
    people: re.Pattern[str]  # "my wife", "our son", "the job"
    person_topic: dict[str, str]  # noun -> topic id ("wife" -> "partner")
    persons: frozenset[str]  # nouns that are people (or pets), not things
    feelings: tuple[str, ...]  # the feelings the listener names back, in file order
    feeling_cues: re.Pattern[str]  # every cue of every feeling, in one pattern
    cue_feeling: dict[str, str]  # a cue (lower case, single spaces) -> its feeling
    advice: re.Pattern[str]
    no_advice: re.Pattern[str]  # "I don't want advice": turned down
    apology: re.Pattern[str]  # a whole message of "sorry, I'm rambling"
    others_alone: re.Pattern[str]  # "a patient died alone": someone else's aloneness
    question_start: frozenset[str]
    question_subjects: frozenset[str]  # after a helping verb, what makes it a question
    fillers: re.Pattern[str]  # discourse markers to drop at a clause's start
    low_content: frozenset[str]  # clauses not worth reflecting ("i don't know")
    lower_first: frozenset[str]  # sentence-initial words that are not names
    no_echo: re.Pattern[str]  # words the listener does not say back
    remarks: re.Pattern[str]  # remarks on the talk itself ("good way to put it")
    leading_remark: re.Pattern[str]  # such a remark opening a clause, with what joins it on
    fragment_starts: frozenset[str]  # a clause starting so is half a thought ("if ...")
    needs_cue: frozenset[str]  # model feelings named back only when a cue agrees
    question_openers: frozenset[str]  # a clause starting with one is a question
    list_joiner: str  # the word before the last item of a list ("and")
    contractions: dict[str, str]  # "dont" -> "don't", put right before reading
    contraction: re.Pattern[str]
    light: re.Pattern[str]  # "haha", "lol": a light remark
    small_talk: re.Pattern[str]  # a whole message that is only "hi" or "how are you?"
    courtesy_tail: re.Pattern[str]  # "..., how are you (Carolyn)?" ending a longer message
    farewell: re.Pattern[str]  # a whole message that is only "bye" or "have a nice day"
    trailing: re.Pattern[str]  # words dropped from the end of a clause said back
    hedge: re.Pattern[str]  # "maybe ..." at the start of a reflected clause
    self_named: re.Pattern[str]  # "I feel useless": group "cue", preceded by a negator or not
    verb_named: re.Pattern[str]  # "it frightens me": group "cue", a feeling said as a verb
    eased: re.Pattern[str]  # "a little less stuck": group "cue", a feeling that has eased
    left_behind: re.Pattern[str]  # "tired of " right before a self-named feeling
    gone: re.Pattern[str]  # "..., not anymore" later in its sentence
    named_feeling: dict[str, str]  # a self-named cue (lower case) -> the words said back
    verb_feeling: dict[str, str]  # a feeling verb ("frightens") -> the words said back
    judgements: frozenset[str]  # self-named feelings that judge oneself ("useless")
    losses: tuple[Loss, ...]
    no_goodbye: re.Pattern[str]
    worried_hope: re.Pattern[str]  # "I hope there was no pain": a hope that is a worry
    asked_about: re.Pattern[str]  # "she keeps asking if I'm having fun": not their feeling
    courtesy: re.Pattern[str]  # "thanks for the chat", "have a good day": said to the listener
    dropped_subject: re.Pattern[str]  # "lost my job": a chat message that left out its "I"
    dropped_have: re.Pattern[str]  # "been cleaning the garage": one that left out "I've"
    loss_hedge: re.Pattern[str]  # before a loss: a question, fear or hypothetical, not a loss

    def named_feelings(self, text: str) -> tuple[str, ...]:
        """Feelings the person names as their own ("I feel useless"), in the order said."""
        seen: dict[str, None] = {}
        found = [*self.self_named.finditer(text), *self.verb_named.finditer(text)]
        for m in sorted(found, key=lambda m: m.start()):
            if "neg" in m.groupdict() and m.group("neg"):
                continue  # "I'm not alone anymore"
            if self.left_behind.search(text, max(0, m.start() - 30), m.start()):
                continue  # "tired of feeling grateful"
            if self.gone.match(text, m.end()):
                continue  # "I felt useless, not anymore"
            cue = " ".join(m.group("cue").lower().split())
            seen.setdefault(self.named_feeling.get(cue) or self.verb_feeling[cue], None)
        return tuple(seen)

    def eased_feelings(self, text: str) -> tuple[str, ...]:
        """Feelings the person says have eased ("I feel less alone now"): not theirs now."""
        found: dict[str, None] = {}
        for m in self.eased.finditer(text):
            cue = " ".join(m.group("cue").lower().split())
            for table in (self.named_feeling, self.cue_feeling):
                if cue in table:
                    found.setdefault(table[cue], None)
        return tuple(found)

    def says_feeling(self, feeling: str, text: str) -> bool:
        """True when ``text`` already says ``feeling`` in some word of it ("frightened" for
        afraid), so a reply need not add "and you feel afraid"."""
        low = text.lower()
        said = self._said_as.get(feeling)
        return feeling in low or bool(said and said.search(low))

    @cached_property
    def _said_as(self) -> dict[str, re.Pattern[str]]:
        # each feeling's cue and self-named words as one pattern, built once, not per reply
        words: dict[str, list[str]] = {}
        for table in (self.cue_feeling, self.named_feeling):
            for cue, feeling in table.items():
                words.setdefault(feeling, []).append(cue)
        return {f: _words(ws) for f, ws in words.items()}

    def has_feeling_cue(self, text: str) -> bool:
        """True when ``text`` holds a feeling cue (``feeling_cues`` would find one)."""
        return not self._cue_firsts.isdisjoint(message_words(text)) and bool(
            self.feeling_cues.search(text)
        )

    def feeling_cue_words(self, text: str) -> list[str]:
        """Every feeling cue in ``text``, as written (``feeling_cues.findall``)."""
        if self._cue_firsts.isdisjoint(message_words(text)):
            return []  # a long search that would find nothing: most messages name no cue word
        return self.feeling_cues.findall(text)

    @cached_property
    def _cue_firsts(self) -> frozenset[str]:
        # A cue matches only where all its words are words of the message; its longest word is
        # the one least likely to be there by chance ("talk", not "no", of "no one to talk to").
        return frozenset(max(_WORD.findall(cue), key=len) for cue in self.cue_feeling)

    def loss(self, clause: str) -> tuple[str, str] | None:
        """(kind, what was lost) when a reflected clause tells of a loss, else None."""
        for loss in self.losses:
            m = loss.pattern.search(clause)
            if m and not self.loss_hedge.search(clause, 0, m.start()):
                lost = loss.lost or m.group("lost")
                return loss.kind, lost
        return None

    @property
    def feeling_words(self) -> frozenset[str]:
        """The feelings the listener names back."""
        return frozenset(self.feelings) | frozenset(self.named_feeling.values())

    def is_person(self, mention: str) -> bool:
        """True when a remembered mention ("your wife") is a person rather than a thing."""
        return (
            mention.rsplit(" ", 1)[-1] in self.persons or mention.split(" ", 1)[-1] in self.persons
        )


def _alternation(words: list[str]) -> str:
    """A regex alternation of ``words`` (longest first), spaces matching any whitespace."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


#: A word as ``\b`` sees it: the pieces a message is cut into to check a topic's first words.
_WORD = re.compile(r"\w+")


def message_words(text: str) -> frozenset[str]:
    """The lower-case words of ``text``, to check against ``Topic.firsts``."""
    return frozenset(_WORD.findall(text.lower()))


def _words(items: list[str]) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_alternation(items)})\b", re.IGNORECASE)


def _self_named(data: dict[str, Any]) -> re.Pattern[str]:
    """ "I feel (so) useless": an opener, softeners, a self-named cue; "not" before it is caught."""
    frame = data["self_named_frame"]
    cues = [c for cs in data["self_named"].values() for c in cs]
    return re.compile(
        rf"\b(?:{_alternation(list(frame['openers']))})"
        rf"(?P<neg>\s+(?:{negation().alternation(absence=True)}))?"
        rf"(?:\s+(?:{_alternation(list(frame['softeners']))}))*"
        rf"\s+(?P<cue>{_alternation(cues)})\b",
        re.IGNORECASE,
    )


@cache
def load_lexicon() -> Lexicon:
    """Read ``data/lexicon.toml`` once per process."""
    data = read_toml("lexicon.toml")
    try:
        topics = tuple(
            Topic(
                id=tid,
                label=str(t["label"]),
                pattern=_words(list(t["words"])),
                firsts=frozenset(_WORD.findall(str(w).lower())[0] for w in t["words"]),
            )
            for tid, t in data["topics"].items()
        )
        person_topic: dict[str, str] = {}
        nouns: list[str] = []
        persons: set[str] = set()
        for tid, group in data["people"].items():
            persons.update(group["persons"])
            for noun in [*group["persons"], *group["things"]]:
                nouns.append(noun)
                person_topic[noun] = tid
        owners = _alternation(list(data["owners"]))
        people = re.compile(
            rf"\b(?P<owner>{owners})\s+(?:(?P<adj>{_alternation(list(data['person_adjectives']))})"
            rf"\s+)?(?P<noun>{_alternation(nouns)})\b",
            re.IGNORECASE,
        )
        cue_feeling = {
            " ".join(c.lower().split()): f for f, cs in data["feelings"].items() for c in cs
        }
        named = {
            " ".join(c.lower().split()): word
            for word, cues in data["self_named"].items()
            for c in cues
        }
        verbs = {
            v.lower(): word for word, vs in data["self_named_verbs"].items() for v in vs
        }
        named_frame = data["self_named_frame"]
        return Lexicon(
            topics=topics,
            people=people,
            person_topic=person_topic,
            persons=frozenset(persons),
            feelings=tuple(data["feelings"]),
            feeling_cues=_words(list(cue_feeling)),
            cue_feeling=cue_feeling,
            advice=re.compile("|".join(data["advice"]), re.IGNORECASE),
            no_advice=re.compile("|".join(data["no_advice"]), re.IGNORECASE),
            apology=re.compile(str(data["apology"]), re.IGNORECASE),
            others_alone=re.compile(str(data["others_alone"]), re.IGNORECASE),
            question_start=frozenset(data["question_start"]),
            question_subjects=frozenset(data["question_subjects"]),
            fillers=re.compile(
                rf"^(?:(?:{_alternation(list(data['fillers']))})\b[\s,]*)+", re.IGNORECASE
            ),
            low_content=frozenset(data["low_content"]),
            lower_first=frozenset(data["lower_first"]),
            no_echo=_words(list(data["no_echo"])),
            remarks=_words(list(data["remarks"])),
            leading_remark=re.compile(
                rf"^\W*(?:(?:yes|yeah|yep|well|oh|ok|okay)[\s,.!]+)?"
                rf"(?:{_alternation(list(data['remarks']))})\b[\s,.!:;-]*(?:that\b\s*)?",
                re.IGNORECASE,
            ),
            fragment_starts=frozenset(data["fragment_starts"]),
            needs_cue=frozenset(data["needs_cue"]),
            question_openers=frozenset(data["question_openers"]),
            list_joiner=str(data["list_joiner"]),
            contractions=dict(data["contractions"]),
            contraction=re.compile(
                rf"\b(?:{_alternation(list(data['contractions']))})\b", re.IGNORECASE
            ),
            courtesy_tail=re.compile(
                rf"[\s,.;:!-]+(?:{_alternation(list(data['courtesy_tail']))})(?-i:\s+[A-Z]\w*)?\W*$",
                re.IGNORECASE,
            ),
            small_talk=re.compile(
                rf"\W*(?:(?:{_alternation(list(data['small_talk_leads']))})\W+)*"
                rf"(?:(?:{_alternation(list(data['small_talk']))})\W*)+",
                re.IGNORECASE,
            ),
            farewell=re.compile(
                rf"\W*(?:(?:ok|okay|well|thanks|thank you|thank you so much|yes|you too|and)\W+)*"
                rf"(?:(?:{_alternation(list(data['farewells']))})\W*)+"
                rf"(?:(?:thanks|thank you)(?: again| so much| for everything)?\W*)*",
                re.IGNORECASE,
            ),
            light=re.compile(
                rf"(?:^|\s)(?:{_alternation(list(data['light']))})(?=$|[\s.,!?])", re.IGNORECASE
            ),
            trailing=re.compile(
                rf"(?:[\s,]+(?:{_alternation(list(data['trailing']))}))+$", re.IGNORECASE
            ),
            hedge=re.compile(rf"^(?:{_alternation(list(data['hedges']))})\s+", re.IGNORECASE),
            self_named=_self_named(data),
            verb_named=re.compile(
                rf"\b(?P<cue>{_alternation(list(verbs))})\s+me\b",
                re.IGNORECASE,
            ),
            verb_feeling=verbs,
            eased=re.compile(
                rf"\b(?:{_alternation(list(data['self_named_frame']['eased']))})\s+"
                rf"(?P<cue>{_alternation([*named, *cue_feeling])})\b",
                re.IGNORECASE,
            ),
            left_behind=re.compile(
                rf"\b(?:{_alternation([*named_frame['left_behind'], *named_frame['eased']])})\s+$",
                re.IGNORECASE,
            ),
            gone=re.compile(
                rf"[^.!?;]*?\b(?:{_alternation(list(data['self_named_frame']['gone']))})\b",
                re.IGNORECASE,
            ),
            named_feeling=named,
            judgements=frozenset(data["self_named_frame"]["judgements"]),
            losses=tuple(
                Loss(str(x["kind"]), re.compile(str(x["pattern"]), re.IGNORECASE), x.get("lost"))
                for x in data["loss"]
            ),
            no_goodbye=re.compile(str(data["no_goodbye"]), re.IGNORECASE),
            worried_hope=re.compile(str(data["worried_hope"]), re.IGNORECASE),
            asked_about=re.compile(str(data["asked_about"]), re.IGNORECASE),
            courtesy=re.compile(
                rf"\b(?:{'|'.join(str(x) for x in data['courtesy'])})", re.IGNORECASE
            ),
            loss_hedge=re.compile(str(data["loss_hedge"]), re.IGNORECASE),
            dropped_subject=re.compile(
                rf"^(?:{_alternation(list(data['dropped_subject']))})\b", re.IGNORECASE
            ),
            dropped_have=re.compile(
                rf"^(?:{_alternation(list(data['dropped_have']))})\b", re.IGNORECASE
            ),
        )
    except (KeyError, TypeError, re.error) as ex:
        raise DataFileError(
            f"data/lexicon.toml: missing or malformed entry {ex}; fix the file and try again."
        ) from None
