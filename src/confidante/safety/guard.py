"""SafetyGuard: risk assessment of each message in its session, and the protocol's replies.

``assess`` combines five readers:

1. the reviewed lexicon (``lexicon.py``): rules with negation, subject and tense judged;
2. escalation (``escalation.py``): means, intent, a time ("tonight") or an earlier statement of
   ideation in the session turn a match into ``imminent``; an open crisis keeps every message
   a crisis turn;
3. the crisis reader (``reader.py``), a fine-tuned sentence encoder that reads meaning, with the
   person's previous message as context;
4. the post model (``model.py``), a word n-gram regression for long, post-like messages;
5. reviewed phrases in German, French, Spanish and Portuguese (``language.py``).

``crisis_turn`` then answers an open crisis turn by turn (``crisis.py``).

Reasons name rules, context checks and the model, never the text. The guard holds no per-session
state: everything it needs about the session comes in ``state``.
"""

from __future__ import annotations

import random
from dataclasses import replace
from functools import cache

from confidante.conversation import Assessment, RiskKind, RiskLevel, SessionState
from confidante.safety.crisis import CrisisScript, CrisisTalk, CrisisTurn, Heard
from confidante.safety.escalation import (
    Combo,
    Context,
    Finding,
    context_findings,
    context_of,
    despair,
    escalate,
    is_sure,
)
from confidante.safety.helplines import locale_label
from confidante.safety.language import (
    ENGLISH,
    crisis_languages,
    detect_language,
    foreign_assessment,
    language_notice,
)
from confidante.safety.lexicon import Lexicon, Scan, either
from confidante.safety.model import RiskModel
from confidante.safety.protocol import CRISIS_KINDS, Texts, pick, renderer
from confidante.safety.reader import CrisisReader
from confidante.safety.text import normalise_sentence as normalise
from confidante.safety.text import tokens

# The model was trained mostly on posts; on a message of a few words its probability says little
# ("I hate my life" scores like a post in r/SuicideWatch), so alone it may only say "low" there.
# The lexicon, which reads short messages well, still decides them.
MODEL_MIN_WORDS = 20
# How sure the reader must be to go past a phrase the lexicon keeps low, or to say "now" alone.
READER_SURE = 0.9
READER_NOW = 0.6
# How far back a death told makes "I should just go be with him" a wish to die.
_BEREAVED_TURNS = 20
BOUNDARY_IDS = (
    "diagnosis", "medication", "legal", "sexual", "romance",
    "friendship", "other_users", "rules", "ai_question", "ai_doubt", "minor",
)  # fmt: skip


class SafetyGuard:
    """Assesses risk and supplies the reviewed crisis, boundary and disclosure texts."""

    def __init__(
        self,
        lexicon: Lexicon,
        model: RiskModel | None,
        texts: Texts,
        script: CrisisScript | None = None,
        reader: CrisisReader | None = None,
    ) -> None:
        """Build a guard from loaded parts; most code wants :meth:`load`."""
        self.lexicon = lexicon
        self.model = model
        self.reader = reader
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
        ctx = context_of(state)
        if state is not None and any("reunion" in h.rule.tags for h in scan.hits):
            told = any(self.lexicon.told_death(t.said.text) for t in state.turns[-_BEREAVED_TURNS:])
            ctx = replace(ctx, bereaved=told)
        findings = self._lexicon_findings(scan, ctx)
        findings.extend(self._model_findings(scan, findings))
        findings.extend(self._reader_findings(text, scan, findings, state))
        findings.extend(_foreign_findings(text))
        findings.extend(context_findings(scan, ctx, findings))
        if not findings:
            trace = tuple(f"negated:{r}" for r in scan.negated)
            return Assessment(reasons=trace + tuple(f"idiom:{i}" for i in scan.idioms))
        findings.sort(key=lambda f: f.order, reverse=True)
        top = findings[0]
        reasons: list[str] = []
        for f in findings:
            reasons.extend(r for r in f.reasons if r not in reasons)
        return Assessment(level=top.level, kind=top.kind, reasons=tuple(reasons))

    def _lexicon_findings(self, scan: Scan, ctx: Context) -> list[Finding]:
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
        despair_now = any(despair(h) for h in own)
        # A past attempt or past ideation with despair now: "I tried last year. I feel hopeless."
        past_risk = any(
            not h.third_party and h.rule.kind is RiskKind.SUICIDE_SELF_HARM
            and (h.rule.id.startswith("attempt.") or (h.past and "ideation" in h.rule.tags))
            for h in scan.hits
        )  # fmt: skip
        combo = Combo(means_now, despair_now, past_risk, scan.soon)
        out: list[Finding] = []
        for hit in scan.hits:
            both = chest and breath
            level, why = escalate(hit, scan, ideation, weapon_now, both, ctx, combo)
            kind = RiskKind.THIRD_PARTY if hit.third_party else hit.rule.kind
            reasons = [f"lexicon:{hit.rule.id}"]
            if why:
                reasons.append(f"escalate:{why}")
            if hit.third_party:
                reasons.append("subject:third_party")
            if hit.past and level.rank > RiskLevel.LOW.rank:
                level = RiskLevel.LOW
                reasons.append("tense:past")
            out.append(Finding(level, kind, tuple(reasons)))
        return out

    def _model_findings(self, scan: Scan, lexical: list[Finding]) -> list[Finding]:
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
            return [Finding(RiskLevel.LOW, kind, (name,))] if p >= self.model.elevated else []
        if scan.words < MODEL_MIN_WORDS:
            return [Finding(RiskLevel.LOW, kind, (name,))]
        if p >= self.model.elevated:
            return [Finding(RiskLevel.ELEVATED, kind, (name,))]
        # Means alone stay low ("I have the pills" may be for a headache); context escalates them.
        ambiguous = [
            h for h in scan.hits if "ambiguous" in h.rule.tags and "means" not in h.rule.tags
        ]
        if p >= self.model.support and ambiguous:
            return [Finding(RiskLevel.ELEVATED, kind, (name, "escalate:model_support"))]
        return [Finding(RiskLevel.LOW, kind, (name,))]

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
        reasons = assessment.reasons
        fresh = assessment.is_crisis and any(not r.startswith("context:") for r in reasons)
        reviewed = any(r.startswith(("lexicon:", "foreign:")) for r in reasons)
        certain = assessment.is_crisis and reviewed
        heard = Heard(
            spelled=self.lexicon.spell(text),
            fresh=fresh,
            means=any(h.rule.tags & {"means", "weapon", "named_means"} for h in own),
            time=scan.time,
            soon=scan.soon,
            certain=certain,
            quiet=all(r.startswith("context:") for r in reasons),
            sure=is_sure(assessment),
            alone=fresh and not certain and self._alone(text, state),
            means_before=state.crisis is None and _means_told(state),
        )
        kind = state.crisis.kind if state.crisis is not None else assessment.kind
        render = renderer(state.locale, self.texts, kind if kind in CRISIS_KINDS else None)
        talk = CrisisTalk(
            self.script,
            lambda a, r, used: self.crisis_reply(a, state.locale, r, used),
            render,
        )
        return talk.turn(heard, assessment, state.crisis, rng, state.used_sentences)

    # ------------------------------------------------------------------ other languages
    def language(self, text: str) -> str:
        """The message's language (ISO 639-1); "en" unless another one is clear."""
        return detect_language(text)

    def language_reply(self, language: str, locale: str, used: set[str]) -> str:
        """For a message not in English: the notice once, with the locale's help; never a
        reflection of words the listener may misread."""
        notice = language_notice(language)
        render = renderer(locale, self.texts)
        if normalise(notice) not in used:
            used.add(normalise(notice))
            return f"{notice} {render(self.texts.foreign_help)}"
        return render(self.texts.foreign_again)

    def _alone(self, text: str, state: SessionState) -> bool:
        """Whether the message is a danger read by itself, without the turn before it; read
        only where the protocol asks (a model's guess, or the answer to "will you stay safe?")."""
        ep = state.crisis
        asked = ep is not None and (ep.guessed or (ep.safe_said and not ep.safe_confirmed))
        return asked and self.assess(text).is_crisis


    def _reader_findings(
        self, text: str, scan: Scan, lexical: list[Finding], state: SessionState | None
    ) -> list[Finding]:
        """The crisis reader's view: meaning, for the wordings the lexicon was not written for."""
        if self.reader is None or scan.words == 0 or scan.closing:
            return []
        context = state.turns[-1].said.text if state is not None and state.turns else ""
        r = self.reader.read(text, context)
        name = f"reader:{self.reader.name}"
        if r.crisis < self.reader.low:
            return []
        # What the lexicon recognised for certain outranks a guess: a negation ("I would never
        # kill myself"), an idiom or the past ("I tried years ago, I'm well now") leave the
        # reader at "low"; so does a phrase the lexicon keeps low on purpose ("I have the
        # pills" may be for a headache) unless the reader is very sure.
        doubt = bool(scan.negated or scan.idioms or any(h.past for h in scan.hits))
        ambiguous = any("ambiguous" in h.rule.tags for h in scan.hits)
        strong = [f for f in lexical if f.level.rank >= 2 and f.kind in CRISIS_KINDS]
        third = bool(lexical) and all(f.kind is RiskKind.THIRD_PARTY for f in lexical)
        kind = RiskKind.THIRD_PARTY if third else (strong[0].kind if strong else r.kind)
        bar = READER_SURE if ambiguous else self.reader.elevated
        if doubt and r.crisis < READER_SURE:
            return []
        if kind is RiskKind.MEDICAL_EMERGENCY and not strong and self._about_another(scan):
            # "my little brother's been really off, won't come out of his room": a worry about
            # someone else's body or mind is asked about as theirs, never "call 000 for you"
            kind = RiskKind.THIRD_PARTY
        if kind is RiskKind.MEDICAL_EMERGENCY and not strong and self._a_story(text, context):
            # "my heart was racing and I thought I was dying" (a panic attack this morning):
            # a body's danger told in the past is watched, not answered with "call 999 now"
            return [Finding(RiskLevel.LOW, kind, (name,))]
        if doubt or r.crisis < bar or kind not in CRISIS_KINDS:
            return [Finding(RiskLevel.LOW, kind if kind in CRISIS_KINDS else RiskKind.NONE,
                            (name,))]
        # "Now" from the reader alone needs it sure of the crisis too ("I took my medication
        # this morning" must not be an overdose); the lexicon and the session escalate the rest.
        # Where the lexicon read the crisis itself, its escalation rules (means, a time, a
        # plan) decide imminence; they know "I want to kill myself" is not yet "call now".
        # "reader:sure" lets the crisis protocol tell a sure reading from a guess without
        # reading the message a second time.
        reasons = (name, "reader:sure") if r.crisis >= READER_SURE else (name,)
        # A phrase the lexicon keeps low on purpose is never an emergency on the reader's word
        # alone: "I have the pills" gets the direct question, and the session's escalation
        # rules (an earlier wish to die, a time) make it imminent.
        if r.now >= max(self.reader.now_threshold, READER_NOW) and r.crisis >= READER_SURE \
                and not strong and not ambiguous:
            return [Finding(RiskLevel.IMMINENT, kind, (*reasons, "reader:now"))]
        return [Finding(RiskLevel.ELEVATED, kind, reasons)]

    def _about_another(self, scan: Scan) -> bool:
        """True when the message names someone else and not the person ("my" aside)."""
        words = {w.removesuffix("'s") for w in tokens(scan.prepared)}  # "mum's" is mum
        own = (words & self.lexicon.self_words) - {"my", "mine"}
        return bool(words & self.lexicon.other_words) and not own

    def _a_story(self, text: str, context: str) -> bool:
        """True for a message told wholly in the past, with nothing of the present in it, at a
        time well past named in it or in the message before ("this morning")."""
        low, lex = text.lower(), self.lexicon
        when = lex.past_time.search(low) or lex.past_time.search(context.lower())
        return bool(when and lex.told_past.search(low)) and not lex.present.search(low)

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

    def locale_line(self, locale: str) -> str:
        """Which country's crisis lines this session gives, said with the opening notice."""
        return self.texts.locale_line.format(country=locale_label(locale))

    def closing_resources(self, locale: str, kinds: tuple[RiskKind, ...] = ()) -> str:
        """Said at the close of a session that had a crisis: every line and the emergency number,
        the lines for the session's kinds of danger first (an abuse line after abuse)."""
        render = renderer(locale, self.texts, kinds=kinds)
        return " ".join(render(s) for s in self.texts.closing)


def _means_told(state: SessionState) -> bool:
    """True when one of the last three messages spoke of means (a reviewed means rule)."""
    recent = state.turns[-3:]
    return any(r.startswith("lexicon:means.") for t in recent for r in t.assessment.reasons)


def _foreign_findings(text: str) -> list[Finding]:
    """Reviewed crisis phrases in German, French, Spanish and Portuguese."""
    language = detect_language(text)
    if language == ENGLISH or language not in crisis_languages():
        return []
    found = foreign_assessment(text, language)
    if found is None:
        return []
    level, kind, rule = found
    return [Finding(level, kind, (f"language:{language}", f"foreign:{rule}"))]


@cache
def _load_guard() -> SafetyGuard:
    return SafetyGuard(Lexicon.load(), RiskModel.load(), Texts.load(), reader=CrisisReader.load())
