"""Per voice: turn time p50/p99 and the share of model replies the guard accepted on the same plans.

Usage: python bench/bench_voices.py [--gguf PATH] [--openai-url URL --openai-model NAME]
       [--turns 12] [--seed 7]

Every voice phrases the same plans (made once by the policy from a fixed sample of messages).
The phrasebook always runs; ``llamacpp`` runs with ``--gguf`` (or CONFIDANTE_TEST_GGUF) and
``openai`` with ``--openai-url``. For model voices it prints how many replies the guard accepted
and, by rule id, why the others were refused. Figures from SmolLM2-135M say only that the
plumbing works: phrasing well needs a 3B+ instruct model. It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import Counter

from confidante import Listener
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import Voice, VoiceContext
from confidante.voices.guarded import GuardedVoice, guard_voice
from confidante.voices.phrasebook import Phrasebook

SAMPLE = [
    "I've been feeling really lonely since I moved to the city.",
    "My sister used to call every week but now she's busy.",
    "Work is fine, I suppose, but the evenings are long.",
    "I keep thinking I should have stayed where I was.",
    "My manager keeps piling more work on me and I can't say no.",
    "I don't really know why I'm telling you all this.",
]


def plans(turns: int, seed: int) -> list[tuple[Plan, list[str]]]:
    """The plans of one phrasebook session over the sample, with the messages before each."""
    listener = Listener(voice=Phrasebook.load(), settings=Settings(locale="en_US"))
    session = listener.session(rng=random.Random(seed))
    session.open()
    out: list[tuple[Plan, list[str]]] = []
    for i in range(turns):
        message = SAMPLE[i % len(SAMPLE)]
        understanding = listener.understander.understand(message, session.state)
        out.append((listener.policy.choose(understanding, session.state, random.Random(i)), []))
        session.respond(message)
    return out


def run(name: str, voice: Voice, work: list[tuple[Plan, list[str]]]) -> None:
    """Phrase every plan; print timings and, for a guarded voice, what the guard did."""
    times: list[float] = []
    used: set[str] = set()
    for plan, _ in work:
        start = time.perf_counter()
        "".join(voice.say(plan, VoiceContext(rng=random.Random(0), used_sentences=used)))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    line = f"{name:11s} p50 {statistics.median(times):8.1f} ms  p99 {p99:8.1f} ms"
    if isinstance(voice, GuardedVoice):
        reasons = Counter(voice.fallback_reasons())
        refused = sum(reasons.values())
        line += f"  accepted {len(work) - refused}/{len(work)}  refused {dict(reasons)}"
    print(line)


def main() -> None:
    """Run each voice that is configured."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", default=os.environ.get("CONFIDANTE_TEST_GGUF", ""))
    parser.add_argument("--openai-url", default="")
    parser.add_argument("--openai-model", default="")
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    work = plans(args.turns, args.seed)
    run("phrasebook", Phrasebook.load(), work)
    if args.gguf:
        from confidante.voices.llamacpp import LlamaCppVoice

        settings = Settings(locale="en_US", voice="llamacpp", gguf_path=args.gguf)
        run("llamacpp", guard_voice(LlamaCppVoice.from_settings(settings)), work)
    if args.openai_url:
        from confidante.voices.openai_compat import OpenAICompatVoice

        voice = OpenAICompatVoice(args.openai_url, args.openai_model)
        voice.check()
        run("openai", guard_voice(voice), work)


if __name__ == "__main__":
    main()
