"""Becoming a regular from the terminal: open last time's note, or keep an approved one."""

from __future__ import annotations

from dataclasses import dataclass

from confidante.cli.terminal import Terminal
from confidante.errors import ConfidanteError
from confidante.session.hour import MemoryDraft
from confidante.session.prompts import prompt
from confidante.settings import Settings
from confidante.vault import RegularRecord, Vault


@dataclass(frozen=True)
class Regular:
    """A regular who opened their note for this session (the passphrase stays in memory)."""

    record: RegularRecord
    passphrase: str


def _vault(settings: Settings | None) -> Vault:
    return Vault((settings.database_url or None) if settings else None)


def open_regular(term: Terminal, handle: str, settings: Settings) -> Regular:
    """Ask for the passphrase and open the regular's note; errors say what to do next."""
    passphrase = term.ask_secret(prompt("remember.opening_passphrase", handle=handle))
    vault = _vault(settings)
    try:
        return Regular(vault.open(handle, passphrase), passphrase)
    finally:
        vault.close()


def _yes(answer: str) -> bool:
    return answer.strip().lower() in ("y", "yes")


def offer_to_remember(
    term: Terminal, draft: MemoryDraft, regular: Regular | None, settings: Settings | None
) -> None:
    """Offer to keep an approved note; keep only what the person approves, under their key."""
    if not draft.note and regular is not None:
        draft = MemoryDraft(regular.record.note, draft.feelings, draft.topics)
    if not _yes(term.ask(prompt("remember.offer") + " ")):
        return
    if draft.note:
        term.say(prompt("remember.draft"))
        term.say(draft.note, prefix="  ")
        term.say(prompt("remember.edit"))
    else:
        term.say(prompt("remember.write"))
    edited = term.ask("› ").strip()
    note = draft.note if not edited else ("" if edited == "-" else edited)
    if not note:
        term.say(prompt("remember.nothing"))
        return
    themes = [*draft.feelings, *(t.replace("_", " ") for t in draft.topics)]
    keep_themes = bool(themes) and _yes(
        term.ask(prompt("remember.themes", themes=", ".join(themes)) + " ")
    )
    feelings = draft.feelings if keep_themes else ()
    topics = draft.topics if keep_themes else ()
    vault = _vault(settings)
    try:
        if regular is not None:
            vault.update(regular.record.handle, regular.passphrase, note, feelings, topics)
            term.say(prompt("remember.updated"))
            return
        term.say(prompt("remember.passphrase"))
        passphrase = term.ask_secret("Passphrase")
        if passphrase and term.ask_secret(prompt("remember.confirm")) != passphrase:
            term.say(prompt("remember.mismatch"))
            return
        handle, recovery = vault.create(note, feelings, topics, passphrase=passphrase or None)
        term.say(prompt("remember.saved", handle=handle))
        if recovery:
            term.say(prompt("remember.recovery", phrase=recovery))
    except ConfidanteError as err:
        # The note is not lost from the screen; the person can try again next time.
        term.say(str(err))
    finally:
        vault.close()
