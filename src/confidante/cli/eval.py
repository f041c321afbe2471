"""``confidante eval``: run the listener over ESConv conversations and report how it listened.

Each conversation's seeker messages go in (consecutive ones joined, as if typed before the
supporter answered) and the listener's replies come out, through the full ``Session`` with a
manual clock spread over the hour, so time cues, the summary and the close all happen. The report
(``report.md`` plus ``report.png``) gives the share of each move, the reflection:question ratio,
the share of complex reflections, replies that repeat a sentence, reply length and the listener's
share of words, distinct word pairs over the run (listener and ESConv's human supporters), the
EPITOME empathy scorers' mean scores (``listening/empathy.py``; rough proxies), the emotion
model's figures (its card, and how often it found the ESConv
seeker's labelled emotion), and the time per turn (p50/p99). Message text is never written.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from confidante import Listener
from confidante.conversation import Move
from confidante.errors import ConfigError
from confidante.listening.empathy import MECHANISMS, load_scorer
from confidante.session.clock import ManualClock

DEFAULT_DATA = Path("../shared/datasets/esconv/valid.jsonl")  # beside the project checkout

# ESConv's seeker emotion label -> listener feelings that count as finding it.
_ESCONV_FEELINGS = {
    "anxiety": {"anxious", "worried", "afraid", "overwhelmed"},
    "depression": {"sad", "exhausted", "stuck", "lonely", "numb", "disappointed"},
    "sadness": {"sad", "heartbroken", "lonely", "hurt", "disappointed"},
    "anger": {"angry", "frustrated", "resentful"},
    "fear": {"afraid", "anxious", "worried"},
    "shame": {"ashamed", "embarrassed", "guilty"},
    "disgust": {"disgusted", "angry"},
    "nervousness": {"anxious", "worried", "afraid"},
    "guilt": {"guilty", "ashamed"},
    "jealousy": {"jealous"},
    "pain": {"hurt", "sad"},
}
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


@dataclass
class Tally:
    """Running figures over all conversations (counts only, never text)."""

    moves: Counter[str] = field(default_factory=Counter)
    complex_reflections: int = 0
    repeats: int = 0
    replies: int = 0
    reply_words: int = 0
    person_words: int = 0
    listener_words: int = 0
    listening_words: int = 0  # replies to person turns, crisis text left out
    listening_person_words: int = 0  # the person turns those replies answered
    human_words: int = 0  # ESConv's human supporters
    seeker_words: int = 0
    cues: int = 0
    turn_ms: list[float] = field(default_factory=list)
    emotion_convs: int = 0
    emotion_found: int = 0
    supporter: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)  # listener word pairs
    human_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    empathy: Counter[str] = field(default_factory=Counter)  # summed scores, listener replies
    human_empathy: Counter[str] = field(default_factory=Counter)
    scored: int = 0
    human_scored: int = 0


def eval_(
    data: Annotated[
        Path,
        typer.Option("--data", help="ESConv split (JSON lines).", envvar="CONFIDANTE_EVAL_DATA"),
    ] = DEFAULT_DATA,
    out: Annotated[Path, typer.Option("--out", help="Folder for report.md and report.png.")] = Path(
        "reports/eval"
    ),
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many conversations; 0: all.")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the listener's choices.")] = 7,
) -> None:
    """Run the listener over ESConv conversations and write a report (markdown and a plot).

    Example usage:

        confidante eval --limit 50 --out reports/eval
    """
    from tqdm import tqdm

    convs = _read(data, limit)
    listener = Listener.default()
    tally = Tally()
    for n, conv in enumerate(tqdm(convs, desc="conversations", unit="conv")):
        _run_one(listener, conv, random.Random(seed * 100_003 + n), tally)
    out.mkdir(parents=True, exist_ok=True)
    _plot(tally, out / "report.png")
    (out / "report.md").write_text(_markdown(tally, data, len(convs), seed), encoding="utf-8")
    typer.echo(f"Wrote {out / 'report.md'} and {out / 'report.png'}.")


def _read(path: Path, limit: int) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(
            f"No ESConv data at {path}; pass --data PATH to a split such as valid.jsonl."
        )
    convs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                convs.append(json.loads(line))
            if limit and len(convs) >= limit:
                break
    return convs


def _seeker_messages(conv: dict[str, Any]) -> list[str]:
    """Seeker turns, consecutive ones joined into one message."""
    messages: list[str] = []
    previous = ""
    for turn in conv["dialog"]:
        if turn["speaker"] == "usr":
            if previous == "usr":
                messages[-1] = f"{messages[-1]} {turn['text'].strip()}"
            else:
                messages.append(turn["text"].strip())
        previous = turn["speaker"]
    return [m for m in messages if m]


def _word_pairs(text: str) -> list[tuple[str, str]]:
    words = re.findall(r"[a-z']+", text.lower())
    return list(zip(words, words[1:], strict=False))


def _score(text: str, sums: Counter[str]) -> bool:
    """Add the EPITOME scores of ``text`` to ``sums``; False when the scorers are absent."""
    scorer = load_scorer()
    if scorer is None:
        return False
    sums.update(scorer.scores(text))
    return True


def _run_one(listener: Listener, conv: dict[str, Any], rng: random.Random, tally: Tally) -> None:
    for turn in conv["dialog"]:
        if turn["speaker"] == "usr":
            tally.seeker_words += len(turn["text"].split())
        if turn["speaker"] == "sys":
            tally.human_words += len(turn["text"].split())
            tally.supporter[str(turn.get("strategy", "Others"))] += 1
            tally.human_pairs.update(_word_pairs(turn["text"]))
            tally.human_scored += _score(turn["text"], tally.human_empathy)
    messages = _seeker_messages(conv)
    clock = ManualClock()
    session = listener.session(clock=clock, rng=rng, minutes=60, locale="en_US")
    step = 60 * 60 / (len(messages) + 1)
    said: set[str] = set()
    replies = [session.open().text]
    feelings: set[str] = set()
    for message in messages:
        clock.advance(step)
        started = time.perf_counter()
        reply = session.respond(message)
        tally.turn_ms.append((time.perf_counter() - started) * 1000)
        tally.moves[reply.move.value] += 1
        tally.complex_reflections += "reflection.complex" in reply.reasons
        tally.cues += reply.cue
        tally.person_words += len(message.split())
        replies.append(reply.text)
        tally.pairs.update(_word_pairs(reply.text))
        if reply.move is not Move.CRISIS:  # the protocol's reviewed text is not the listener's
            tally.scored += _score(reply.text, tally.empathy)
            tally.listening_words += len(reply.text.split())
            tally.listening_person_words += len(message.split())
        feelings.update(session.state.turns[-1].understanding.feelings)
    replies.append(session.summary().text)
    replies.append(session.close().text)
    for text in replies:
        tally.replies += 1
        words = len(text.split())
        tally.reply_words += words
        tally.listener_words += words
        sentences = {
            " ".join(s.lower().split()).rstrip(" .?!,;:") for s in _SENTENCE_END.split(text)
        }
        tally.repeats += bool(sentences & said)
        said |= sentences
    wanted = _ESCONV_FEELINGS.get(str(conv.get("emotion_type", "")).lower())
    if wanted:
        tally.emotion_convs += 1
        tally.emotion_found += bool(wanted & feelings)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _model_card() -> list[str]:
    """The results table of the emotion model's card (the markdown beside the model), if any."""
    models = resources.files("confidante.listening").joinpath("models")
    lines: list[str] = []
    for entry in sorted(models.iterdir(), key=lambda e: e.name):
        if not entry.name.lower().endswith(".md"):
            continue
        section = ""
        for line in entry.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                section = line.lower()
            elif "result" in section and line.startswith("|") and not line.startswith("|--"):
                cells = [c.strip() for c in line.strip("|").split("|")]
                if len(cells) == 2 and cells[0] != "metric":
                    lines.append(f"- {cells[0]}: {cells[1]} ({entry.name})")
    return lines


def _markdown(t: Tally, data: Path, convs: int, seed: int) -> str:
    listening = sum(t.moves.values())
    refl = t.moves[Move.REFLECT_FEELING] + t.moves[Move.REFLECT_CONTENT]
    questions = t.moves[Move.OPEN_QUESTION]
    ratio = f"{refl / questions:.2f}" if questions else "no questions"
    supporter_total = sum(t.supporter.values())
    human_refl = t.supporter["Reflection of feelings"] + t.supporter["Restatement or Paraphrasing"]
    human_q = t.supporter["Question"]
    rows = [
        f"| {m.value} | {t.moves[m.value]} | {t.moves[m.value] / max(1, listening):.1%} |"
        for m in Move
        if t.moves[m.value]
    ]
    card = _model_card() or ["- (no model card found beside the model)"]
    found = t.emotion_found / max(1, t.emotion_convs)
    share = t.listener_words / max(1, t.listener_words + t.person_words)
    listening_share = t.listening_words / max(1, t.listening_words + t.listening_person_words)
    human_share = t.human_words / max(1, t.human_words + t.seeker_words)
    distinct = len(t.pairs) / max(1, sum(t.pairs.values()))
    human_distinct = len(t.human_pairs) / max(1, sum(t.human_pairs.values()))
    empathy = [
        f"- {m.replace('_', ' ')}: **{t.empathy[m] / t.scored:.2f}** "
        f"(human supporters {t.human_empathy[m] / max(1, t.human_scored):.2f})"
        for m in MECHANISMS
        if t.scored
    ] or ["- (no EPITOME scorers; train them with scripts/train_epitome.py)"]
    return "\n".join(
        [
            "# Confidante listening report",
            "",
            f"Data: `{data.name}`, {convs} conversations, {listening} person turns; seed {seed}.",
            "",
            "## Moves (replies to person turns)",
            "",
            "| move | replies | share |",
            "|---|---|---|",
            *rows,
            "",
            f"- reflection:question ratio: **{ratio}** (target at least 2; ESConv's human "
            f"supporters: {human_refl / max(1, human_q):.2f} over {supporter_total} turns)",
            f"- complex reflections: **{t.complex_reflections / max(1, refl):.1%}** of reflections "
            "(target more than half)",
            f"- helpful comments: **{t.moves[Move.HELPFUL_COMMENT] / max(1, listening):.1%}** of "
            "replies (target at most about one in six)",
            f"- time cues given: {t.cues}",
            f"- replies that repeat an earlier sentence of their session: **{t.repeats}** of "
            f"{t.replies} (target 0)",
            f"- mean reply length: **{t.reply_words / max(1, t.replies):.1f} words**; "
            f"listener's share of words: **{share:.1%}** (target at most 35%; in the replies to "
            f"person turns alone, crisis text left out: {listening_share:.1%}; ESConv's human "
            f"supporters: {human_share:.1%})",
            "",
            f"- distinct word pairs over the run: **{distinct:.2f}** (human supporters "
            f"{human_distinct:.2f})",
            "",
            "## Empathy (EPITOME scorers: rough proxies, mean probability per reply)",
            "",
            *empathy,
            "",
            "## Emotion model",
            "",
            *card,
            f"- ESConv seeker emotion found among the feelings understood in the conversation: "
            f"**{found:.1%}** of {t.emotion_convs} conversations",
            "",
            "## Time per turn (understand, safety, plan, phrase)",
            "",
            f"- p50 **{_percentile(t.turn_ms, 50):.2f} ms**, "
            f"p99 **{_percentile(t.turn_ms, 99):.2f} ms** over {len(t.turn_ms)} turns "
            "(target p99 under 10 ms)",
            "",
            "![moves and reply lengths](report.png)",
            "",
        ]
    )


def _plot(t: Tally, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    moves = [m for m in Move if t.moves[m.value]]
    total = max(1, sum(t.moves.values()))
    left.barh([m.value for m in moves], [t.moves[m.value] / total for m in moves], color="#5b7fa6")
    left.set_xlabel("share of replies")
    left.set_title("Moves")
    right.hist(t.turn_ms, bins=40, color="#8aa66b")
    right.set_xlabel("ms per turn")
    right.set_title("Time per turn")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
