"""Per voice: turn time p50/p99 and the share of model replies the guard accepted on the same plans.

Usage: python bench/bench_voices.py [--gguf PATH] [--openai-url URL --openai-model NAME]
       [--turns 12] [--seed 7] [--timeouts 3,10,20]

Every voice phrases the same plans (made once by the policy from a fixed sample of messages),
each with the conversation so far and the person's message last, as a session gives them. The
phrasebook always runs; ``llamacpp`` runs with ``--gguf`` (or CONFIDANTE_TEST_GGUF) and
``openai`` with ``--openai-url``, each wrapped by the listener as in a session (the output check
and the safety check). For model voices it prints how many replies the guard accepted and, by
rule id, why the others were refused. Figures from SmolLM2-135M say only that the plumbing
works: phrasing well needs a 3B+ instruct model. ``--timeouts`` (connect, first token, whole
reply, as CONFIDANTE_VOICE_TIMEOUTS) measures a slow model instead of the phrasebook standing in
for it. It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from confidante import Listener
from confidante.conversation import Message, Role
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import Voice, VoiceContext
from confidante.voices.guarded import GuardedVoice
from confidante.voices.phrasebook import Phrasebook

SAMPLE = [
    "I've been feeling really lonely since I moved to the city.",
    "My sister used to call every week but now she's busy.",
    "Work is fine, I suppose, but the evenings are long.",
    "I keep thinking I should have stayed where I was.",
    "My manager keeps piling more work on me and I can't say no.",
    "I don't really know why I'm telling you all this.",
]
SETTINGS = Settings(locale="en_US")


@dataclass(frozen=True)
class Work:
    """One plan to phrase, with what a voice would see beside it."""

    plan: Plan
    recent: tuple[Message, ...]


def plans(turns: int, seed: int) -> list[Work]:
    """The plans of one phrasebook session over the sample, with the conversation before each."""
    listener = Listener(voice=Phrasebook.load(), settings=SETTINGS)
    session = listener.session(rng=random.Random(seed))
    session.open()
    out: list[Work] = []
    for i in range(turns):
        message = SAMPLE[i % len(SAMPLE)]
        understanding = listener.understander.understand(message, session.state)
        plan = listener.policy.choose(understanding, session.state, random.Random(i))
        before = [m for t in session.state.turns[-3:] for m in (t.said, t.reply)]
        out.append(Work(plan, (*before, Message(Role.PERSON, message))))
        session.respond(message)
    return out


def run(name: str, voice: Voice, work: list[Work]) -> None:
    """Phrase every plan; print timings and, for a guarded voice, what the guard did."""
    times: list[float] = []
    used: set[str] = set()
    for item in work:
        context = VoiceContext(rng=random.Random(0), used_sentences=used, recent=item.recent)
        start = time.perf_counter()
        "".join(voice.say(item.plan, context))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    line = f"{name:11s} n {len(times)}  p50 {statistics.median(times):8.1f} ms  p99 {p99:8.1f} ms"
    if isinstance(voice, GuardedVoice):
        reasons = Counter(voice.fallback_reasons())
        accepted = len(work) - sum(reasons.values())
        line += f"  accepted {accepted}/{len(work)} ({100 * accepted / len(work):.0f}%)"
        line += "  refused " + (", ".join(f"{r} {n}" for r, n in reasons.most_common()) or "-")
    print(line)


def main() -> None:
    """Run each voice that is configured."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", default=os.environ.get("CONFIDANTE_TEST_GGUF", ""))
    parser.add_argument("--openai-url", default="")
    parser.add_argument("--openai-model", default="")
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeouts", default="3,10,20")
    args = parser.parse_args()
    timeouts = Settings.from_env({"CONFIDANTE_VOICE_TIMEOUTS": args.timeouts}).voice_timeouts
    work = plans(args.turns, args.seed)
    run("phrasebook", Phrasebook.load(), work)
    if args.gguf:
        from confidante.voices.llamacpp import LlamaCppVoice

        settings = Settings(locale="en_US", voice="llamacpp", gguf_path=args.gguf,
                            voice_timeouts=timeouts)
        run("llamacpp", Listener(voice=LlamaCppVoice.from_settings(settings),
                                 settings=settings).voice, work)
    if args.openai_url:
        from confidante.voices.openai_compat import OpenAICompatVoice

        voice = OpenAICompatVoice(args.openai_url, args.openai_model, timeouts=timeouts)
        voice.check()
        settings = Settings(locale="en_US", voice_timeouts=timeouts)
        run("openai", Listener(voice=voice, settings=settings).voice, work)


if __name__ == "__main__":
    main()
