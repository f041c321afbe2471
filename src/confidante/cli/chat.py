"""``confidante chat``: the hour in a terminal with the embedded listener.

With a model voice, a status line says once when the model stops answering (the built-in
phrasing answers meanwhile) and once when it answers again; the log's warnings about it are
kept off the terminal, where they would break into the conversation.
"""

from __future__ import annotations

import logging
import random
import sys
import threading
from dataclasses import replace

import typer

from confidante.cli.remember import Regular, offer_to_remember, open_regular
from confidante.cli.terminal import Terminal
from confidante.errors import ConfigError, InputError
from confidante.listener import Listener
from confidante.session.hour import Session
from confidante.session.prompts import prompt
from confidante.session.relief import parse_relief
from confidante.settings import Settings, check_locale
from confidante.vault.tally import Tally
from confidante.voices.base import Voice
from confidante.voices.guarded import voice_health
from confidante.voices.health import HealthWatch

_TRIES = 3  # times a relief answer may be re-asked before it counts as skipped
TICK_SECONDS = 5.0  # how often a quiet terminal checks for a due time cue


class ChatLoop:
    """Drives one session in a terminal, from the notice to the goodbye."""

    def __init__(self, session: Session, term: Terminal, regular: Regular | None = None,
                 settings: Settings | None = None, tally: Tally | None = None,
                 voice: Voice | None = None) -> None:
        self.session = session
        self.voice = voice  # the listener's voice, to say when a model stops answering
        self._health = HealthWatch(voice_health(voice) if voice else None)
        self.term = term
        self.regular = regular
        self.settings = settings
        self.tally = tally  # the operator's yearly referral counts, when a database is set
        self._speaker = prompt("terminal.listener")
        self._told_time_up = False  # in a crisis the hour runs on; say so only once
        # The session is not thread-safe: replies and the quiet-time ticker take turns.
        self._lock = threading.Lock()
        self._waiting = False  # True while the prompt waits for the person

    def tick(self) -> None:
        """While the person is quiet at the prompt: give a due time cue, or say the hour is up."""
        with self._lock:
            if not self._waiting or self.session.closed:
                return
            cue = self.session.due_cue()
            if cue is not None:
                text = cue.text
            elif self.session.time_up and not self._told_time_up:
                self._told_time_up = True
                text = self.session.time_text(quiet=self.session.should_close)
            else:
                return
            self.term.blank()
            self.term.say(text, prefix=self._speaker)
            self.term.prompt_again(prompt("terminal.you"))

    def _ticking(self, stop: threading.Event) -> None:
        while not stop.wait(TICK_SECONDS):
            self.tick()

    def run(self) -> None:
        """The whole hour; Ctrl-C and Ctrl-D lead to a graceful close, never a traceback."""
        try:
            self._say(self.session.disclosure().text)
            score, words = self._ask_relief(prompt("relief.before"))
            self.session.set_relief_before(score)
            self._say(self.session.open().text)
            if words:
                self._answer(words)  # they began to talk at the 0-10 prompt: heard, not refused
            self._status()
            stop = threading.Event()
            if sys.stdin.isatty():  # only a person at a terminal sits quietly at the prompt
                threading.Thread(target=self._ticking, args=(stop,), daemon=True).start()
            try:
                self._listen()
            finally:
                stop.set()
        except (EOFError, KeyboardInterrupt):
            self.term.blank()
            self.term.say(prompt("terminal.interrupted"))
        self._close()

    def _listen(self) -> None:
        """The middle: read, answer, until /end, end of input or the end of the hour."""
        while True:
            self._waiting = True
            try:
                line = self.term.ask(prompt("terminal.you"))
            finally:
                self._waiting = False
            command = line.strip().lower()
            if command.startswith("/") or (not command and self.session.should_close):
                if command in ("/end", "/quit", "/exit") or not command:
                    return
                if command == "/time":
                    self.term.say(self.session.time_text())
                elif command == "/help":
                    self.term.say(prompt("terminal.help"))
                else:
                    self.term.say(prompt("terminal.unknown_command"))
                continue
            if not self._answer(line):
                continue
            self._status()
            if self.session.time_up:
                if self.session.should_close:
                    self.term.say(self.session.time_text())
                    return
                if not self._told_time_up:
                    self.term.say(self.session.time_text())
                    self._told_time_up = True

    def _close(self) -> None:
        """Summary, the offer to be remembered, the relief check again, goodbye."""
        session = self.session
        if session.closed:
            return
        try:
            if session.state.turns:
                self._say(session.summary().text)
                offer_to_remember(self.term, session.memory_draft(), self.regular, self.settings)
            score, words = self._ask_relief(prompt("relief.after"))
            if words:
                self._answer(words)  # said at the last check: still read, and answered
            session.set_relief_after(score)
        except (EOFError, KeyboardInterrupt):
            self.term.blank()
        self._say(session.close().text)

    def _ask_relief(self, question: str) -> tuple[int | None, str]:
        """Ask the 0-10 question; Enter skips. Words instead of a number are the person talking:
        they are returned to be answered (and read for safety), never refused; a number out of
        range is asked again a few times."""
        self.term.say(question)
        for _ in range(_TRIES):
            answer = self.term.ask("0-10 › ")
            try:
                return parse_relief(answer), ""
            except InputError as err:
                if not answer.strip().lstrip("-").isdigit():
                    return None, answer
                self.term.say(str(err))
        return None, ""

    def _answer(self, line: str) -> bool:
        """Answer one message and say the reply; False when it could not be taken."""
        try:
            with self._lock:
                reply = self.session.respond(line)
            if reply.referral and self.tally is not None:
                self.tally.record(reply.kind)  # a failed count never stops the reply
        except InputError as err:
            self.term.say(str(err))
            return False
        self._say(reply.text)
        return True

    def _say(self, text: str) -> None:
        self.term.blank()
        self.term.say(text, prefix=self._speaker)
        self.term.blank()

    def _status(self) -> None:
        """Say once that the model voice stopped answering, or answers again."""
        news = self._health.news(voice_health(self.voice)) if self.voice else None
        if news:
            self.term.say(news)


def _locale_option(value: str | None) -> str | None:
    """Refuse a --locale that is no locale name, as a usage error (exit code 2)."""
    if value is None:
        return None
    try:
        return check_locale(value)
    except ConfigError as err:
        raise typer.BadParameter(str(err)) from None


def chat(
    minutes: int = typer.Option(
        None, "--minutes", "-m", min=1, max=600,
        help="Length of the session in minutes (default 60).",
    ),
    locale: str = typer.Option(
        None, "--locale", "-l", callback=_locale_option,
        help="Locale for helplines, such as en_GB (default: the system's).",
    ),
    regular: str = typer.Option(
        None, "--regular", "-r",
        help="Your handle, to come back as a regular (asks your passphrase).",
    ),
    seed: int = typer.Option(None, "--seed", help="Seed the wording, for a repeatable run."),
) -> None:
    """Talk for an hour with the embedded listener; nothing is kept unless you ask.

    Example usage:

        confidante chat

        confidante chat --minutes 30 --locale en_GB
    """
    settings = Settings.from_env()
    if minutes:
        settings = replace(settings, minutes=minutes)
    if locale:
        settings = replace(settings, locale=locale)
    term = Terminal(limit=settings.max_message_chars)
    listener = Listener.default(settings)
    opened = open_regular(term, regular, settings) if regular else None
    session = listener.session(
        rng=random.Random(seed), continuity=opened.record.note if opened else None
    )
    tally = Tally(settings.database_url) if settings.database_url else None
    _quiet_voice_log()
    ChatLoop(session, term, opened, settings, tally, listener.voice).run()


def _quiet_voice_log() -> None:
    """Keep the voices' warnings off the terminal: the status line says them in the chat."""
    voices = logging.getLogger("confidante.voices")
    if not voices.handlers:  # with no handler, Python prints warnings to stderr
        voices.addHandler(logging.NullHandler())
