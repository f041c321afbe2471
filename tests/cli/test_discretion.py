"""Nothing of a conversation is written anywhere: canary words never reach the disk."""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

import pexpect


def canary() -> str:
    return "canary" + secrets.token_hex(6)


def files_containing(roots: list[Path], needles: list[str]) -> list[str]:
    found = []
    encoded = [n.encode() for n in needles] + [n.encode("utf-16-le") for n in needles]
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                found += [f"{path}" for n in encoded if n in data]
    return found


def wait(child: pexpect.spawn, prompt: str = "you ›") -> None:
    """Wait for a fresh line-editor prompt (it turns bracketed paste on as it starts)."""
    child.expect(re.escape("\x1b[?2004h") + r"[^\r\n]*?" + re.escape(prompt))


def test_a_session_leaves_no_canary_on_disk(tmp_path: Path) -> None:
    home, work, tmp, data = (tmp_path / d for d in ("home", "work", "tmp", "data"))
    for d in (home, work, tmp, data):
        d.mkdir()
    words = [canary() for _ in range(4)]
    env = {
        "PATH": os.environ["PATH"], "HOME": str(home), "TMPDIR": str(tmp),
        "CONFIDANTE_HOME": str(data), "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
        # pexpect answers no cursor-position request; a real terminal does.
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }
    child = pexpect.spawn(sys.executable, ["-m", "confidante", "chat", "--seed", "9"], env=env,
                          cwd=str(work), encoding="utf-8", timeout=60)
    wait(child, "0-10 ›")
    child.sendline("6")
    for word in words:
        wait(child)
        child.sendline(f"My neighbour {word} keeps shouting at my kids and I feel helpless.")
    wait(child)
    child.sendline("/end")
    child.expect("remember")
    child.sendline("n")
    wait(child, "0-10 ›")
    child.sendline("4")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert files_containing([home, work, tmp, data], words) == []
