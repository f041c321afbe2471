"""The crisis reader: its members run side by side and read exactly as they do one after another."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from confidante.safety.reader import CrisisReader

MESSAGES = (
    "I have the pills in front of me",
    "tonight",
    "My sister ignored me at the party and it really hurt",
    "everyone would be better off without me, I've written the letters",
    "The waiting is the worst part.",
    "ok",
)


@pytest.fixture(scope="module")
def reader() -> CrisisReader:
    loaded = CrisisReader.load()
    assert loaded is not None, "the packaged reader is missing; reinstall with ./dev test"
    return loaded


def test_side_by_side_reads_what_one_after_another_reads(reader: CrisisReader) -> None:
    sequence = reader.in_sequence()
    for i, text in enumerate(MESSAGES):
        context = MESSAGES[i - 1] if i else ""
        assert reader.read(text, context) == sequence.read(text, context)


def test_many_sessions_reading_at_once_get_their_own_readings(reader: CrisisReader) -> None:
    expected = [reader.in_sequence().read(t) for t in MESSAGES]
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(reader.read, MESSAGES * 8))
    assert got == expected * 8


def test_a_plan_reads_as_crisis_and_a_heavy_ordinary_day_does_not(reader: CrisisReader) -> None:
    plan = reader.read("I'm going to take them tonight", "I have the pills in front of me")
    day = reader.read("The bus was late again and I missed the start of my shift")
    assert plan.crisis >= reader.elevated > day.crisis


FILLER = "We went to the shops and then walked the dog around the park. "
PLAN = "I have the pills ready and I'm taking them all tonight."


@pytest.mark.parametrize("chars", [3_900, 12_000], ids=["at the limit", "three times over"])
def test_a_long_message_is_read_to_its_end(reader: CrisisReader, chars: int) -> None:
    filler = (FILLER * (chars // len(FILLER)))[: chars - len(PLAN)]
    assert reader.read(filler + PLAN).crisis >= reader.elevated
    assert reader.read(filler).crisis < reader.elevated


def test_a_forked_child_reads_with_a_pool_of_its_own(reader: CrisisReader) -> None:
    import os
    import signal
    import time

    expected = reader.read(MESSAGES[0])  # the parent's pool has threads now
    pid = os.fork()
    if pid == 0:  # the child: a read must not wait on the parent's threads, which it lacks
        os._exit(0 if reader.read(MESSAGES[0]) == expected else 1)
    deadline = time.monotonic() + 30
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if done[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's read hung on the parent's thread pool")
    assert os.waitstatus_to_exitcode(done[1]) == 0
