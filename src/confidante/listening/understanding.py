"""The understander: what the listener takes from one message.

For each message it finds the feelings (from the emotion model, mapped to plain listener words),
the topics, the people and things mentioned ("my wife" -> "your wife"), whether the person asks
for advice or asks a question, and the one clause most worth saying back, with its pronouns
turned around (picked by ``clause.ClauseFinder``). Vocabulary lives in ``data/lexicon.toml``;
nothing here keeps text beyond the returned ``Understanding``, which lives only in the session's
memory.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Callable
from functools import cache

from confidante.conversation import SessionState, Understanding, normalise_apostrophes
from confidante.listening.clause import WORDS, ClauseFinder
from confidante.listening.lexicon import Lexicon, load_lexicon, message_words
from confidante.listening.readings import Readings, load_readings
from confidante.listening.reflection import reflect
from confidante.listening.script import load_script
from confidante.text import negation

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


#: Fewer words than this left beside thanks ("I do, thank you") and the message is thanks.
MIN_REST_WORDS = 3
#: A self-named likeness of more words than this is not said back.
MAX_LIKE_WORDS = 3
_WH = frozenset({"what", "why", "how", "when", "where", "who", "which"})  # ask on their own
_QUOTED = re.compile(r"\"[^\"]{1,80}\"")
_NOBODY = re.compile(r"^\W*(?:nobody|no one)\b", re.IGNORECASE)

FeelingModel = Callable[[str], tuple[str, ...]]


class Understander:
    """Turns a message into an ``Understanding``; load once, share between sessions."""

    def __init__(self, lexicon: Lexicon, feelings: FeelingModel | None = None) -> None:
        self._lex = lexicon
        self._model = feelings
        self._positive = load_script().positive
        self._read: Readings = load_readings(
            tuple(dict.fromkeys([*lexicon.feelings, *lexicon.named_feeling.values()]))
        )
        self._clauses = ClauseFinder(lexicon, self._read)

    @classmethod
    def load(cls) -> Understander:
        """Load the lexicon and the emotion model once."""
        return cls(load_lexicon(), _emotion_model())

    def understand(self, text: str, state: SessionState) -> Understanding:
        """What ``text`` says, read in the light of the session so far."""
        clean = " ".join(normalise_apostrophes(text).split())
        lex = self._lex
        clean = lex.contraction.sub(lambda m: lex.contractions[m.group(0).lower()], clean)
        words = len(WORDS.findall(clean))
        # thanks and good wishes are said to the listener: the feelings are read from the rest
        rest = self._beyond_courtesy(clean)
        feelings, named = self._feelings(rest or clean) if words else ((), ())
        topics = self._topics(clean)
        if lex.others_alone.search(clean) and "lonely" not in named:
            topics = tuple(t for t in topics if t != "loneliness")  # "she died alone"
        corrected = self._corrected(clean, feelings, topics, state)
        # a withdrawn reading is neither kept now nor said back later
        swap = self._read.swap(clean)
        if swap:
            feelings = (swap[0], *feelings)
            named = (swap[0], *named)  # "more tired than angry": tired is their own word
        feelings = tuple(f for f in dict.fromkeys(feelings) if f not in corrected)[:2]
        # "she asked who I was": no feeling named, but the moment carries one, heard as a guess
        # "my dog is the only one who gets me lol": a laugh beside loneliness is no joke
        joke = bool(feelings) and feelings[0] == "amused"
        open_to = words and (joke or not feelings)
        implied = self._read.implied_feeling(rest or clean) if open_to else None
        feelings = (implied,) if implied and implied not in corrected else feelings
        small_talk = words <= 8 and bool(lex.small_talk.fullmatch(clean))
        # "I'm a bit tired today, how are you?": the courtesy is not what needs an answer
        body = clean if small_talk else lex.courtesy_tail.sub("", rest or clean) or clean
        is_question = self._is_question(body)
        contempt = self._read.contempt(clean)
        declines = bool(self._lex.no_advice.search(clean))
        return Understanding(
            feelings=feelings,
            topics=tuple(t for t in topics if t not in corrected),
            people=self._people(clean),
            clause=self._clauses.best(self._with_subject(body)),
            asks_advice=bool(self._lex.advice.search(clean)) and not declines,
            declines_advice=declines,
            apology=bool(lex.apology.search(clean)),
            is_question=is_question,
            words=words,
            small_talk=small_talk,
            farewell=words <= 14 and bool(lex.farewell.fullmatch(clean)),
            corrected=corrected,
            asks=self._read.ask(body) if is_question else None,
            self_contempt=contempt,
            thanks=rest != clean,
            implied=bool(implied) and feelings == (implied,),
            named=tuple(f for f in dict.fromkeys(named) if f in feelings),
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

    def _with_subject(self, text: str) -> str:
        """ "lost my job on friday" -> "I lost my job on friday": the "I" chat leaves out."""
        bare = text.lstrip()
        if self._lex.dropped_have.match(bare):
            return f"I've {bare}"
        return f"I {bare}" if self._lex.dropped_subject.match(bare) else text

    def _beyond_courtesy(self, text: str) -> str:
        """``text`` without its thanks and good wishes; "" when little else is left."""
        rest = self._lex.courtesy.sub(" ", text)
        if rest == text:
            return text
        rest = re.sub(r"\s+([.!?,;:])", r"\1", " ".join(rest.split()))
        rest = re.sub(r"([.!?])[,;:]+", r"\1", rest)
        rest = re.sub(r"^[\W_]+|(?<=[.!?])[\s.,;:!?]+(?=[.!?])", "", rest).strip()
        return rest if len(WORDS.findall(rest)) >= MIN_REST_WORDS else ""

    def _feelings(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Feelings the person names first ("I feel useless"), then the model's; a light remark
        with no hard feeling in it is "amused". Second: those the person named themselves."""
        # "Just 'happy bday mate'": words quoted from someone else are not the person's feeling
        text = _QUOTED.sub(" ", text)
        own = [*self._lex.named_feelings(text), *_likeness(text)]
        model = self._named_feelings(text)
        if _NOBODY.search(text):
            # "nobody asks how my day was": a good feeling read from it is its opposite
            model = tuple(f for f in model if f not in self._positive)
        if self._lex.others_alone.search(text) and "lonely" not in own:
            # "a patient died alone because I had six others": their aloneness, not the person's
            model = tuple(f for f in model if f != "lonely")
        if self._lex.asked_about.search(text):
            # "my mum keeps asking if I'm having fun and I just say yes": her question, not joy
            model = tuple(f for f in model if f not in self._positive)
        if self._lex.worried_hope.search(text):
            # "I hope there was no pain at the end": a worry about what can't be known now
            model = ("anxious", *(f for f in model if f not in self._positive))
        eased = self._lex.eased_feelings(text)
        if eased:
            # "I feel a little less stuck": what eased is neither said back nor kept
            own = ["relieved", *(f for f in own if f not in eased)]
            model = tuple(f for f in model if f not in eased)
        found = list(dict.fromkeys([*own, *model]))
        found = [f for f in found if f != "amused"][:2]
        if self._lex.light.search(text) and not own and len(WORDS.findall(text)) <= 25:
            return ("amused", *found[:1]), ()
        return tuple(found), tuple(own)

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
        first = WORDS.findall(text.lower())[:2]
        if not first or first[0] not in self._lex.question_start or len(text) >= 80:
            return False
        if first[0] in _WH:
            return True
        return len(first) > 1 and first[1] in self._lex.question_subjects


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
