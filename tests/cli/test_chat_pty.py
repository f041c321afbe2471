"""The interactive chat driven as a person would, through a pseudo-terminal, to the goodbye."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect

ENV_KEEP = ("PATH", "LANG", "HOME", "CONFIDANTE_HOME")


def spawn(*args: str, home: Path) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if k in ENV_KEEP}
    env.update({"CONFIDANTE_HOME": str(home), "PYTHONUNBUFFERED": "1", "LC_ALL": "en_US.UTF-8",
                # pexpect answers no cursor-position request; a real terminal does.
                "PROMPT_TOOLKIT_NO_CPR": "1"})
    return pexpect.spawn(
        sys.executable, ["-m", "confidante", "chat", *args], env=env, encoding="utf-8",
        timeout=60, dimensions=(40, 120),
    )


def wait(child: pexpect.spawn, prompt: str = "you ›") -> None:
    """Wait for a fresh line-editor prompt (it turns bracketed paste on as it starts)."""
    child.expect(re.escape("\x1b[?2004h") + r"[^\r\n]*?" + re.escape(prompt))


def end_session(child: pexpect.spawn, relief: str = "", prompt: str = "0 to 10") -> None:
    """End the hour with /end, decline to be remembered, and answer the closing 0-10 check."""
    child.sendline("/end")
    child.expect("remember")  # the offer to be remembered
    child.sendline("n")
    child.expect(prompt)
    child.sendline(relief)


def test_a_whole_session_in_the_terminal(isolated_home: Path) -> None:
    child = spawn("--seed", "3", "--locale", "en_US", home=isolated_home)
    child.expect("AI")
    child.expect("0 to 10|0 \\(light\\) to 10")
    child.sendline("8")
    wait(child)
    child.sendline("My wife ignores me and I feel so alone in that house.")
    wait(child)
    assert "your wife ignores you" in child.before.lower() or "alone" in child.before.lower() \
        or "lonely" in child.before.lower()
    child.sendline("/time")
    child.expect("minutes left")
    child.sendline("/help")
    child.expect("/end")
    child.sendline("/nonsense")
    child.expect("/help")
    child.sendline("")
    child.expect("empty")
    child.sendline("My son never calls either.")
    wait(child)
    end_session(child, "5")
    child.expect("leaving at 5")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_d_closes_gracefully(isolated_home: Path) -> None:
    child = spawn("--seed", "1", home=isolated_home)
    wait(child, "0-10 ›")
    child.sendline("")
    wait(child)
    child.sendline("I had an awful day at work.")
    wait(child)
    child.sendeof()
    child.expect("finish gently")
    child.expect("remember")
    wait(child, "›")  # Ctrl-D typed before the prompt is up would be the tty's, not ours
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in (child.before or "")


def test_ctrl_c_closes_gracefully(isolated_home: Path) -> None:
    child = spawn("--seed", "2", "--minutes", "5", home=isolated_home)
    wait(child, "0-10 ›")
    child.sendline("3")
    wait(child)
    child.sendintr()
    child.expect("finish gently")
    child.expect("0 to 10")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_crisis_in_the_terminal_names_a_local_helpline(isolated_home: Path) -> None:
    child = spawn("--seed", "1", "--locale", "en_GB", home=isolated_home)
    wait(child, "0-10 ›")
    child.sendline("")
    wait(child)
    child.sendline("I want to kill myself")
    wait(child)
    assert "116 123" in child.before or "Samaritans" in child.before
    end_session(child, prompt="0-10 ›")
    child.expect(pexpect.EOF)
    assert "Samaritans" in (child.before or "") or "116 123" in (child.before or "")


def test_words_at_the_relief_prompt_are_heard_and_read_for_safety(isolated_home: Path) -> None:
    child = spawn("--seed", "3", "--locale", "en_GB", home=isolated_home)
    child.expect("0 to 10|0 \\(light\\) to 10")
    child.sendline("honestly some nights I think everyone would be better off without me")
    child.expect("Samaritans")  # answered by the crisis protocol, not "type a whole number"
    wait(child)
    assert "whole number" not in child.before
    end_session(child)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
