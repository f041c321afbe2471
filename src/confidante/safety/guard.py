"""SafetyGuard: risk assessment of each message in its session, and the protocol's replies.

``assess`` combines three things:

1. the reviewed lexicon (``lexicon.py``): rules with negation, subject and tense judged;
2. escalation: means, intent, a time ("tonight") or an earlier statement of ideation in the
   session turn a match into ``imminent`` ("I have the pills" after "I want to die");
3. the trained model (``model.py``), a second reader for phrasing the lexicon misses.

Reasons name rules, context checks and the model, never the text. The guard holds no per-session
state: everything it needs about the session comes in ``state``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from confidante.conversation import Assessment, Move, RiskKind, RiskLevel, SessionState
from confidante.safety.crisis import CrisisScript, CrisisTalk, CrisisTurn, Heard
from confidante.safety.lexicon import Hit, Lexicon, Scan, either
from confidante.safety.model import RiskModel
from confidante.safety.protocol import CRISIS_KINDS, Texts, pick, renderer

# Which kind leads when two concerns have the same level: a body in danger first.
_KIND_ORDER = {
    RiskKind.MEDICAL_EMERGENCY: 6,
    RiskKind.SUICIDE_SELF_HARM: 5,
    RiskKind.EATING_DISORDER: 4,
    RiskKind.HARMED_BY_OTHERS: 3,
    RiskKind.HARMING_OTHERS: 2,
    RiskKind.THIRD_PARTY: 1,
    RiskKind.NONE: 0,
}
# The model was trained mostly on posts; on a message of a few words its probability says little
# ("I hate my life" scores like a post in r/SuicideWatch), so alone it may only say "low" there.
# The lexicon, which reads short messages well, still decides them.
MODEL_MIN_WORDS = 20
BOUNDARY_IDS = (
    "diagnosis", "medication", "legal", "sexual", "romance",
    "friendship", "other_users", "rules", "ai_question",
)  # fmt: skip


@dataclass(frozen=True)
class _Context:
    prior_ideation: bool  # an earlier message in this session was suicidal, elevated or above
    asked: RiskKind | None  # the last reply was the crisis protocol, about this kind
    crisis_kind: RiskKind | None  # the latest crisis kind of the session, if any
    episode: RiskKind | None = None  # the kind of the crisis episode still open, if any


@dataclass(frozen=True)
class _Finding:
    level: RiskLevel
    kind: RiskKind
    reasons: tuple[str, ...]

    @property
    def order(self) -> tuple[int, int]:
        return (self.level.rank, _KIND_ORDER[self.kind])


class SafetyGuard:
    """Assesses risk and supplies the reviewed crisis, boundary and disclosure texts."""

    def __init__(
        self,
        lexicon: Lexicon,
        model: RiskModel | None,
        texts: Texts,
        script: CrisisScript | None = None,
    ) -> None:
        """Build a guard from loaded parts; most code wants :meth:`load`."""
        self.lexicon = lexicon
        self.model = model
        self.texts = texts
        self.script = script or CrisisScript.load()
        # Almost no message asks for what the listener does not do: one search says so.
        self._any_boundary = either(
            (p for bid in texts.boundary_order for p in texts.boundary_patterns[bid]),
            "data/boundaries.toml",
        )

    @classmethod
    def load(cls) -> SafetyGuard:
        """The guard with the packaged lexicon, model and texts; cached, cheap to call again."""
        return _load_guard()

    # ------------------------------------------------------------------ assessment
    def assess(self, text: str, state: SessionState | None = None) -> Assessment:
        """Assess one message, in the context of the session so far when ``state`` is given."""
        scan = self.lexicon.scan(text)
        ctx = _context(state)
        findings = self._lexicon_findings(scan, ctx)
        findings.extend(self._model_findings(scan, findings))
        findings.extend(_context_findings(scan, ctx, findings))
        if not findings:
            trace = tuple(f"negated:{r}" for r in scan.negated)
            return Assessment(reasons=trace + tuple(f"idiom:{i}" for i in scan.idioms))
        findings.sort(key=lambda f: f.order, reverse=True)
        top = findings[0]
        reasons: list[str] = []
        for f in findings:
            reasons.extend(r for r in f.reasons if r not in reasons)
        return Assessment(level=top.level, kind=top.kind, reasons=tuple(reasons))

    def _lexicon_findings(self, scan: Scan, ctx: _Context) -> list[_Finding]:
        live = [h for h in scan.hits if not h.past]
        own = [h for h in live if not h.third_party]
        ideation_now = any("ideation" in h.rule.tags and h.rule.level.rank >= 2 for h in own)
        means_now = any("means" in h.rule.tags for h in own)
        weapon_now = any("weapon" in h.rule.tags for h in live)
        chest = any("chest" in h.rule.tags for h in live)
        breath = any("breath" in h.rule.tags for h in live)
        # A short, positive closing ("Thanks. It helped to say it.") is not read in the light of
        # earlier ideation: "I'm ready for bed" there is just that. Its own words still count.
        calm_close = scan.closing and not any(h.rule.level.rank >= 2 for h in own)
        ideation = ideation_now or (ctx.prior_ideation and not calm_close)
        despair_now = any(_despair(h) for h in own)
        # A past attempt or past ideation with despair now: "I tried last year. I feel hopeless."
        past_risk = any(
            not h.third_party and h.rule.kind is RiskKind.SUICIDE_SELF_HARM
            and (h.rule.id.startswith("attempt.") or (h.past and "ideation" in h.rule.tags))
            for h in scan.hits
        )  # fmt: skip
        combo = _Combo(means_now, despair_now, past_risk)
        out: list[_Finding] = []
        for hit in scan.hits:
            both = chest and breath
            level, why = _escalate(hit, scan, ideation, weapon_now, both, ctx, combo)
            kind = RiskKind.THIRD_PARTY if hit.third_party else hit.rule.kind
            reasons = [f"lexicon:{hit.rule.id}"]
            if why:
                reasons.append(f"escalate:{why}")
            if hit.third_party:
                reasons.append("subject:third_party")
            if hit.past and level.rank > RiskLevel.LOW.rank:
                level = RiskLevel.LOW
                reasons.append("tense:past")
            out.append(_Finding(level, kind, tuple(reasons)))
        return out

    def _model_findings(self, scan: Scan, lexical: list[_Finding]) -> list[_Finding]:
        if self.model is None or scan.words == 0:
            return []
        p = self.model.probability(scan.prepared)
        name = f"model:{self.model.name}"
        if p < self.model.low:
            return []
        if scan.closing:
            return []  # a positive closing is not a risk signal, however it scores
        third = bool(lexical) and all(f.kind is RiskKind.THIRD_PARTY for f in lexical)
        kind = RiskKind.THIRD_PARTY if third else RiskKind.SUICIDE_SELF_HARM
        # A negation, an idiom or the past, as the lexicon read them, outrank the model's guess.
        if scan.negated or scan.idioms or any(h.past for h in scan.hits):
            return [_Finding(RiskLevel.LOW, kind, (name,))] if p >= self.model.elevated else []
        if scan.words < MODEL_MIN_WORDS:
            return [_Finding(RiskLevel.LOW, kind, (name,))]
        if p >= self.model.elevated:
            return [_Finding(RiskLevel.ELEVATED, kind, (name,))]
        # Means alone stay low ("I have the pills" may be for a headache); context escalates them.
        ambiguous = [
            h for h in scan.hits if "ambiguous" in h.rule.tags and "means" not in h.rule.tags
        ]
        if p >= self.model.support and ambiguous:
            return [_Finding(RiskLevel.ELEVATED, kind, (name, "escalate:model_support"))]
        return [_Finding(RiskLevel.LOW, kind, (name,))]

    # ------------------------------------------------------------------ the crisis episode
    def crisis_turn(
        self, text: str, assessment: Assessment, state: SessionState, rng: random.Random
    ) -> CrisisTurn:
        """The protocol's reply this turn, if any, and the session's crisis episode after it.

        Opens an episode on a crisis message; while one is open, every message is answered by
        the protocol until the person is safe (see ``crisis.py``).
        """
        if state.crisis is None and not assessment.is_crisis:
            return CrisisTurn(None, None)
        scan = self.lexicon.scan(text)
        own = [h for h in scan.hits if not h.past]
        heard = Heard(
            spelled=self.lexicon.spell(text),
            fresh=any(not r.startswith("context:") for r in assessment.reasons)
            and assessment.is_crisis,
            means=any("means" in h.rule.tags or "weapon" in h.rule.tags for h in own),
            time=scan.time,
        )
        kind = state.crisis.kind if state.crisis is not None else assessment.kind
        render = renderer(state.locale, self.texts, kind if kind in CRISIS_KINDS else None)
        talk = CrisisTalk(
            self.script,
            lambda a, r, used: self.crisis_reply(a, state.locale, r, used),
            render,
        )
        return talk.turn(heard, assessment, state.crisis, rng, state.used_sentences)

    # ------------------------------------------------------------------ boundaries
    def boundary(self, text: str) -> str | None:
        """The id of a request outside the listener's job, or None.

        Check :meth:`assess` first: a crisis always outranks a boundary.
        """
        spelled = self.lexicon.spell(text)
        if not self._any_boundary.search(spelled):
            return None
        for bid in self.texts.boundary_order:
            if any(p.search(spelled) for p in self.texts.boundary_patterns[bid]):
                return bid
        return None

    # ------------------------------------------------------------------ replies
    def crisis_reply(
        self, assessment: Assessment, locale: str, rng: random.Random, used: set[str]
    ) -> str:
        """The protocol's reply for a crisis; always returns text, even for a low assessment."""
        level = assessment.level if assessment.is_crisis else RiskLevel.ELEVATED
        kind = assessment.kind if assessment.kind in CRISIS_KINDS else RiskKind.SUICIDE_SELF_HARM
        variants = self.texts.crisis[(level, kind)]
        return pick(variants, rng, used, renderer(locale, self.texts, kind))

    def boundary_reply(self, boundary_id: str, rng: random.Random, used: set[str]) -> str:
        """An honest, kind reply to a boundary; the AI question gets the "asked" disclosure."""
        if boundary_id == "ai_question":
            return pick(self.texts.disclosure["asked"], rng, used)
        if boundary_id not in self.texts.boundary_replies:
            raise ValueError(f"unknown boundary id {boundary_id!r}; use one of {BOUNDARY_IDS}")
        return pick(self.texts.boundary_replies[boundary_id], rng, used)

    def disclosure(self, which: str, rng: random.Random | None = None) -> str:
        """The "opening", "asked" or "reminder" disclosure; the first variant without ``rng``."""
        if which not in self.texts.disclosure:
            raise ValueError(f"unknown disclosure {which!r}; use opening, asked or reminder")
        variants = self.texts.disclosure[which]
        return " ".join(variants[0] if rng is None else rng.choice(variants))

    def closing_resources(self, locale: str) -> str:
        """Said at the close of a session that had a crisis: every line and the emergency number."""
        render = renderer(locale, self.texts)
        return " ".join(render(s) for s in self.texts.closing)


@dataclass(frozen=True)
class _Combo:
    means: bool  # the person's own live means ("I have the pills")
    despair: bool  # the person's own live despair ("what's the point", "I can't do this anymore")
    past_risk: bool  # a past attempt or past ideation of their own


def _despair(hit: Hit) -> bool:
    tags = hit.rule.tags
    return (
        not hit.past and hit.rule.kind is RiskKind.SUICIDE_SELF_HARM
        and "ambiguous" in tags and "means" not in tags and not hit.rule.id.startswith("attempt.")
    )  # fmt: skip


def _escalate(
    hit: Hit,
    scan: Scan,
    ideation: bool,
    weapon: bool,
    chest_and_breath: bool,
    ctx: _Context,
    combo: _Combo,
) -> tuple[RiskLevel, str]:
    """The level of one hit once the rest of the message and the session are considered."""
    tags = hit.rule.tags
    level = hit.rule.level
    means = combo.means
    if level is RiskLevel.IMMINENT:
        return level, ""
    if "means" in tags and (scan.time or ideation):
        return RiskLevel.IMMINENT, "means+time" if scan.time else "means+ideation"
    if "intent" in tags and level is RiskLevel.ELEVATED and (scan.time or means):
        return RiskLevel.IMMINENT, "intent+time" if scan.time else "intent+means"
    if "active" in tags and scan.time:
        return RiskLevel.IMMINENT, "ideation+time"
    if "farewell" in tags and (ctx.prior_ideation or means or scan.time):
        return RiskLevel.IMMINENT, "farewell"
    if "threat" in tags and (scan.time or weapon):
        return RiskLevel.IMMINENT, "threat+time" if scan.time else "threat+weapon"
    if hit.rule.kind is RiskKind.HARMING_OTHERS and (weapon or scan.time):
        return RiskLevel.IMMINENT, "harm+weapon" if weapon else "harm+time"
    if ("chest" in tags or "breath" in tags) and chest_and_breath:
        return RiskLevel.IMMINENT, "chest+breath"
    own = not hit.third_party and not hit.past
    if own and "means" in tags and combo.despair:
        # Means with despair, even without a word of dying: "I have the pills. What's the point."
        return RiskLevel.ELEVATED, "means+despair"
    if own and _despair(hit) and (means or combo.past_risk):
        return RiskLevel.ELEVATED, "despair+means" if means else "past+present"
    if "ambiguous" in tags and ideation:
        # "I'm going to do it" means something else once the person has spoken of dying.
        if "intent" in tags:
            return RiskLevel.IMMINENT, "intent+ideation"
        return RiskLevel.ELEVATED, "ideation"
    return level, ""


def _context(state: SessionState | None) -> _Context:
    if state is None:
        return _Context(prior_ideation=False, asked=None, crisis_kind=None)
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
    ep = state.crisis
    open_kind = ep.kind if ep is not None and not ep.safe_confirmed else None
    return _Context(prior_ideation=prior, asked=asked, crisis_kind=kinds[-1] if kinds else None,
                    episode=open_kind)


def _context_findings(scan: Scan, ctx: _Context, findings: list[_Finding]) -> list[_Finding]:
    out: list[_Finding] = []
    if (
        ctx.asked is not None and scan.affirmative and not scan.closing
        and not any(f.level.rank >= 2 for f in findings)
    ):  # fmt: skip
        # "Yes" to "are you thinking about ending your life?" is the answer that matters most.
        level = RiskLevel.IMMINENT if scan.time else RiskLevel.ELEVATED
        out.append(_Finding(level, ctx.asked, ("context:affirmed",)))
    elif ctx.episode is not None and not any(f.level.rank >= 2 for f in findings):
        # In an open crisis every message is a crisis turn: "ok", "I'm not calling anyone".
        out.append(_Finding(RiskLevel.ELEVATED, ctx.episode, ("context:in_crisis",)))
    elif ctx.crisis_kind is not None and not any(f.level.rank >= 1 for f in findings):
        # After a crisis the session stays watchful: nothing new is "none" for the rest of it.
        out.append(_Finding(RiskLevel.LOW, ctx.crisis_kind, ("context:after_crisis",)))
    return out


@cache
def _load_guard() -> SafetyGuard:
    return SafetyGuard(Lexicon.load(), RiskModel.load(), Texts.load())
