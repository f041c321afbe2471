"""Escalation: how one message's lexicon hits, the rest of it and the session raise its level.

Each of these makes a message ``imminent``: means with a time or after ideation, intent with a
time or means, a farewell after ideation, a threat with a time or a weapon, chest pain with
breathlessness. "Yes" to the protocol's direct question is the answer that matters most; after a
crisis nothing new is "none", and in an open episode every message is a crisis turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from confidante.conversation import Assessment, Move, RiskKind, RiskLevel, SessionState
from confidante.safety.lexicon import Hit, Scan
from confidante.safety.protocol import CRISIS_KINDS

# Which kind leads when two concerns have the same level: a body in danger first.
KIND_ORDER = {
    RiskKind.MEDICAL_EMERGENCY: 6,
    RiskKind.SUICIDE_SELF_HARM: 5,
    RiskKind.EATING_DISORDER: 4,
    RiskKind.HARMED_BY_OTHERS: 3,
    RiskKind.HARMING_OTHERS: 2,
    RiskKind.THIRD_PARTY: 1,
    RiskKind.NONE: 0,
}


@dataclass(frozen=True)
class Context:
    prior_ideation: bool  # an earlier message in this session was suicidal, elevated or above
    asked: RiskKind | None  # the last reply was the crisis protocol, about this kind
    crisis_kind: RiskKind | None  # the latest crisis kind of the session, if any
    episode: RiskKind | None = None  # the kind of the crisis episode still open, if any
    worried: RiskKind | None = None  # the previous message was read as low risk of this kind
    signed: RiskKind | None = None  # ... and a reviewed phrase was among what read it so
    bereaved: bool = False  # the person has told of a death in this session (read on demand)


@dataclass(frozen=True)
class Finding:
    level: RiskLevel
    kind: RiskKind
    reasons: tuple[str, ...]

    @property
    def order(self) -> tuple[int, int]:
        return (self.level.rank, KIND_ORDER[self.kind])


@dataclass(frozen=True)
class Combo:
    means: bool  # the person's own live means ("I have the pills")
    despair: bool  # the person's own live despair ("what's the point", "I can't do this anymore")
    past_risk: bool  # a past attempt or past ideation of their own
    soon: bool = False  # a near time is named ("this weekend", "on friday", "tomorrow night")


def despair(hit: Hit) -> bool:
    """True for the person's own live despair ("what's the point") that is not about means."""
    tags = hit.rule.tags
    return (
        not hit.past and hit.rule.kind is RiskKind.SUICIDE_SELF_HARM
        and "ambiguous" in tags and "means" not in tags and not hit.rule.id.startswith("attempt.")
    )  # fmt: skip


def escalate(
    hit: Hit,
    scan: Scan,
    ideation: bool,
    weapon: bool,
    chest_and_breath: bool,
    ctx: Context,
    combo: Combo,
) -> tuple[RiskLevel, str]:
    """The level of one hit once the rest of the message and the session are considered."""
    tags = hit.rule.tags
    level = hit.rule.level
    means = combo.means
    own = not hit.third_party and not hit.past
    if level is RiskLevel.IMMINENT:
        return level, ""
    if "means" in tags and (scan.time or ideation):
        return RiskLevel.IMMINENT, "means+time" if scan.time else "means+ideation"
    if "intent" in tags and level is RiskLevel.ELEVATED and (scan.time or combo.soon or means):
        return RiskLevel.IMMINENT, "intent+means" if means else "intent+time"
    if "active" in tags and scan.time:
        return RiskLevel.IMMINENT, "ideation+time"
    if own and "ideation" in tags and level is RiskLevel.ELEVATED and combo.soon:
        # A decided day is a plan: "thinking of ending it this weekend. got it all worked out"
        return RiskLevel.IMMINENT, "ideation+soon"
    if "farewell" in tags and (ctx.prior_ideation or means or scan.time):
        return RiskLevel.IMMINENT, "farewell"
    if "threat" in tags and (scan.time or weapon):
        return RiskLevel.IMMINENT, "threat+time" if scan.time else "threat+weapon"
    if hit.rule.kind is RiskKind.HARMING_OTHERS and (weapon or scan.time):
        return RiskLevel.IMMINENT, "harm+weapon" if weapon else "harm+time"
    if ("chest" in tags or "breath" in tags) and chest_and_breath:
        return RiskLevel.IMMINENT, "chest+breath"
    if own and "reunion" in tags and ctx.bereaved:
        # "I should just go be with him" after "my grandpa died on tuesday"
        return RiskLevel.ELEVATED, "reunion+bereaved"
    if own and level is RiskLevel.LOW and ctx.signed is hit.rule.kind and (
        "farewell" in tags or "intent" in tags or "means" in tags
    ):
        # A second quiet sign after another: "updated my will" then "rehomed my cat".
        return RiskLevel.ELEVATED, "sign+sign"
    if own and "means" in tags and combo.despair:
        # Means with despair, even without a word of dying: "I have the pills. What's the point."
        return RiskLevel.ELEVATED, "means+despair"
    if own and despair(hit) and (means or combo.past_risk):
        return RiskLevel.ELEVATED, "despair+means" if means else "past+present"
    if "ambiguous" in tags and ideation:
        # "I'm going to do it" means something else once the person has spoken of dying.
        if "intent" in tags:
            return RiskLevel.IMMINENT, "intent+ideation"
        return RiskLevel.ELEVATED, "ideation"
    return level, ""


def context_of(state: SessionState | None) -> Context:
    """What the guard needs to know of the session so far (no text)."""
    if state is None:
        return Context(prior_ideation=False, asked=None, crisis_kind=None)
    prior = state.highest_risk.at_least(RiskLevel.ELEVATED) and (
        RiskKind.SUICIDE_SELF_HARM in state.crisis_kinds
    )
    prior = prior or any(
        t.assessment.kind is RiskKind.SUICIDE_SELF_HARM and t.assessment.is_crisis
        for t in state.turns
    )
    asked = None
    if state.turns and state.turns[-1].move is Move.CRISIS:
        last = state.turns[-1].assessment
        asked = last.kind if last.kind in CRISIS_KINDS else RiskKind.SUICIDE_SELF_HARM
    kinds = [k for k in state.crisis_kinds if k in CRISIS_KINDS]
    kinds += [t.assessment.kind for t in state.turns if t.assessment.is_crisis]
    worried = signed = None
    if state.turns:
        last_a = state.turns[-1].assessment
        own = any(not r.startswith("context:") for r in last_a.reasons)
        if own and last_a.level is RiskLevel.LOW and last_a.kind in CRISIS_KINDS:
            worried = last_a.kind
            if any(r.startswith("lexicon:") for r in last_a.reasons):
                signed = last_a.kind
    ep = state.crisis
    open_kind = ep.kind if ep is not None and not ep.safe_confirmed else None
    return Context(prior_ideation=prior, asked=asked, crisis_kind=kinds[-1] if kinds else None,
                    episode=open_kind, worried=worried, signed=signed)


def context_findings(scan: Scan, ctx: Context, findings: list[Finding]) -> list[Finding]:
    """Findings that come from the session, not from the message's own words."""
    out: list[Finding] = []
    if (
        ctx.asked is not None and scan.affirmative and not scan.closing
        and not any(f.level.rank >= 2 for f in findings)
    ):  # fmt: skip
        # "Yes" to "are you thinking about ending your life?" is the answer that matters most.
        level = RiskLevel.IMMINENT if scan.time else RiskLevel.ELEVATED
        out.append(Finding(level, ctx.asked, ("context:affirmed",)))
    elif ctx.worried is not None and scan.time and scan.words <= 8 and not scan.closing:
        # A bare time after a worrying message is the answer to "when": "I've been saving
        # my tablets" -> "tonight".
        out.append(Finding(RiskLevel.IMMINENT, ctx.worried, ("context:time_after_risk",)))
    elif ctx.episode is not None and not any(f.level.rank >= 2 for f in findings):
        # In an open crisis every message is a crisis turn: "ok", "I'm not calling anyone".
        out.append(Finding(RiskLevel.ELEVATED, ctx.episode, ("context:in_crisis",)))
    elif ctx.crisis_kind is not None and not any(f.level.rank >= 1 for f in findings):
        # After a crisis the session stays watchful: nothing new is "none" for the rest of it.
        out.append(Finding(RiskLevel.LOW, ctx.crisis_kind, ("context:after_crisis",)))
    return out


#: Reasons that mark a crisis found for certain: a reviewed phrase, or a very sure reader.
_SURE = ("lexicon:", "foreign:", "escalate:")


def is_sure(assessment: Assessment) -> bool:
    """A reviewed phrase found a crisis here, or the reader was very sure of one."""
    if any(r.startswith(_SURE) for r in assessment.reasons):
        return assessment.is_crisis
    return "reader:sure" in assessment.reasons


def sure_kinds(state: SessionState) -> tuple[RiskKind, ...]:
    """The kinds of danger found for certain this session, in order: their lines are given
    again at the close. A model's passing guess ("my partner says I've changed" read as abuse,
    then let go) puts no abuse line in the goodbye."""
    turns = state.turns
    sure = [t.assessment for t in turns if t.assessment.is_crisis and is_sure(t.assessment)]
    return tuple(dict.fromkeys(a.kind for a in sure))
