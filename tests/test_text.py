"""The shared text pieces: one normaliser and one negation rule set for every layer."""

from __future__ import annotations

import re

from confidante.datafiles import load_toml
from confidante.listening.emotion import FeelingMap
from confidante.listening.lexicon import load_lexicon
from confidante.listening.readings import load_readings
from confidante.text import negation, normalise


def test_normalise_folds_curly_apostrophes_quotes_case_and_emphasis() -> None:
    assert normalise("I\u2019m  SOOOO \u201ctired\u201d") == 'i\'m so "tired"'


def test_the_listener_reads_negation_with_the_shared_set() -> None:
    shared = negation().negators
    assert shared <= FeelingMap.load().negators
    feelings = tuple(load_lexicon().feelings)
    pattern = load_readings(feelings).negators
    for word in shared:
        assert re.search(pattern + "hurt", f"she {word} hurt"), word
    assert load_readings(feelings).negated("she hasn't ever hurt me", ["hurt"]) == ("hurt",)


def test_safety_negators_are_a_subset_of_the_shared_set() -> None:
    # Safety keeps a narrower list on purpose ("I haven't eaten in days" is a danger), but never
    # negates with a word the listener would not also read as a negation.
    safety = set(load_toml("confidante.safety", "data/lexicon.toml")["markers"]["negators"])
    assert safety <= negation().negators


def test_what_only_looks_negative_is_not_a_negation() -> None:
    neg = negation()
    assert not neg.negates_text(normalise("I'm not sure I want to"), 4)
    assert neg.negates_text(normalise("I would never want to"), 4)
    assert not neg.negates(["i", "really", "want"], 4)


def test_safety_and_listening_normalise_alike() -> None:
    from confidante.safety.text import normalise as safety_normalise

    text = "I\u2019m SOOOO \u201ctired\u201d   of it"
    assert safety_normalise(text) == normalise(text)
