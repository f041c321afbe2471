"""The lexicon engine: slang, idioms, clauses, negation, subject and tense."""

from __future__ import annotations

import pytest

from confidante.errors import DataFileError
from confidante.safety.lexicon import Lexicon, _compile
from confidante.safety.text import clause_spans, clauses, normalise, normalise_sentence


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


def test_normalise_folds_apostrophes_and_emphasis() -> None:
    assert normalise("I\u2019m  SOOOO tired") == "i'm so tired"
    assert normalise("I WANT TO DIEEEE") == "i want to die"


def test_clauses_split_on_punctuation_and_but() -> None:
    text = "i'm not suicidal, but i want to die; years ago i tried"
    assert clauses(text) == ["i'm not suicidal", "i want to die", "years ago i tried"]
    assert [text[a:b] for a, b in clause_spans(text)] == clauses(text)


def test_normalise_sentence() -> None:
    assert normalise_sentence("  Are you SAFE   right now?! ") == "are you safe right now"


def test_slang_is_spelled_out(lexicon: Lexicon) -> None:
    assert lexicon.spell("im gonna kms rn") == "i'm going to kill myself right now"
    assert lexicon.spell("dont u") == "don't you"
    assert lexicon.spell("thinking of self-deleting") == "thinking of kill myself"


def test_idioms_are_blanked(lexicon: Lexicon) -> None:
    text, found = lexicon.prepare("this traffic is killing me")
    assert "killing" not in text
    assert found == ("idiom.killing_me",)


def _ids(lexicon: Lexicon, text: str) -> set[str]:
    return {h.rule.id for h in lexicon.scan(text).hits}


def test_negation_is_judged_in_the_clause(lexicon: Lexicon) -> None:
    scan = lexicon.scan("I'm not suicidal, just worn out")
    assert scan.hits == () and scan.negated == ("ideation.suicidal",)
    assert "suicidal" not in scan.prepared  # the model does not see the negated phrase
    assert "ideation.want_die" in _ids(lexicon, "I'm not suicidal, but I want to die")
    # Phrases that look negative but are not negations.
    assert "ideation.suicidal" in _ids(lexicon, "I've never felt so suicidal")
    assert "ideation.kill_self" in _ids(lexicon, "the only reason I didn't kill myself is my cat")


def test_subject(lexicon: Lexicon) -> None:
    (hit,) = lexicon.scan("my friend says she wants to die").hits
    assert hit.third_party
    (hit,) = lexicon.scan("he makes me want to die").hits
    assert not hit.third_party
    assert all(h.third_party for h in lexicon.scan("my brother wants to kill himself").hits)


def test_tense(lexicon: Lexicon) -> None:
    assert all(h.past for h in lexicon.scan("I tried to kill myself years ago").hits)
    assert not any(
        h.past for h in lexicon.scan("I tried to kill myself years ago and again lately").hits
    )


def test_lookaheads_do_not_eat_word_prefixes(lexicon: Lexicon) -> None:
    # "(?! to)" once blocked "kill myself tonight"; each lookahead now ends at a word boundary.
    assert "ideation.kill_self" in _ids(lexicon, "I will kill myself tonight")


def test_bad_patterns_name_the_file() -> None:
    with pytest.raises(DataFileError, match="lexicon.toml"):
        _compile("<nope>", {}, "rule x")
    with pytest.raises(DataFileError, match="bad pattern"):
        _compile("(unclosed", {}, "rule x")
