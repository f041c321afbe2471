"""The terminal's line editor in a pseudo-terminal: arrow keys, a long paste, new lines, no history."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect

# A paste of 10,000 characters over many lines, in plain words the safety layer reads as calm.
PASTE_LINE = "I spent the afternoon sorting old letters in the attic with my sister Marguerite.\n"
PASTE = (PASTE_LINE * 200)[:10_000]


def spawn(home: Path, cpr: bool = False) -> pexpect.spawn:
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "CONFIDANTE_HOME": str(home),
           "PYTHONUNBUFFERED": "1", "LC_ALL": "en_US.UTF-8", "TERM": "xterm"}
    if not cpr:  # a test that does not answer cursor-position requests says so
        env["PROMPT_TOOLKIT_NO_CPR"] = "1"
    return pexpect.spawn(sys.executable, ["-m", "confidante", "chat", "--seed", "3",
                                          "--locale", "en_US"],
                         env=env, encoding="utf-8", timeout=60, dimensions=(40, 120))


def wait(child: pexpect.spawn, prompt: str = "you ›") -> None:
    """Wait for a fresh line-editor prompt (it turns bracketed paste on as it starts)."""
    child.expect(re.escape("\x1b[?2004h") + r"[^\r\n]*?" + re.escape(prompt))


def replies(text: str | None) -> int:
    return (text or "").count("Confidante ›")


def start(home: Path) -> pexpect.spawn:
    child = spawn(home)
    wait(child, "0-10 ›")
    child.sendline("")
    wait(child)
    return child


def finish(child: pexpect.spawn) -> None:
    child.sendline("/end")
    child.expect(r"\(y/N\)")
    child.sendline("n")
    wait(child, "0-10 ›")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_arrow_keys_edit_the_line(isolated_home: Path) -> None:
    child = start(isolated_home)
    child.send("I feel so sad toay")
    child.send("\x1b[D\x1b[D")  # left arrow twice, to put the missing letter in
    child.send("d\r")
    wait(child)
    said = child.before or ""
    assert "control characters" not in said  # the arrows did not end up in the message
    assert "you › I feel so sad today" in said  # the line as accepted, edited in place
    assert replies(said) == 1
    finish(child)


def answering(child: pexpect.spawn, pattern: str) -> str:
    """Expect ``pattern``, answering the editor's cursor-position requests as a terminal does;
    returns all that came before it."""
    seen = ""
    while child.expect([re.escape("\x1b[6n"), pattern]) == 0:
        seen += child.before or ""
        child.send("\x1b[20;1R")  # the cursor is on row 20 of 40: room below for the count
    return seen + (child.before or "")


def test_a_long_bracketed_paste_is_one_message(isolated_home: Path) -> None:
    child = spawn(isolated_home, cpr=True)
    answering(child, "0-10 ›")
    child.sendline("")
    answering(child, re.escape("\x1b[?2004h") + r"[^\r\n]*?you ›")
    child.send("\x1b[200~" + PASTE + "\x1b[201~")
    answering(child, "10,000 characters")  # the count shows below the pasted message
    child.send("\r")
    answer = answering(child, re.escape("\x1b[?2004h") + r"[^\r\n]*?you ›")
    said = " ".join(answer.split())
    # One refusal of the whole and no answer to any line: the paste did not become many messages.
    assert said.count("That message is") == 1 and replies(answer) == 0
    assert "That message is 10000 characters long and the limit is 4000" in said
    child.sendline("/end")  # nothing was taken, so there is nothing to offer to remember
    answering(child, "0-10 ›")
    child.sendline("")
    child.expect(pexpect.EOF)


def test_alt_enter_starts_a_new_line_in_one_message(isolated_home: Path) -> None:
    child = start(isolated_home)
    child.send("My brother called today.")
    child.send("\x1b\r")  # Esc, then Enter: a new line, not a send
    child.send("We had not spoken in years.\r")
    wait(child)
    assert replies(child.before) == 1
    finish(child)


def test_no_history_or_message_is_written_to_disk(isolated_home: Path) -> None:
    child = start(isolated_home)
    child.send("Marguerite found the letters from our father\r")
    wait(child)
    child.send("\x1b[A\r")  # up arrow: the history is there, in memory
    wait(child)
    assert "you › Marguerite found the letters from our father" in (child.before or "")
    finish(child)
    files = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert not [p for p in files if "hist" in p.name.lower()]
    for path in files:
        assert b"Marguerite" not in path.read_bytes(), path
