"""A regular's note over the API: open last time's, keep a new one, update one.

``Notes`` holds the app's one ``Vault``, opened (and its database migrated) on the first call
and closed with the app, rather than one per request. Its calls are blocking (Argon2id stretching
takes a fraction of a second and 64 MiB), so routes run them in worker threads under a small
capacity limit. A wrong passphrase and an unknown handle get the same answer, so the API cannot
be used to learn which handles exist.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from confidante.errors import InputError, NotFoundError, VaultBusyError, VaultError, WrongKeyError
from confidante.server.problems import Problem
from confidante.server.schemas import Remembered
from confidante.session.prompts import prompt
from confidante.vault import RegularRecord, Vault


def _problem(err: Exception) -> Problem:
    """Vault errors as API errors; the vault's wording never quotes a note."""
    if isinstance(err, WrongKeyError | NotFoundError):
        return Problem(403, "regular_closed")
    if isinstance(err, VaultBusyError):
        return Problem(409, "vault_busy")
    if isinstance(err, InputError):
        return Problem(400, "invalid", text=str(err))
    return Problem(400, "vault_failed", why=str(err))


class Notes:
    """The regulars' notes of one app, in the vault at ``url`` (empty: the user directory)."""

    def __init__(self, url: str = "") -> None:
        self._url = url or None
        self._vault: Vault | None = None
        self._lock = threading.Lock()  # worker threads may ask for the vault at the same time

    def _opened(self) -> Vault:
        # Opened on first use: an app whose visitors never keep a note never touches the
        # database, and one that could not reach it tries again on the next call.
        with self._lock:
            if self._vault is None:
                self._vault = Vault(self._url)
            return self._vault

    def open(self, handle: str, passphrase: str) -> RegularRecord:
        """A regular's record, opened with their passphrase or recovery phrase (403 otherwise)."""
        try:
            return self._opened().open(handle, passphrase)
        except (VaultError, InputError) as err:
            raise _problem(err) from None

    def create(
        self,
        note: str,
        feelings: Sequence[str],
        topics: Sequence[str],
        passphrase: str | None,
    ) -> Remembered:
        """Keep a new regular's note; without a passphrase a recovery phrase is made, shown once."""
        try:
            handle, recovery = self._opened().create(note, feelings, topics, passphrase=passphrase)
        except (VaultError, InputError) as err:
            raise _problem(err) from None
        saved = prompt("remember.saved", handle=handle)
        return Remembered(handle=handle, recovery=recovery, text=saved)

    def update(
        self,
        handle: str,
        passphrase: str,
        note: str,
        feelings: Sequence[str],
        topics: Sequence[str],
    ) -> Remembered:
        """Replace a returning regular's note (their passphrase unlocks it)."""
        try:
            self._opened().update(handle, passphrase, note, feelings, topics)
        except (VaultError, InputError) as err:
            raise _problem(err) from None
        return Remembered(handle=handle, recovery=None, text=prompt("remember.updated"))

    def close(self) -> None:
        """Release the vault's database connections (it opens again if called after)."""
        with self._lock:
            if self._vault is not None:
                self._vault.close()
                self._vault = None
