"""The terminal: print wrapped text, read a line or a hidden passphrase. Keeps no history."""

from __future__ import annotations

import getpass
import shutil
import sys
import textwrap
from typing import TextIO


class Terminal:
    """Reads and writes one person's terminal; nothing it sees is written anywhere else."""

    def __init__(self, out: TextIO | None = None, width: int | None = None) -> None:
        self._out = out or sys.stdout
        self._width = width or min(88, shutil.get_terminal_size((80, 24)).columns)

    def say(self, text: str, prefix: str = "") -> None:
        """Print ``text`` wrapped to the terminal, with ``prefix`` on the first line."""
        for number, paragraph in enumerate(text.split("\n")):
            lead = prefix if number == 0 else " " * len(prefix)
            wrapped = textwrap.fill(
                paragraph,
                width=self._width,
                initial_indent=lead,
                subsequent_indent=" " * len(prefix),
                replace_whitespace=False,
            ) if paragraph.strip() else ""
            print(wrapped, file=self._out)
        self._out.flush()

    def blank(self) -> None:
        """An empty line, to let the conversation breathe."""
        print(file=self._out)

    def ask(self, prompt: str) -> str:
        """Read one line; raises EOFError (Ctrl-D) or KeyboardInterrupt (Ctrl-C)."""
        self._out.flush()
        return input(prompt)

    def prompt_again(self, prompt: str) -> None:
        """Show the input prompt again after printing while the person was typing nothing."""
        print(prompt, end="", file=self._out, flush=True)

    def ask_secret(self, prompt: str) -> str:
        """Read a passphrase without echo."""
        return getpass.getpass(prompt + ": ")
