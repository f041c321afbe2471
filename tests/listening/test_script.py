"""The policy's script (data/policy.toml): its word sets are feelings defined in TOML, its
rules exist, and every reason a candidate can carry has a weight."""

from __future__ import annotations

import re
from pathlib import Path

from confidante.listening.lexicon import load_lexicon, read_toml
from confidante.listening.rules import Rules
from confidante.listening.script import load_script

LISTENING = Path(__file__).parents[2] / "src" / "confidante" / "listening"
# the candidate makers: the rules, the weighted candidates, and the makers of shaped reflections
MAKERS = [LISTENING / "rules.py", LISTENING / "candidates.py", LISTENING / "shapes.py"]


def _defined_feelings() -> set[str]:
    """Every feeling the listener's TOML files define: model labels, cues, self-named words."""
    feelings = read_toml("feelings.toml")
    lexicon = read_toml("lexicon.toml")
    defined = {w for words in feelings["labels"].values() for w in words}
    defined |= set(feelings["cues"]) | set(lexicon["feelings"]) | set(lexicon["self_named"])
    return defined


def test_every_feeling_set_holds_only_feelings_defined_in_toml() -> None:
    script, defined = load_script(), _defined_feelings()
    for name in ("heavy", "positive", "passing"):
        unknown = set(getattr(script, name)) - defined
        assert not unknown, f"[sets].{name} has words no feelings file defines: {unknown}"


def test_passing_feelings_are_positive_ones() -> None:
    script = load_script()
    assert script.passing <= script.positive


def test_topic_sets_name_topics_of_the_lexicon() -> None:
    script, topics = load_script(), {t.id for t in load_lexicon().topics}
    assert script.concrete <= topics and script.tender <= topics
    assert script.meanings <= topics


def test_every_topic_with_a_meaning_has_its_wording() -> None:
    bank = read_toml("phrases.toml", "confidante.voices")["moves"]["reflect_content"]
    for topic in load_script().meanings:
        assert bank.get(f"meaning_{topic}"), f"phrases.toml lacks meaning_{topic}"


def test_every_rule_in_the_order_exists() -> None:
    rules = Rules(load_lexicon(), load_script())
    assert [name for name, _ in rules.ordered] == list(load_script().order)


def test_every_weighted_reason_in_the_rules_has_a_weight_and_no_weight_is_orphaned() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in MAKERS)
    weights = load_script().weights
    used = {w for w in weights if f'"{w}"' in source}
    assert used == set(weights), set(weights) - used
    # the first reason of each candidate plan in rules.py is one of the weighted ids
    for why in re.findall(r'why = "([a-z_.]+)"', source):
        assert why in weights, why
