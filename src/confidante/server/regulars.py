"""Regulars over the API: open last time's note, keep a new one, update one (via ``Vault``).

These calls are blocking (Argon2id stretching takes a fraction of a second and 64 MiB), so routes
run them in worker threads under a small capacity limit. A wrong passphrase and an unknown handle
get the same answer, so the API cannot be used to learn which handles exist.
"""

from __future__ import annotations

from collections.abc import Sequence

from confidante.errors import InputError, NotFoundError, VaultBusyError, VaultError, WrongKeyError
from confidante.server.problems import Problem
from confidante.server.schemas import Remembered
from confidante.session.prompts import prompt
from confidante.settings import Settings
from confidante.vault import RegularRecord, Vault


def _vault(settings: Settings) -> Vault:
    return Vault(settings.database_url or None)


def _problem(err: Exception) -> Problem:
    """Vault errors as API errors; the vault's wording never quotes a note."""
    if isinstance(err, WrongKeyError | NotFoundError):
        return Problem(403, "regular_closed")
    if isinstance(err, VaultBusyError):
        return Problem(409, "vault_busy")
    if isinstance(err, InputError):
        return Problem(400, "invalid", text=str(err))
    return Problem(400, "vault_failed", why=str(err))


def open_note(settings: Settings, handle: str, passphrase: str) -> RegularRecord:
    """A regular's record, opened with their passphrase or recovery phrase (403 otherwise)."""
    try:
        with _vault(settings) as vault:
            return vault.open(handle, passphrase)
    except (VaultError, InputError) as err:
        raise _problem(err) from None


def create_note(
    settings: Settings,
    note: str,
    feelings: Sequence[str],
    topics: Sequence[str],
    passphrase: str | None,
) -> Remembered:
    """Keep a new regular's note; without a passphrase a recovery phrase is made, shown once."""
    try:
        with _vault(settings) as vault:
            handle, recovery = vault.create(note, feelings, topics, passphrase=passphrase)
    except (VaultError, InputError) as err:
        raise _problem(err) from None
    saved = prompt("remember.saved", handle=handle)
    return Remembered(handle=handle, recovery=recovery, text=saved)


def update_note(
    settings: Settings,
    handle: str,
    passphrase: str,
    note: str,
    feelings: Sequence[str],
    topics: Sequence[str],
) -> Remembered:
    """Replace a returning regular's note (their passphrase unlocks it)."""
    try:
        with _vault(settings) as vault:
            vault.update(handle, passphrase, note, feelings, topics)
    except (VaultError, InputError) as err:
        raise _problem(err) from None
    return Remembered(handle=handle, recovery=None, text=prompt("remember.updated"))
