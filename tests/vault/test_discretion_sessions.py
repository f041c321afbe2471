"""A hundred real chat sessions full of canaries, some killed mid-way: none reach the disk.

Each session is a ``python -m confidante chat`` process on a pseudo-terminal, all sharing one
user's data directory. Some people ask to be remembered, with a canary in the note they approve
(sealed, so it must not appear in the clear). Some come back as regulars and change their note.
Some sessions are killed with SIGKILL mid-conversation or while their note is being saved. At the
end, the data directory, home, temp and working directories are audited for every canary.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import signal
import sqlite3
import stat
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pytest

from confidante.vault import Vault, audit_dir

SESSIONS = 100
PARALLEL = 4

# What the chat shows before each input; the earliest match in the output wins.
OPENING = r"\(hidden\): "
PASSPHRASE = r"Passphrase: "
AGAIN = r"again: "
RELIEF = r"0-10 › "
YOU = r"you › "  # TERM=dumb below: plain input(), no line editor
# The offer may wrap, and its answer may be asked for on a line of its own ("› ").
OFFER = r"next time\?[^›]*?\(y/N\)\s*(?:› )?"
THEMES = r"feelings and topics[^›]*?\(y/N\)\s*(?:› )?"
CHOICE = r"Enter, r, a or e › "  # a returning regular: keep, replace, add to or edit the note
EDIT = r"\n› "
PROMPTS = [OPENING, PASSPHRASE, AGAIN, RELIEF, YOU, OFFER, THEMES, CHOICE, EDIT, pexpect.EOF]


def canary() -> str:
    return "canary" + secrets.token_hex(6)


@dataclass
class Plan:
    """How one session goes."""

    seed: int
    words: list[str] = field(default_factory=lambda: [canary() for _ in range(4)])
    remember: str | None = None  # passphrase to be remembered with ("" = recovery phrase)
    kill_after_messages: int | None = None  # SIGKILL once this many messages were answered
    kill_while_saving: bool = False  # SIGKILL right after confirming the passphrase
    regular: tuple[str, str] | None = None  # come back as (handle, passphrase)

    @property
    def messages(self) -> list[str]:
        a, b, c, _ = self.words
        return [
            f"My neighbour {a} keeps shouting at my kids and I feel helpless.",
            f"I told my sister about {b} but she never listens to me.",
            f"Honestly I am exhausted and {c} is all I can think about at night.",
        ]

    @property
    def note(self) -> str:
        return f"Remember {self.words[3]} and the neighbour."


@dataclass
class Outcome:
    """What happened to one session."""

    plan: Plan
    status: int | None = None
    signal: int | None = None
    handle: str | None = None
    transcript: str = ""


def drive(plan: Plan, env: dict[str, str], cwd: Path) -> Outcome:
    """Play one person through a session, answering whatever the chat asks."""
    args = ["-m", "confidante", "chat", "--seed", str(plan.seed)]
    if plan.regular:
        args += ["--regular", plan.regular[0]]
    child = pexpect.spawn(
        sys.executable,
        args,
        env=env,
        cwd=str(cwd),
        encoding="utf-8",
        timeout=120,
        dimensions=(50, 200),
    )
    outcome = Outcome(plan)
    seen = io.StringIO()
    child.logfile_read = seen
    sent, reliefs = 0, 0
    try:
        while True:
            which = child.expect(PROMPTS)
            if which == PROMPTS.index(pexpect.EOF):
                break
            if which == PROMPTS.index(OPENING):
                assert plan.regular is not None
                child.sendline(plan.regular[1])
            elif which == PROMPTS.index(RELIEF):
                child.sendline("6" if reliefs == 0 else "4")
                reliefs += 1
            elif which == PROMPTS.index(YOU):
                if plan.kill_after_messages is not None and sent >= plan.kill_after_messages:
                    child.kill(signal.SIGKILL)
                    break
                if sent < len(plan.messages):
                    child.sendline(plan.messages[sent])
                    sent += 1
                else:
                    child.sendline("/end")
            elif which == PROMPTS.index(OFFER):
                child.sendline("y" if plan.remember is not None or plan.regular else "n")
            elif which == PROMPTS.index(CHOICE):
                child.sendline("e")  # write the note anew, so what is kept really changes
            elif which == PROMPTS.index(EDIT):
                child.sendline(plan.note)
            elif which == PROMPTS.index(THEMES):
                child.sendline("y")
            elif which == PROMPTS.index(PASSPHRASE):
                child.sendline(plan.remember or "")  # empty: a recovery phrase, no confirmation
            elif which == PROMPTS.index(AGAIN):
                child.sendline(plan.remember or "")
                if plan.kill_while_saving:
                    child.kill(signal.SIGKILL)
                    break
    finally:
        child.close(force=True)
        outcome.status, outcome.signal = child.exitstatus, child.signalstatus
        outcome.transcript = seen.getvalue()
    found = re.search(r"handle is\s+([a-z]+-[a-z]+-[0-9]{4})", outcome.transcript)
    outcome.handle = found.group(1) if found else None
    return outcome


def plans() -> list[Plan]:
    made = []
    for seed in range(SESSIONS):
        plan = Plan(seed=seed)
        if seed % 10 == 3:
            plan.kill_after_messages = 1 + seed % 3
        elif seed % 10 == 7:
            plan.remember, plan.kill_while_saving = f"pass phrase {seed:03d}", True
        elif seed % 5 == 0:
            plan.remember = f"pass phrase {seed:03d}"
        elif seed % 10 == 9:
            plan.remember = ""
        made.append(plan)
    return made


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_a_hundred_sessions_leave_no_canary_on_disk(tmp_path: Path) -> None:
    home, work, tmp, data = (tmp_path / d for d in ("home", "work", "tmp", "data"))
    for folder in (home, work, tmp, data):
        folder.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "CONFIDANTE_HOME": str(data),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TERM": "dumb",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect answers no cursor-position request
    }
    first = plans()
    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(pool.map(lambda p: drive(p, env, work), first))

    kept = [o for o in outcomes if o.handle and not o.plan.kill_while_saving]
    assert len(kept) >= 20, "too few sessions were remembered for the test to mean much"
    for o in outcomes:
        killed = o.plan.kill_after_messages is not None or o.plan.kill_while_saving
        assert (o.signal == signal.SIGKILL) if killed else (o.status == 0), o.plan

    # Regulars come back, and change what is remembered.
    returning = [
        Plan(seed=1000 + n, regular=(o.handle, o.plan.remember))
        for n, o in enumerate(kept[:6])
        if o.handle and o.plan.remember
    ]
    with ThreadPoolExecutor(PARALLEL) as pool:
        came_back = list(pool.map(lambda p: drive(p, env, work), returning))
    assert [o.status for o in came_back] == [0] * len(returning)

    # The notes really were kept, sealed: so their absence from the disk below means something.
    db = data / "vault.sqlite3"
    with Vault(f"sqlite:///{db}") as vault:
        for o in came_back:
            assert o.plan.regular is not None
            record = vault.open(*o.plan.regular)
            assert o.plan.words[3] in record.note and record.visits == 2
        for o in kept:
            if o.plan.remember and o.handle not in {p.regular[0] for p in returning if p.regular}:
                assert o.plan.words[3] in vault.open(o.handle or "", o.plan.remember).note
        assert len(vault.regulars()) >= len(kept)

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for path in data.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name

    words = [w for o in [*outcomes, *came_back] for w in o.plan.words]
    for root in (data, home, tmp, work):
        report = audit_dir(root, words, text=root == data)
        assert report.findings == (), [f.describe() for f in report.findings]
