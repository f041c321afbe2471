"""The clause finder: which part of a message is most worth saying back.

A message is cut into sentences and, where a sentence joins two thoughts, into clauses; each
clause is reflected ("my wife" -> "your wife") and scored. What carries the feeling (the person
doing something, a loss, a contrast) wins over numbers, ages and arrangements, which are context
rather than the point, so a reply says back what matters to the person and not the logistics.
"""

from __future__ import annotations

import re

from confidante.listening.lexicon import Lexicon
from confidante.listening.readings import Readings
from confidante.listening.reflection import reflect

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
# "you feel useless" as the whole clause repeats the feeling: the content lies elsewhere.
_JUST_FEELING = re.compile(r"^you(?:'re| are| feel| felt| were|'ve been feeling)\b", re.IGNORECASE)
#: A word, as the listener counts words (shared with understanding.py).
WORDS = re.compile(r"[A-Za-z']+")
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

_DONE = re.compile(r"\b\w{3,}ed\b")
# A step the person means to take: its day ("I'll go on thursday") is part of it, not context.
_MEANS_TO = re.compile(r"\b(?:i'll|i will|i'm going to|i am going to|i might)\b", re.IGNORECASE)
# One clause with two sides ("I know they're busy, but it hurts"): said back whole.
_CONTRAST = re.compile(r",?\s+(?:but|though|although|even though)\s+", re.IGNORECASE)
# "Part of me wants X, part of me feels Y": both halves are the point, so the sentence stays whole.
_TWO_PARTS = re.compile(
    r"\b(?:one )?part of me\b.+\b(?:part|the rest) of me\b|"
    r"\bon (?:the )?one hand\b.+\bon the other\b|"
    # "I used to be her favourite person and now I'm a stranger": the change is the point
    r"\bused to\b[^.!?;]+\band now\b",
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


class ClauseFinder:
    """Picks the clause of a message most worth saying back; load once, share between sessions."""

    def __init__(self, lexicon: Lexicon, readings: Readings) -> None:
        self._lex = lexicon
        self._read = readings
        self._ordinary = lexicon.lower_first | lexicon.question_openers

    def best(self, text: str) -> str | None:
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
                    and not _MEANS_TO.search(part)
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
                context = self._read.context.search(part) and not (
                    _two_subjects(part) or loss or _MEANS_TO.search(part)
                )
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
        return WORDS.findall(part.lower())[0] not in ("you", "your", "you're", "you've")

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
