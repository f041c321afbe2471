"""The understander: what the listener takes from one message.

For each message it finds the feelings (from the emotion model, mapped to plain listener words),
the topics, the people and things mentioned ("my wife" -> "your wife"), whether the person asks
for advice or asks a question, and the one clause most worth saying back, with its pronouns
turned around. Vocabulary lives in ``data/lexicon.toml``; nothing here keeps text beyond the
returned ``Understanding``, which lives only in the session's memory.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Callable
from functools import cache

from confidante.conversation import SessionState, Understanding, normalise_apostrophes
from confidante.listening.lexicon import Lexicon, load_lexicon, message_words
from confidante.listening.readings import Readings, load_readings
from confidante.listening.reflection import reflect
from confidante.listening.script import load_script
from confidante.text import negation

#: A clause longer than this is cut at a comma or conjunction before it is said back.
MAX_CLAUSE_WORDS = 16
#: A clause shorter than this carries too little to reflect.
MIN_CLAUSE_WORDS = 3

_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+|\.{2,}\s*|\u2026\s*")
_SPLIT_LONG = re.compile(r",\s+|\s+(?:and|but|because|so|which|when)\s+", re.IGNORECASE)
# Where a sentence joins two thoughts: each side is said back on its own, so a reply never holds
# "you lost your job and since then you feel useless" inside a frame of its own.
_SPLIT_JOINS = re.compile(
    r",?\s+(?:and since then|and ever since|ever since|since then|and then|and now|but|because|"
    r"so now|though|although|even though|which means|and so|,\s*so)\s+",
    re.IGNORECASE,
)
# "I feel like a ghost in my own house" -> "like a ghost": the likeness, up to a function word.
# {negators} stands for the one shared negation set (confidante/text.toml).
_FEEL_LIKE_TEXT = (
    r"\b(?P<neg>(?:{negators})\s+)?(?:feel|feels|feeling|felt)\s+like\s+"
    r"(?:such\s+|a\s+bit\s+of\s+)?(?P<art>a|an)\s+(?P<x>[a-z'-]+(?:\s+(?!(?:and|but|in|at|on|around|"
    r"with|to|when|because|sometimes|who|that|all|for|from|of|again|now|here|there|most|every|"
    r"or|if|so|too|i|it)\b)[a-z'-]+){0,2})"
)


@cache
def _feel_like() -> re.Pattern[str]:
    """The likeness pattern, compiled once with the shared negators."""
    text = _FEEL_LIKE_TEXT.replace("{negators}", negation().alternation())
    return re.compile(text, re.IGNORECASE)


#: A self-named likeness of more words than this is not said back.
MAX_LIKE_WORDS = 3
# "you feel useless" as the whole clause repeats the feeling: the content lies elsewhere.
_JUST_FEELING = re.compile(r"^you(?:'re| are| feel| felt| were|'ve been feeling)\b", re.IGNORECASE)
_WORDS = re.compile(r"[A-Za-z']+")
_WH = frozenset({"what", "why", "how", "when", "where", "who", "which"})  # ask on their own
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|myself|we|our|us)\b", re.IGNORECASE)

# After reflection these words point at the listener: the clause is about me, not the person.
_ABOUT_LISTENER = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|me|my|mine|myself)\b")
# A clause worth saying back has someone in it doing something.
_SUBJECT = re.compile(
    r"\b(?:i|i'm|i've|i'd|i'll|im|ive|we|we're|we've|he|he's|she|she's|they|they're|they've|"
    r"it|it's|there's|that's|everyone|everybody|nobody|no one|someone|everything|nothing)\b",
    re.IGNORECASE,
)
# "No, it's..." answers something; the answer word is dropped ("No one cares" is kept).
_LEADING_NO = re.compile(r"^(?:no|nope|nah)\s*,\s*", re.IGNORECASE)
_AFTER_COMMA = re.compile(r"(?<=, )([A-Z][a-z']*)")
#: A capitalised first word ending like this is an ordinary word, not a name ("Recently").
_ORDINARY_ENDINGS = ("ly", "ing", "ed")

_QUOTED = re.compile(r"\"[^\"]{1,80}\"")
_DONE = re.compile(r"\b\w{3,}ed\b")
_NOBODY = re.compile(r"^\W*(?:nobody|no one)\b", re.IGNORECASE)
# One clause with two sides ("I know they're busy, but it hurts"): said back whole.
_CONTRAST = re.compile(r",?\s+(?:but|though|although|even though)\s+", re.IGNORECASE)
# "Part of me wants X, part of me feels Y": both halves are the point, so the sentence stays whole.
_TWO_PARTS = re.compile(
    r"\b(?:one )?part of me\b.+\b(?:part|the rest) of me\b|"
    r"\bon (?:the )?one hand\b.+\bon the other\b",
    re.IGNORECASE,
)
# How a predicate without its own subject starts: "never visits", "doesn't call", "stopped asking".
_PREDICATE = re.compile(
    r"(?:never|always|still|hardly|rarely|barely|seldom|only|also|then|"
    r"doesn't|don't|didn't|won't|can't|couldn't|wouldn't|isn't|wasn't|hasn't|haven't)\b|"
    r"[a-z]+(?:s|ed)\b(?!\s*$)",
    re.IGNORECASE,
)
#: Words a two-part sentence may have and still be said back whole.
MAX_TWO_PARTS_WORDS = 26

FeelingModel = Callable[[str], tuple[str, ...]]


class Understander:
    """Turns a message into an ``Understanding``; load once, share between sessions."""

    def __init__(self, lexicon: Lexicon, feelings: FeelingModel | None = None) -> None:
        self._lex = lexicon
        self._model = feelings
        self._ordinary = lexicon.lower_first | lexicon.question_openers
        self._positive = load_script().positive
        self._read: Readings = load_readings(
            tuple(dict.fromkeys([*lexicon.feelings, *lexicon.named_feeling.values()]))
        )

    @classmethod
    def load(cls) -> Understander:
        """Load the lexicon and the emotion model once."""
        return cls(load_lexicon(), _emotion_model())

    def understand(self, text: str, state: SessionState) -> Understanding:
        """What ``text`` says, read in the light of the session so far."""
        clean = " ".join(normalise_apostrophes(text).split())
        lex = self._lex
        clean = lex.contraction.sub(lambda m: lex.contractions[m.group(0).lower()], clean)
        words = len(_WORDS.findall(clean))
        feelings = self._feelings(clean) if words else ()
        topics = self._topics(clean)
        corrected = self._corrected(clean, feelings, topics, state)
        # a withdrawn reading is neither kept now nor said back later
        swap = self._read.swap(clean)
        if swap:
            feelings = (swap[0], *feelings)
        feelings = tuple(f for f in dict.fromkeys(feelings) if f not in corrected)[:2]
        small_talk = words <= 8 and bool(lex.small_talk.fullmatch(clean))
        # "I'm a bit tired today, how are you?": the courtesy is not what needs an answer
        body = clean if small_talk else lex.courtesy_tail.sub("", clean) or clean
        is_question = self._is_question(body)
        contempt = self._read.contempt(clean)
        return Understanding(
            feelings=feelings,
            topics=tuple(t for t in topics if t not in corrected),
            people=self._people(clean),
            clause=self._clause(body),
            asks_advice=bool(self._lex.advice.search(clean)),
            is_question=is_question,
            words=words,
            small_talk=small_talk,
            farewell=words <= 14 and bool(lex.farewell.fullmatch(clean)),
            corrected=corrected,
            asks=self._read.ask(body) if is_question else None,
            self_contempt=contempt,
        )

    def _corrected(
        self,
        text: str,
        feelings: tuple[str, ...],
        topics: tuple[str, ...],
        state: SessionState,
    ) -> tuple[str, ...]:
        """Readings this message withdraws: a swapped or negated feeling, a refused reading."""
        recent = [t.understanding for t in state.turns[-3:]]
        heard = [f for u in recent for f in u.feelings]
        found: list[str] = []
        swap = self._read.swap(text)
        if swap:
            found.append(swap[1])
        # "No, she's never hurt me" answers a reading, heard or only feared: it is withdrawn
        answering = bool(re.match(r"\W*(?:no|nope|nah)\b", text, re.IGNORECASE))
        pool = [*heard, *feelings, *(self._lex.feelings if answering else ())]
        found.extend(self._read.negated(text, dict.fromkeys(pool)))
        if self._read.refuses(text) and recent:
            found.extend(recent[-1].feelings)
        word = self._read.not_about_word(text)
        if word:
            found.extend(t.id for t in self._lex.topics if t.pattern.fullmatch(word))
        del topics
        return tuple(dict.fromkeys(found))

    def _feelings(self, text: str) -> tuple[str, ...]:
        """Feelings the person names first ("I feel useless"), then the model's; a light remark
        with no hard feeling in it is "amused"."""
        # "Just 'happy bday mate'": words quoted from someone else are not the person's feeling
        text = _QUOTED.sub(" ", text)
        own = [*self._lex.named_feelings(text), *_likeness(text)]
        model = self._named_feelings(text)
        if _NOBODY.search(text):
            # "nobody asks how my day was": a good feeling read from it is its opposite
            model = tuple(f for f in model if f not in self._positive)
        found = list(dict.fromkeys([*own, *model]))
        found = [f for f in found if f != "amused"][:2]
        if self._lex.light.search(text) and not own and len(_WORDS.findall(text)) <= 25:
            return ("amused", *found[:1])
        return tuple(found)

    def _named_feelings(self, text: str) -> tuple[str, ...]:
        """The model's feelings that the listener can name back, or the keyword fallback."""
        if self._model is None:
            return self._keyword_feelings(text)
        known = self._lex.feeling_words
        found = [f for f in self._model(text) if f in known]
        if self._lex.needs_cue.intersection(found):
            cued = set(self._keyword_feelings(text, limit=None))
            found = [f for f in found if f not in self._lex.needs_cue or f in cued]
        return tuple(found)

    def _keyword_feelings(self, text: str, limit: int | None = 2) -> tuple[str, ...]:
        """Feelings by keyword, strongest (most cues) first."""
        lex = self._lex
        counts = Counter(
            lex.cue_feeling[" ".join(c.lower().split())] for c in lex.feeling_cue_words(text)
        )
        return tuple(f for f, _ in counts.most_common(limit))

    def _topics(self, text: str) -> tuple[str, ...]:
        # a person noun says whose story it is only with an owner ("my son", not "her son"):
        # those come from the people pattern below
        persons = self._lex.persons
        words = message_words(text)
        found = [
            (m.start(), t.id)
            for t in self._lex.topics
            if not t.firsts.isdisjoint(words)
            and (
                m := next(
                    (m for m in t.pattern.finditer(text) if m.group(0).lower() not in persons), None
                )
            )
        ]
        for m in self._lex.people.finditer(text):
            tid = self._lex.person_topic.get(m.group("noun").lower())
            if tid in {t.id for t in self._lex.topics}:
                found.append((m.start(), tid))
        figures = self._read.figured(text)
        masked = {t for f in figures for t in f.not_topics}
        # a figure of speech says what the message means, so it leads
        seen: dict[str, None] = dict.fromkeys(f.topic for f in figures)
        for _, tid in sorted(found):
            if tid not in masked:
                seen.setdefault(tid, None)
        return tuple(seen)

    def _people(self, text: str) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for m in self._lex.people.finditer(text):
            owner = m.group("owner").lower()
            if owner not in ("my", "our", "my own", "the"):
                continue
            adj = m.group("adj")
            noun = " ".join(m.group("noun").lower().split())
            said = "the" if owner == "the" else "your"
            phrase = f"{said} {adj.lower()} {noun}" if adj else f"{said} {noun}"
            seen.setdefault(phrase, None)
        return tuple(seen)

    def _is_question(self, text: str) -> bool:
        if text.rstrip().endswith("?"):
            return True
        first = _WORDS.findall(text.lower())[:2]
        if not first or first[0] not in self._lex.question_start or len(text) >= 80:
            return False
        if first[0] in _WH:
            return True
        return len(first) > 1 and first[1] in self._lex.question_subjects

    def _clause(self, text: str) -> str | None:
        """The clause most worth saying back, reflected, or None when nothing fits."""
        best: tuple[float, str] | None = None
        sentences = [s for s in _SENTENCES.split(text) if s.strip()]
        for pos, sentence in enumerate(sentences):
            if sentence.rstrip().endswith("?"):
                continue
            for whole in self._parts(sentence):
                # "You're right, I need to rest": the remark on the talk goes, the rest is theirs
                part = self._lex.leading_remark.sub("", whole, count=1)
                if not part.strip():
                    continue
                said = self._tidy(reflect(part))
                if not self._worth_saying(part, said) or self._read.contempt(part):
                    continue  # a self-insult is never said back as a fact
                loss = self._lex.loss(said)
                if (
                    self._read.context.search(part)
                    and not self._read.carries.search(part)
                    and not _two_subjects(part)
                    and not loss
                ):
                    # ages and numbers are context, not the point (a contrast is, and so is a
                    # loss: "my dad died six weeks ago")
                    continue
                n = len(said.split())
                score = 1.0 + 0.1 * pos  # later sentences are usually the point
                score += 2.0 if _FIRST_PERSON.search(part) else 0.0
                score += 1.0 if self._lex.people.search(part) else 0.0
                score += 1.0 if self._lex.has_feeling_cue(part) else 0.0
                score += 2.0 if loss else 0.0  # a loss is what to say back
                # what carries feeling beats numbers, ages and arrangements
                score += 1.5 if self._read.carries.search(part) else 0.0
                score += 1.5 if _CONTRAST.search(part) else 0.0  # kept whole only with two sides
                context = self._read.context.search(part) and not (_two_subjects(part) or loss)
                score -= 2.5 if context else 0.0
                # "you feel useless" only repeats the feeling, which is said back on its own
                score -= 1.5 if _JUST_FEELING.match(said) and n <= 5 else 0.0
                score -= 0.08 * max(0, n - 12) + 0.05 * abs(n - 9)
                if best is None or score > best[0]:
                    best = (score, said)
        return best[1] if best else None

    def _worth_saying(self, part: str, said: str) -> bool:
        """False for clauses too short, empty of content, questions, or about the listener."""
        words = said.lower().split()
        if len(words) < MIN_CLAUSE_WORDS or said.lower() in self._lex.low_content:
            return False
        if words[0] in self._lex.question_openers or words[0] in ("thank", "thanks", "please"):
            return False
        if self._lex.remarks.search(part):
            return False  # "that's a good way to put it": about the talk, not their story
        if words[0] in self._lex.fragment_starts and len(_SUBJECT.findall(part)) < 2:
            return False  # "if it is windy and cold" is half a thought; "if he goes, I..." is not
        # "you should go back to school" was said to the listener: not the person's story
        if _ABOUT_LISTENER.search(said) or self._lex.no_echo.search(part):
            return False
        named = said[:1].isupper() and words[0] not in self._ordinary  # "Sarah left you"
        # "a patient's family shouted at me": someone did something to the person
        done_to = bool(_FIRST_PERSON.search(part) and _DONE.search(part))
        if not (_SUBJECT.search(part) or re.match(r"(?:your|the) ", said) or named or done_to):
            return False  # a fragment ("for all of us") has nobody doing anything
        if said.count(",") >= 2 and not _SUBJECT.search(part):
            return False  # a list ("your weight, your job, your kids") says nothing about it
        return _WORDS.findall(part.lower())[0] not in ("you", "your", "you're", "you've")

    def _parts(self, sentence: str) -> list[str]:
        """The sentence itself when it is one short thought, else its pieces.

        A loss told with its goodbye ("my mother died and I never said goodbye") stays whole.
        """
        body = sentence.strip().rstrip(".!;:,")
        whole = len(body.split()) <= MAX_CLAUSE_WORDS
        if whole and self._lex.no_goodbye.search(body) and self._lex.loss(reflect(body)):
            return [body]
        if len(body.split()) <= MAX_TWO_PARTS_WORDS and _TWO_PARTS.search(body):
            return [body]
        parts = [p for p in _SPLIT_JOINS.split(body) if p.strip()]
        if len(parts) == 1 and whole:
            return [body]
        pieces = [q for p in parts for q in ([p] if len(p.split()) <= 12 else _SPLIT_LONG.split(p))]
        pieces = [p for p in pieces if len(p.split()) <= MAX_CLAUSE_WORDS]
        if whole and len(parts) == 2 and _CONTRAST.search(body) and _two_subjects(body):
            # "I know they're busy, but it hurts": both sides are the person's, kept together
            pieces.append(body)
        elif whole and len(parts) == 2 and _CONTRAST.search(body) and _shares_subject(parts[1]):
            # "he sends money but never visits": the half after "but" is the point, and it
            # has no subject of its own, so the sentence is said back whole
            pieces = [body]
        return pieces

    def _tidy(self, clause: str) -> str:
        """Drop leading fillers and punctuation; lower-case an ordinary first word."""
        clause = clause.strip().strip("\"'()-").strip()
        clause = self._lex.fillers.sub("", _LEADING_NO.sub("", clause)).strip(" ,-")
        clause = re.sub(r"\s+", " ", clause).rstrip(".!;:, ")
        clause = self._lex.trailing.sub("", clause).rstrip(".!;:, ")
        first, _, rest = clause.partition(" ")
        bare = first.rstrip(",;:").lower()
        if bare.split("'")[0] in self._lex.lower_first or bare.endswith(_ORDINARY_ENDINGS):
            first = first.lower()
        # ", But you..." inside the clause: an ordinary word after a comma needs no capital
        rest = _AFTER_COMMA.sub(
            lambda m: m.group(0).lower() if m.group(1).lower() in self._ordinary else m.group(0),
            rest,
        )
        return f"{first} {rest}".strip()


def _shares_subject(side: str) -> bool:
    """True for a predicate that borrows the subject before it ("never visits", "doesn't call")."""
    words = side.split()
    if not 1 <= len(words) <= 8 or _SUBJECT.search(side) or _FIRST_PERSON.search(side):
        return False
    return bool(_PREDICATE.match(side))  # "never visits", not "not today"


def _two_subjects(part: str) -> bool:
    """True when each side of a contrast has someone doing something."""
    sides = _CONTRAST.split(part, maxsplit=1)
    return len(sides) == 2 and all(
        len(side.split()) >= 3 and (_SUBJECT.search(side) or _FIRST_PERSON.search(side))
        for side in sides
    )


def _likeness(text: str) -> list[str]:
    """ "I feel like a ghost in my own house" -> ["like a ghost"], unless negated or too long."""
    found = []
    for m in _feel_like().finditer(text):
        x = m.group("x").lower()
        if not m.group("neg") and len(x.split()) <= MAX_LIKE_WORDS:
            found.append(f"like {m.group('art').lower()} {reflect(x)}")
    return found


def _emotion_model() -> FeelingModel | None:
    """The packaged emotion model's ``feelings`` (two at most), or None while it is absent."""
    try:
        emotion = importlib.import_module("confidante.listening.emotion")
    except ImportError:
        return None
    model = emotion.default_model()

    def feelings(text: str) -> tuple[str, ...]:
        return tuple(model.feelings(text, limit=2))

    return feelings
