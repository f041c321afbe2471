"""Shared helpers of the listening tests."""

from __future__ import annotations

import random

from confidante.conversation import Assessment, Message, Role, SessionState, Turn, Understanding
from confidante.listening import Policy
from confidante.listening.plan import Plan


def run_policy(us: list[Understanding], seed: int) -> tuple[SessionState, list[Plan]]:
    """The policy's plans for messages understood as ``us``, one session, seeded."""
    policy = Policy()
    rng = random.Random(seed)
    state = SessionState(minutes=60, locale="en_US", started_at=0.0)
    plans = []
    for u in us:
        plan = policy.choose(u, state, rng)
        plans.append(plan)
        said = Message(Role.PERSON, "...", 0.0)
        reply = Message(Role.LISTENER, "...", 0.0)
        state.turns.append(Turn(said, reply, plan.move, Assessment(), u, plan.reasons))
    return state, plans
