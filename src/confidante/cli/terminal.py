"""The terminal: print wrapped text, read a line or a hidden passphrase. Keeps no history.

At a real terminal lines are read with prompt_toolkit: the arrow keys edit the line, a paste
(bracketed paste) arrives whole as one message, newlines and all, with no 4,095-character cut,
and Alt-Enter starts a new line on purpose. Its history lives in memory for the session only:
nothing is written to disk (no history file, no editor temp file). Piped input is read with
``input()``.
"""

from __future__ import annotations

import getpass
import os
import shutil
import sys
import textwrap
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.patch_stdout import patch_stdout
from prompt_toolkit.styles import Style

from confidante.session.prompts import prompt as wording

#: A message longer than this, or of more than one line, shows its length as it is typed.
_COUNT_FROM = 200


def _bindings() -> KeyBindings:
    """Alt-Enter (Esc, then Enter) puts a new line into the message instead of sending it."""
    keys = KeyBindings()

    @keys.add("escape", "enter")
    def _new_line(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return keys


class _LineEditor:
    """A prompt_toolkit session whose history is held in memory only."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._session: PromptSession[str] = PromptSession(
            history=InMemoryHistory(),  # never a FileHistory: what was typed stays in memory
            key_bindings=_bindings(),
            enable_open_in_editor=False,  # an external editor would write the message to a file
            bottom_toolbar=self._count,
            # The toolbar is blank until there is a count to show, so it must not be a bar.
            style=Style.from_dict({"bottom-toolbar": "noreverse"}),
        )

    def _count(self) -> str:
        text = self._session.default_buffer.text
        if len(text) <= _COUNT_FROM and "\n" not in text:
            return ""
        return wording("terminal.count", length=f"{len(text):,}", limit=f"{self._limit:,}")

    def read(self, prompt: str) -> str:
        # Lines printed by another thread while the person types appear above the prompt.
        with patch_stdout(raw=True):
            return self._session.prompt(prompt)


class Terminal:
    """Reads and writes one person's terminal; nothing it sees is written anywhere else."""

    def __init__(
        self,
        out: TextIO | None = None,
        width: int | None = None,
        *,
        limit: int = 4000,
        editor: bool | None = None,
    ) -> None:
        """``out`` defaults to standard output; ``limit`` is the longest message, for the
        count shown while typing; ``editor`` forces the line editor on or off (by default on
        when both standard input and output are a terminal)."""
        self._given = out
        self._width = width or min(88, shutil.get_terminal_size((80, 24)).columns)
        if editor is None:
            # A "dumb" terminal cannot move the cursor: plain input() serves it better.
            editor = (out is None and sys.stdin.isatty() and sys.stdout.isatty()
                      and os.environ.get("TERM") != "dumb")
        self._editor = _LineEditor(limit) if editor else None

    @property
    def _out(self) -> TextIO:
        # Looked up each time, so that printing while the line editor waits goes above it.
        return self._given or sys.stdout

    def say(self, text: str, prefix: str = "") -> None:
        """Print ``text`` wrapped to the terminal, with ``prefix`` on the first line."""
        out = self._out
        for number, paragraph in enumerate(text.split("\n")):
            lead = prefix if number == 0 else " " * len(prefix)
            wrapped = textwrap.fill(
                paragraph,
                width=self._width,
                initial_indent=lead,
                subsequent_indent=" " * len(prefix),
                replace_whitespace=False,
            ) if paragraph.strip() else ""
            print(wrapped, file=out)
        out.flush()

    def blank(self) -> None:
        """An empty line, to let the conversation breathe."""
        print(file=self._out)

    def ask(self, prompt: str) -> str:
        """Read one message; raises EOFError (Ctrl-D) or KeyboardInterrupt (Ctrl-C)."""
        if self._editor is not None:
            return self._editor.read(prompt)
        self._out.flush()
        return input(prompt)

    def prompt_again(self, prompt: str) -> None:
        """Show the input prompt again after printing while the person was typing nothing."""
        if self._editor is None:  # the line editor redraws its own prompt
            print(prompt, end="", file=self._out, flush=True)

    def ask_secret(self, prompt: str) -> str:
        """Read a passphrase without echo."""
        return getpass.getpass(prompt + ": ")
