"""Becoming a regular in the terminal, coming back with continuity, and a wrong passphrase."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect


def spawn(home: Path, *args: str) -> pexpect.spawn:
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CONFIDANTE_HOME": str(home),
           "PYTHONUNBUFFERED": "1", "LC_ALL": "en_US.UTF-8"}
    return pexpect.spawn(sys.executable, ["-m", "confidante", "chat", "--seed", "4", *args],
                         env=env, encoding="utf-8", timeout=90, dimensions=(40, 140))


def test_become_a_regular_and_come_back(isolated_home: Path) -> None:
    child = spawn(isolated_home)
    child.expect("0-10 › ")
    child.sendline("6")
    child.expect("you › ")
    child.sendline("My daughter Rosalind moved abroad and I miss her terribly.")
    child.expect("you › ")
    child.sendline("/end")
    child.expect(r"\(y/N\)")
    child.sendline("y")
    child.expect("› ")
    child.sendline("My daughter moved abroad; I miss her.")
    child.expect(r"\(y/N\)")
    child.sendline("y")
    child.expect("Passphrase: ")
    child.sendline("blue kettle morning")
    child.expect("again: ")
    child.sendline("blue kettle morning")
    child.expect(r"Your handle is (\S+?)\.\s")
    handle = child.match.group(1)
    child.expect("0-10 › ")
    child.sendline("3")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d+", handle)

    back = spawn(isolated_home, "--regular", handle)
    back.expect("hidden")
    back.sendline("blue kettle morning")
    back.expect("0-10 › ")
    back.sendline("")
    back.expect("you › ")
    assert "My daughter moved abroad; I miss her." in " ".join(back.before.split())
    back.sendline("She called on Sunday, which helped.")
    back.expect("you › ")
    back.sendline("/end")
    back.expect(r"\(y/N\)")
    back.sendline("n")
    back.expect("0-10 › ")
    back.sendline("")
    back.expect(pexpect.EOF)

    wrong = spawn(isolated_home, "--regular", handle)
    wrong.expect("hidden")
    wrong.sendline("not my passphrase")
    wrong.expect(pexpect.EOF)
    wrong.close()
    assert wrong.exitstatus == 1
    assert "passphrase" in (wrong.before or "").lower()
    assert "Traceback" not in (wrong.before or "")
