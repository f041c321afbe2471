"""Pronoun reflection on tricky inputs: subject and object "you", agreement, contractions."""

from __future__ import annotations

import pytest

from confidante.listening import reflect

CASES = [
    ("my wife ignores me", "your wife ignores you"),
    ("I told him he was wrong about me", "you told him he was wrong about you"),
    ("I am so tired", "you are so tired"),
    ("I'm tired of it", "you're tired of it"),
    ("I was stupid to trust her", "you were stupid to trust her"),
    ("I wasn't ready", "you weren't ready"),
    ("I really was trying", "you really were trying"),
    ("I hate myself for it", "you hate yourself for it"),
    ("that car was mine", "that car was yours"),
    ("we argue about our kids", "you argue about your kids"),
    ("they never invite us", "they never invite you"),
    ("I've lost my job", "you've lost your job"),
    ("I'd rather not say", "you'd rather not say"),
    ("I'll never forgive him", "you'll never forgive him"),
    # "you" said to the listener: subject becomes "I", object becomes "me"
    ("you never listen to me", "I never listen to you"),
    ("I think you are judging me", "you think I am judging you"),
    ("I love you", "you love me"),
    ("I told you that already", "you told me that already"),
    ("you were right about my mother", "I was right about your mother"),
    ("you're the only one I can talk to", "I'm the only one you can talk to"),
    ("it's easier when you listen", "it's easier when I listen"),
    ("he gave your number to me", "he gave my number to you"),
    # inverted questions
    ("am I crazy", "are you crazy"),
    ("was I wrong", "were you wrong"),
    ("are you a real person", "am I a real person"),
    # case and punctuation are kept around swapped words
    ("My son, Tom, won't talk to me.", "your son, Tom, won't talk to you."),
    ("I\u2019m scared", "you're scared"),
    ("Sarah left me", "Sarah left you"),
    ("i feel like i failed", "you feel like you failed"),
]


@pytest.mark.parametrize(("said", "reflected"), CASES)
def test_reflect(said: str, reflected: str) -> None:
    assert reflect(said) == reflected


def test_reflect_leaves_third_person_alone() -> None:
    text = "She was there and he was not; they are fine."
    assert reflect(text) == text


def test_reflect_keeps_spacing_and_empty_text() -> None:
    assert reflect("") == ""
    assert reflect("I  am\there") == "you  are\there"
