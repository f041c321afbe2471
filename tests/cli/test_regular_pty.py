"""A regular in the terminal: slips at the opt-in and the opening cost nothing, Enter keeps the note."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect

from confidante.vault import Vault

NOTE = "My daughter moved abroad;  I miss her — Rosalind calls on Sundays."
PASSPHRASE = "blue kettle morning"


def spawn(home: Path, *args: str) -> pexpect.spawn:
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CONFIDANTE_HOME": str(home),
           "PYTHONUNBUFFERED": "1", "LC_ALL": "en_US.UTF-8",
           # pexpect answers no cursor-position request; a real terminal does.
           "PROMPT_TOOLKIT_NO_CPR": "1"}
    return pexpect.spawn(sys.executable, ["-m", "confidante", "chat", "--seed", "4", *args],
                         env=env, encoding="utf-8", timeout=90, dimensions=(40, 140))


def wait(child: pexpect.spawn, prompt: str = "you ›") -> None:
    """Wait for a fresh line-editor prompt (it turns bracketed paste on as it starts)."""
    child.expect(re.escape("\x1b[?2004h") + r"[^\r\n]*?" + re.escape(prompt))


def flat(text: str | None) -> str:
    return " ".join((text or "").split())


def become_a_regular(home: Path) -> str:
    child = spawn(home)
    wait(child, "0-10 ›")
    child.sendline("6")
    wait(child)
    child.sendline("My daughter Rosalind moved abroad and I miss her terribly.")
    wait(child)
    child.sendline("/end")
    child.expect(r"\(y/N\)")
    child.sendline("y")
    wait(child, "›")
    child.sendline(NOTE)
    child.expect(r"\(y/N\)")
    child.sendline("n")
    child.expect("at least 8 characters")  # the minimum is said before the first try
    child.expect("Passphrase: ")
    child.sendline("short")  # too short: said at once, and asked again
    child.expect("at least 8")
    child.expect("Passphrase: ")
    child.sendline(PASSPHRASE)
    child.expect("again: ")
    child.sendline("blue kettle mornign")  # a typo in the confirmation: asked again
    child.expect("didn't match")
    child.expect("Passphrase: ")
    child.sendline(PASSPHRASE)
    child.expect("again: ")
    child.sendline(PASSPHRASE)
    child.expect(r"Your handle is (\S+?)\.\s")
    handle = child.match.group(1)
    wait(child, "0-10 ›")
    child.sendline("3")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d+", handle)
    return handle


def test_slips_at_the_opt_in_keep_the_edited_note(isolated_home: Path) -> None:
    handle = become_a_regular(isolated_home)
    with Vault() as vault:
        record = vault.open(handle, PASSPHRASE)
    assert record.note == NOTE
    assert record.visits == 1


def test_a_second_visit_keeps_the_note_byte_for_byte_on_enter(isolated_home: Path) -> None:
    handle = become_a_regular(isolated_home)
    back = spawn(isolated_home, "--regular", handle)
    back.expect("hidden")
    back.sendline("not my passphrase")  # a wrong passphrase is asked again, not the end
    back.expect("try again")
    back.expect("hidden")
    back.sendline(PASSPHRASE)
    wait(back, "0-10 ›")
    opening = flat(back.before)
    assert "Welcome back" in opening and "AI listener" in opening
    assert "note you approved" in opening and "forgotten" in opening
    assert "unless you choose to be remembered" not in opening  # not the first-timer's notice
    back.sendline("")
    wait(back)
    assert "My daughter moved abroad; I miss her" in flat(back.before)
    back.sendline("My wife and my son came round on Sunday, and I felt grateful.")
    wait(back)
    back.sendline("/end")
    back.expect("The note you kept:")
    back.expect("Enter, r, a or e ›")
    shown = flat(back.before)
    assert "My daughter moved abroad; I miss her" in shown
    assert "From today" in shown  # the new draft is beside the kept note, not in its place
    back.sendline("")
    back.expect("kept exactly as it was")
    wait(back, "0-10 ›")
    back.sendline("")
    back.expect(pexpect.EOF)
    back.close()
    assert back.exitstatus == 0
    with Vault() as vault:
        record = vault.open(handle, PASSPHRASE)
    assert record.note.encode() == NOTE.encode()
    assert record.visits == 2  # counted when the regular came, though the note was not saved


def test_three_wrong_passphrases_say_what_to_do(isolated_home: Path) -> None:
    handle = become_a_regular(isolated_home)
    wrong = spawn(isolated_home, "--regular", handle)
    for _ in range(3):
        wrong.expect("hidden")
        wrong.sendline("not my passphrase")
    wrong.expect(pexpect.EOF)
    wrong.close()
    said = flat(wrong.before)
    assert wrong.exitstatus == 1
    assert "after 3 tries" in said and "recovery phrase" in said and "without --regular" in said
    assert "Traceback" not in said
    with Vault() as vault:
        assert vault.open(handle, PASSPHRASE).visits == 1  # a failed opening is no visit
