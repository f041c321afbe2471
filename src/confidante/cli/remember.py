"""Becoming a regular from the terminal: open last time's note, or keep an approved one.

Nothing a person wrote is lost to a slip: a wrong passphrase at the opening is asked again, a
mistyped confirmation or a too-short passphrase at the opt-in asks again with the note still held,
and a returning regular's Enter keeps the note they kept, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from confidante.cli.terminal import Terminal
from confidante.errors import ConfidanteError, InputError, WrongKeyError
from confidante.session.hour import MemoryDraft
from confidante.session.prompts import prompt
from confidante.settings import Settings
from confidante.vault import RegularRecord, Vault
from confidante.vault.phrases import MIN_PASSPHRASE_CHARS, check_passphrase

#: Tries at a passphrase before giving up: the Argon2 cost of each is the delay between them.
TRIES = 3


@dataclass(frozen=True)
class Regular:
    """A regular who opened their note for this session (the passphrase stays in memory)."""

    record: RegularRecord
    passphrase: str


def _vault(settings: Settings | None) -> Vault:
    return Vault((settings.database_url or None) if settings else None)


def open_regular(term: Terminal, handle: str, settings: Settings) -> Regular:
    """Ask for the passphrase (a few tries), open the note and count today's visit."""
    vault = _vault(settings)
    try:
        for attempt in range(1, TRIES + 1):
            passphrase = term.ask_secret(prompt("remember.opening_passphrase", handle=handle))
            try:
                return Regular(vault.visit(handle, passphrase), passphrase)
            except WrongKeyError:
                if attempt < TRIES:
                    term.say(prompt("remember.opening_retry"))
        raise WrongKeyError(prompt("remember.opening_gave_up", handle=handle, tries=TRIES))
    finally:
        vault.close()


def _yes(answer: str) -> bool:
    return answer.strip().lower() in ("y", "yes")


def offer_to_remember(
    term: Terminal, draft: MemoryDraft, regular: Regular | None, settings: Settings | None
) -> None:
    """Offer to keep an approved note; keep only what the person approves, under their key."""
    if regular is not None:
        _update_regular(term, draft, regular, settings)
        return
    term.say(prompt("remember.offer"))
    if not _yes(term.ask("› ")):
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
    feelings, topics = _themes(term, draft)
    passphrase = _new_passphrase(term)
    if passphrase is None:
        term.say(prompt("remember.gave_up", tries=TRIES, min=MIN_PASSPHRASE_CHARS))
        return
    vault = _vault(settings)
    try:
        handle, recovery = vault.create(note, feelings, topics, passphrase=passphrase or None)
        term.say(prompt("remember.saved_recovery" if recovery else "remember.saved", handle=handle))
        if recovery:
            term.say(prompt("remember.recovery", phrase=recovery))
    except ConfidanteError as err:
        # The note is not lost from the screen; the person can try again next time.
        term.say(str(err))
    finally:
        vault.close()


def _themes(term: Terminal, draft: MemoryDraft) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Today's feelings and topics, if the person agrees to keep them; else none."""
    themes = [*draft.feelings, *(t.replace("_", " ") for t in draft.topics)]
    if not themes:
        return (), ()
    term.say(prompt("remember.themes", themes=", ".join(themes)))
    return (draft.feelings, draft.topics) if _yes(term.ask("› ")) else ((), ())


def _new_passphrase(term: Terminal) -> str | None:
    """A passphrase typed twice and long enough ("" for a recovery phrase); None after 3 slips."""
    term.say(prompt("remember.passphrase", min=MIN_PASSPHRASE_CHARS))
    for _ in range(TRIES):
        passphrase = term.ask_secret("Passphrase")
        if not passphrase:
            return ""
        try:
            check_passphrase(passphrase)
        except InputError as err:
            term.say(str(err))  # said before the confirmation, so nothing is typed twice in vain
            continue
        if term.ask_secret(prompt("remember.confirm")) == passphrase:
            return passphrase
        term.say(prompt("remember.mismatch"))
    return None


def _update_regular(
    term: Terminal, draft: MemoryDraft, regular: Regular, settings: Settings | None
) -> None:
    """Show the kept note beside today's draft; Enter keeps it, or replace, add or edit."""
    kept = regular.record
    if kept.note:
        term.say(prompt("remember.kept"))
        term.say(kept.note, prefix="  ")
    if draft.note:
        term.say(prompt("remember.new_draft"))
        term.say(draft.note, prefix="  ")
    suffix = "" if draft.note else "_no_draft"
    term.say(prompt("remember.choose" + suffix))
    letters = "rae" if draft.note else "e"
    for _ in range(TRIES):
        choice = term.ask(prompt("remember.choice" + suffix)).strip().lower()[:1]
        if not choice or choice in letters:
            break
        term.say(prompt("remember.unknown_choice"))
    else:
        choice = ""
    if choice == "r":
        note = draft.note
    elif choice == "a":
        note = f"{kept.note} {draft.note}" if kept.note else draft.note
    elif choice == "e":
        term.say(prompt("remember.rewrite"))
        note = term.ask("› ").strip() or kept.note
    else:
        note = kept.note
    if note == kept.note:
        term.say(prompt("remember.kept_as_is"))  # nothing is rewritten: the note stays as it was
        return
    feelings, topics = _themes(term, draft)
    if not feelings and not topics:
        feelings, topics = kept.feelings, kept.topics
    vault = _vault(settings)
    try:
        vault.update(kept.handle, regular.passphrase, note, feelings, topics, visit=False)
        term.say(prompt("remember.updated"))
    except ConfidanteError as err:
        term.say(str(err))
    finally:
        vault.close()
