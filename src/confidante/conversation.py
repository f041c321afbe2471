"""Plain data shared by every layer: messages, turns, moves, risk and the state of one session.

Nothing here does I/O. Every other package imports from this module and never the other way
round, so ``safety`` and ``vault`` can use these types without depending on voices or the server.

The state of a session holds what the person said. It lives in process memory; when it must leave
the process (a server replica handing over to another) it is sealed first, see ``vault.sessionbox``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, split after ., ? or ! followed by a space."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


_APOSTROPHES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"}
    | {"\u201c": '"', "\u201d": '"'}
)


def normalise_apostrophes(text: str) -> str:
    """Curly and stray apostrophes and quotes folded to ASCII: one folding for every layer."""
    return text.translate(_APOSTROPHES)


def normalise_sentence(sentence: str) -> str:
    """How a sentence is remembered so it is never said twice: lower case, single spaces,
    no end punctuation. Every layer that fills or reads ``used_sentences`` uses this one."""
    return " ".join(sentence.lower().split()).rstrip(" .?!,;:\u2026")


class Role(StrEnum):
    """Who said a message."""

    PERSON = "person"
    LISTENER = "listener"


class Move(StrEnum):
    """What a listener reply does; the policy picks one, a voice phrases it."""

    OPEN = "open"
    ENCOURAGE = "encourage"
    REFLECT_FEELING = "reflect_feeling"
    REFLECT_CONTENT = "reflect_content"
    VALIDATE = "validate"
    OPEN_QUESTION = "open_question"
    SUMMARIZE = "summarize"
    HELPFUL_COMMENT = "helpful_comment"
    TIME_CUE = "time_cue"
    CLOSE = "close"
    BOUNDARY = "boundary"
    CRISIS = "crisis"
    DISCLOSURE = "disclosure"

    @property
    def is_reflection(self) -> bool:
        """True for the two reflection moves."""
        return self in (Move.REFLECT_FEELING, Move.REFLECT_CONTENT)

    @property
    def is_question(self) -> bool:
        """True for the open question move."""
        return self is Move.OPEN_QUESTION


class RiskLevel(StrEnum):
    """How urgent a safety concern is, in increasing order."""

    NONE = "none"
    LOW = "low"
    ELEVATED = "elevated"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        """Order of the level: none 0 < low 1 < elevated 2 < imminent 3."""
        return _RISK_RANK[self]

    def at_least(self, other: RiskLevel) -> bool:
        """True when this level is as urgent as ``other`` or more."""
        return self.rank >= other.rank


_RISK_RANK = {RiskLevel.NONE: 0, RiskLevel.LOW: 1, RiskLevel.ELEVATED: 2, RiskLevel.IMMINENT: 3}


class RiskKind(StrEnum):
    """What a safety concern is about."""

    NONE = "none"
    SUICIDE_SELF_HARM = "suicide_self_harm"
    HARMED_BY_OTHERS = "harmed_by_others"
    HARMING_OTHERS = "harming_others"
    MEDICAL_EMERGENCY = "medical_emergency"
    EATING_DISORDER = "eating_disorder"  # restriction, purging, dangerous weight loss
    THIRD_PARTY = "third_party"  # someone else is at risk: support the helper


class Phase(StrEnum):
    """Where a session stands in its hour."""

    OPENING = "opening"  # disclosure, relief check, invitation
    LISTENING = "listening"  # the long middle
    CLOSING = "closing"  # summary, relief check again, goodbye
    CLOSED = "closed"  # nothing more is said; the state is dropped


@dataclass(frozen=True)
class Message:
    """One thing said in a session, with the session clock's time in seconds."""

    role: Role
    text: str = field(repr=False)  # never in a repr, so never in a log line or crash report
    at: float = 0.0


@dataclass(frozen=True)
class Understanding:
    """What the listener took from one message: never stored outside the session."""

    feelings: tuple[str, ...] = ()  # listener feeling words ("lonely", "hurt"), strongest first
    topics: tuple[str, ...] = ()  # topic ids ("partner", "work", "grief")
    people: tuple[str, ...] = field(default=(), repr=False)  # reflected mentions ("your wife")
    clause: str | None = field(default=None, repr=False)  # key content, pronouns turned
    asks_advice: bool = False  # "what should I do?"
    is_question: bool = False
    words: int = 0
    small_talk: bool = False  # only "hi" or "how are you?"
    farewell: bool = False  # only "bye" or "have a nice day"
    corrected: tuple[str, ...] = ()  # listener readings the person put right ("sad", "hurt")
    asks: str | None = None  # a question put to the listener, by kind ("fault", "judge"...)
    self_contempt: bool = False  # a self-insult ("just a boring old man"), never said back
    thanks: bool = False  # thanks or good wishes to the listener ("thanks for listening")
    implied: bool = False  # the feeling is read from what happened, not named by the person
    declines_advice: bool = False  # "I don't want advice, I just want someone to get it"
    named: tuple[str, ...] = ()  # feelings of ``feelings`` in the person's own words
    apology: bool = False  # only sorry for taking the time ("sorry, I'm rambling")


@dataclass(frozen=True)
class Assessment:
    """A safety assessment of one message in the context of its session."""

    level: RiskLevel = RiskLevel.NONE
    kind: RiskKind = RiskKind.NONE
    reasons: tuple[str, ...] = ()  # rule ids and model names only, never text

    @property
    def is_crisis(self) -> bool:
        """True when the protocol must take over the reply (elevated or imminent)."""
        return self.level.at_least(RiskLevel.ELEVATED)


@dataclass(frozen=True)
class Turn:
    """One exchange: what the person said, what the listener replied, and why."""

    said: Message
    reply: Message
    move: Move
    assessment: Assessment
    understanding: Understanding
    reasons: tuple[str, ...] = ()  # rule ids of the policy, never text


@dataclass(frozen=True)
class Reply:
    """What the listener says back, with the move and risk behind it (no user text)."""

    text: str = field(repr=False)  # reflections quote the person, so keep it out of reprs
    move: Move = Move.ENCOURAGE
    risk: RiskLevel = RiskLevel.NONE
    kind: RiskKind = RiskKind.NONE
    reasons: tuple[str, ...] = ()
    cue: bool = False  # a time cue was added to this reply
    referral: bool = False  # this reply opened a crisis episode: one referral to human help


@dataclass
class CrisisEpisode:
    """The crisis a session is in: it lasts until the person is safe and a few calm turns pass.

    ``steps`` are the protocol steps already taken ("ask_direct", "ask_means" ...), so the next
    reply moves the conversation on instead of asking the same thing again.
    """

    kind: RiskKind
    level: RiskLevel
    steps: list[str] = field(default_factory=list)
    means: bool = False  # the person has spoken of means (pills, a rope, a weapon)
    safe_said: bool = False  # they said they are safe and were asked once to be sure
    safe_confirmed: bool = False  # they confirmed it: listening again, still watchful
    calm_turns: int = 0  # turns since they confirmed, with no new sign of danger
    turns: int = 0  # crisis turns in this episode
    guessed: bool = False  # opened by a model's reading alone, with no reviewed phrase
    reviewed: bool = False  # a reviewed phrase, or the person's "yes", has borne it out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (no message text is held here)."""
        return {
            "kind": self.kind.value, "level": self.level.value, "steps": list(self.steps),
            "means": self.means, "safe_said": self.safe_said,
            "safe_confirmed": self.safe_confirmed, "calm_turns": self.calm_turns,
            "turns": self.turns, "guessed": self.guessed, "reviewed": self.reviewed,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CrisisEpisode:
        """Rebuild an episode from ``to_dict`` output."""
        return cls(
            kind=RiskKind(d["kind"]), level=RiskLevel(d["level"]),
            steps=[str(s) for s in d["steps"]], means=bool(d["means"]),
            safe_said=bool(d["safe_said"]), safe_confirmed=bool(d["safe_confirmed"]),
            calm_turns=int(d["calm_turns"]), turns=int(d["turns"]),
            guessed=bool(d.get("guessed", False)),
            reviewed=bool(d.get("reviewed", False)),
        )  # fmt: skip


@dataclass
class SessionState:
    """Everything one session remembers, in memory only, until it ends."""

    minutes: int
    locale: str
    started_at: float
    phase: Phase = Phase.OPENING
    turns: list[Turn] = field(default_factory=list)
    # Normalised sentences said, to never repeat one; they echo the person, so not in reprs.
    used_sentences: set[str] = field(default_factory=set, repr=False)
    cues_given: list[int] = field(default_factory=list)  # minutes-left cues already said
    relief_before: int | None = None
    relief_after: int | None = None
    highest_risk: RiskLevel = RiskLevel.NONE
    crisis_kinds: list[RiskKind] = field(default_factory=list)
    continuity: str | None = field(default=None, repr=False)  # a regular's note from last time
    last_disclosure_at: float | None = None
    crisis: CrisisEpisode | None = None  # the crisis the session is in now, if any

    @property
    def in_crisis(self) -> bool:
        """True while a crisis episode is open: the protocol answers and the clock never closes."""
        return self.crisis is not None

    @property
    def had_crisis(self) -> bool:
        """True once any message in this session reached elevated risk (resources at the close)."""
        return self.highest_risk.at_least(RiskLevel.ELEVATED)

    @property
    def moves(self) -> list[Move]:
        """The listener's moves so far, in order."""
        return [t.move for t in self.turns]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy, for sealing under the session key; never store it unsealed."""
        return {
            "minutes": self.minutes,
            "locale": self.locale,
            "started_at": self.started_at,
            "phase": self.phase.value,
            "turns": [_turn_to_dict(t) for t in self.turns],
            "used_sentences": sorted(self.used_sentences),
            "cues_given": list(self.cues_given),
            "relief_before": self.relief_before,
            "relief_after": self.relief_after,
            "highest_risk": self.highest_risk.value,
            "crisis_kinds": [k.value for k in self.crisis_kinds],
            "continuity": self.continuity,
            "last_disclosure_at": self.last_disclosure_at,
            "crisis": None if self.crisis is None else self.crisis.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionState:
        """Rebuild a state from ``to_dict`` output."""
        return cls(
            minutes=int(data["minutes"]),
            locale=str(data["locale"]),
            started_at=float(data["started_at"]),
            phase=Phase(data["phase"]),
            turns=[_turn_from_dict(t) for t in data["turns"]],
            used_sentences=set(data["used_sentences"]),
            cues_given=[int(c) for c in data["cues_given"]],
            relief_before=data["relief_before"],
            relief_after=data["relief_after"],
            highest_risk=RiskLevel(data["highest_risk"]),
            crisis_kinds=[RiskKind(k) for k in data["crisis_kinds"]],
            continuity=data["continuity"],
            last_disclosure_at=data["last_disclosure_at"],
            crisis=CrisisEpisode.from_dict(data["crisis"]) if data.get("crisis") else None,
        )


def _message_to_dict(m: Message) -> dict[str, Any]:
    return {"role": m.role.value, "text": m.text, "at": m.at}


def _message_from_dict(d: dict[str, Any]) -> Message:
    return Message(role=Role(d["role"]), text=str(d["text"]), at=float(d["at"]))


def _turn_to_dict(t: Turn) -> dict[str, Any]:
    u = t.understanding
    return {
        "said": _message_to_dict(t.said),
        "reply": _message_to_dict(t.reply),
        "move": t.move.value,
        "assessment": {
            "level": t.assessment.level.value,
            "kind": t.assessment.kind.value,
            "reasons": list(t.assessment.reasons),
        },
        "understanding": {
            "feelings": list(u.feelings),
            "topics": list(u.topics),
            "people": list(u.people),
            "clause": u.clause,
            "asks_advice": u.asks_advice,
            "is_question": u.is_question,
            "words": u.words,
            "small_talk": u.small_talk,
            "farewell": u.farewell,
            "corrected": list(u.corrected),
            "asks": u.asks,
            "self_contempt": u.self_contempt,
            "thanks": u.thanks,
            "implied": u.implied,
            "declines_advice": u.declines_advice,
            "named": list(u.named),
            "apology": u.apology,
        },
        "reasons": list(t.reasons),
    }


def _turn_from_dict(d: dict[str, Any]) -> Turn:
    a = d["assessment"]
    u = d["understanding"]
    return Turn(
        said=_message_from_dict(d["said"]),
        reply=_message_from_dict(d["reply"]),
        move=Move(d["move"]),
        assessment=Assessment(RiskLevel(a["level"]), RiskKind(a["kind"]), tuple(a["reasons"])),
        understanding=Understanding(
            feelings=tuple(u["feelings"]),
            topics=tuple(u["topics"]),
            people=tuple(u["people"]),
            clause=u["clause"],
            asks_advice=bool(u["asks_advice"]),
            is_question=bool(u["is_question"]),
            words=int(u["words"]),
            small_talk=bool(u.get("small_talk", False)),  # absent from states sealed before it
            farewell=bool(u.get("farewell", False)),
            corrected=tuple(u.get("corrected", ())),
            asks=u.get("asks"),
            self_contempt=bool(u.get("self_contempt", False)),
            thanks=bool(u.get("thanks", False)),
            implied=bool(u.get("implied", False)),
            declines_advice=bool(u.get("declines_advice", False)),
            named=tuple(u.get("named", ())),
            apology=bool(u.get("apology", False)),
        ),
        reasons=tuple(d["reasons"]),
    )
