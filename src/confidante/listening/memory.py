"""What a session remembers for the policy: counts of moves, and the people, topics and feelings
heard so far, read back from ``state.turns[*].understanding``.

The memory is derived, never stored: it is recomputed from the session state on each reply, so
a resumed session (sealed and restored) remembers exactly what the original did.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from confidante.conversation import Move, SessionState, Understanding

#: Reason ids the policy puts on a reflection so the complexity of past ones can be counted.
COMPLEX = "reflection.complex"
SIMPLE = "reflection.simple"


#: Replies looked back on to tell a correction of the listener from a clarification.
RECENT_REPLIES = 4


@dataclass(frozen=True)
class Memory:
    """A read-only view of one session's listening so far."""

    moves: tuple[Move, ...]
    reflections: int
    complex_reflections: int
    questions: int
    helpful: int
    people: Counter[str]
    topics: Counter[str]
    feelings: Counter[str]
    understandings: tuple[Understanding, ...]  # of each earlier message, oldest first
    reasons: tuple[tuple[str, ...], ...]  # rule ids of each earlier reply, oldest first
    corrected: frozenset[str] = frozenset()  # readings the person put right: never said again
    replies: tuple[str, ...] = ()  # the listener's last few replies, lower case (never stored)

    @property
    def advice_declined(self) -> bool:
        """True once the person has turned advice down this session."""
        return any(u.declines_advice for u in self.understandings)

    @classmethod
    def of(cls, state: SessionState) -> Memory:
        """Read the memory out of ``state``."""
        # Read afresh every turn, so counted in one pass each: an hour can hold a hundred turns.
        turns = state.turns
        corrected = frozenset(c for t in turns for c in t.understanding.corrected)
        people = Counter(p for t in turns for p in t.understanding.people)
        topics = Counter(x for t in turns for x in t.understanding.topics if x not in corrected)
        feelings = Counter(f for t in turns for f in t.understanding.feelings if f not in corrected)
        complex_count = sum(
            1 for t in turns if t.move.is_reflection and _is_complex(t.move, t.reasons)
        )
        moves = tuple(state.moves)
        return cls(
            moves=moves,
            reflections=sum(1 for m in moves if m.is_reflection),
            complex_reflections=complex_count,
            questions=sum(1 for m in moves if m.is_question),
            helpful=sum(1 for m in moves if m is Move.HELPFUL_COMMENT),
            people=people,
            topics=topics,
            feelings=feelings,
            understandings=tuple(t.understanding for t in state.turns),
            reasons=tuple(t.reasons for t in state.turns),
            corrected=corrected,
            replies=tuple(t.reply.text.lower() for t in turns[-RECENT_REPLIES:]),
        )

    def said(self, word: str) -> bool:
        """True when one of the listener's last few replies used ``word``."""
        pattern = re.compile(rf"\b{re.escape(word.lower())}\b")
        return any(pattern.search(r) for r in self.replies)

    @property
    def last(self) -> Move | None:
        """The previous move, if any."""
        return self.moves[-1] if self.moves else None

    def since(self, move: Move) -> int:
        """Replies since ``move`` was last made (all of them when it never was)."""
        for back, m in enumerate(reversed(self.moves)):
            if m is move:
                return back
        return len(self.moves)

    def since_reason(self, reason: str) -> int:
        """Replies since one made for rule ``reason`` (all of them when none was)."""
        for back, why in enumerate(reversed(self.reasons)):
            if reason in why:
                return back
        return len(self.reasons)

    def earlier_person(
        self, u: Understanding, is_person: Callable[[str], bool], recent: int = 3
    ) -> str | None:
        """A person mentioned before but not in the last ``recent`` turns nor now: a callback.

        ``is_person`` may also say whether the person fits what is being talked about now.
        """
        recent_people = set(u.people)
        for t in self._recent_understandings(recent):
            recent_people.update(t.people)
        for person, _ in self.people.most_common():
            if person not in recent_people and person.startswith("your ") and is_person(person):
                return person
        return None

    def stands(self, clause: str) -> bool:
        """False when ``clause`` holds a reading the person has since put right ("you feel
        sad" after "lonely more than sad"): it is never said back again."""
        low = clause.lower()
        return not any(re.search(rf"\b{re.escape(c)}\b", low) for c in self.corrected)

    def recent_feeling(self, recent: int = 2, skip: frozenset[str] = frozenset()) -> str | None:
        """The strongest feeling of the last ``recent`` messages (none of ``skip``), if any."""
        for u in reversed(self._recent_understandings(recent)):
            for feeling in u.feelings:
                if feeling not in skip and feeling not in self.corrected:
                    return feeling
        return None

    def _recent_understandings(self, recent: int) -> tuple[Understanding, ...]:
        return self.understandings[-recent:] if recent > 0 else ()


def _is_complex(move: Move, reasons: tuple[str, ...]) -> bool:
    """A reflection is complex when the policy said so, or when it named a feeling."""
    if COMPLEX in reasons:
        return True
    if SIMPLE in reasons:
        return False
    return move is Move.REFLECT_FEELING
