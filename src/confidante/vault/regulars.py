"""The regulars' vault: what a person chose to have remembered, sealed under their passphrase.

At the close of a session a person may ask to be remembered. Only the note they approved (and, if
they agree, feeling words and topic ids) is sealed, with a key stretched by Argon2id from their
passphrase, or from a recovery phrase shown to them once. The database keeps a pseudonymous
handle, the salt and KDF costs, the nonce, the ciphertext, a visit count and two months. The
operator can list those (``regulars()``) and nothing else; without the passphrase no one can read,
change or forget a record.

Example:
    >>> vault = Vault("sqlite:///vault.sqlite3")
    >>> handle, phrase = vault.create("We talked about the move.", feelings=["anxious"])
    >>> vault.open(handle, phrase).note
    'We talked about the move.'
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from confidante.errors import NotFoundError, TamperedError, VaultBusyError, WrongKeyError
from confidante.paths import default_database_url
from confidante.vault.envelope import (
    Corrupt,
    KeyMismatch,
    Keys,
    expand,
    key_matches,
    seal,
    unseal,
)
from confidante.vault.kdf import SALT_BYTES, KdfParams, derive, stretch
from confidante.vault.phrases import (
    check_passphrase,
    clean_handle,
    new_handle,
    new_recovery_phrase,
    normalise_secret,
)
from confidante.vault.records import Payload, RegularInfo, RegularRecord
from confidante.vault.store import SealedRow, Store

# Notes up to about 1,000 bytes of JSON all seal to the same length.
_BLOCK = 1024
_WRITE_TRIES = 12
_HANDLE_TRIES = 8
_AD = b"confidante/regular/v1\x00"


class Vault:
    """The regulars' vault on one database; methods are safe to call from several threads."""

    def __init__(
        self,
        url: str | None = None,
        *,
        kdf: KdfParams | None = None,
        today: Callable[[], date] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Open (and migrate) the database at ``url``, or the SQLite file in the user directory.

        ``kdf`` sets the Argon2id costs for new seals (tests pass cheaper ones), ``today`` the
        clock for visit months, ``rng`` the jitter between retries of a contested write.
        """
        self._store = Store(url or default_database_url())
        self._kdf = kdf or KdfParams()
        self._today = today or (lambda: datetime.now(UTC).date())
        self._rng = rng or random.Random()

    def __enter__(self) -> Vault:
        """Use the vault in a ``with`` block that closes it."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Close the vault at the end of a ``with`` block."""
        self.close()

    def create(
        self,
        note: str,
        feelings: Sequence[str] = (),
        topics: Sequence[str] = (),
        passphrase: str | None = None,
    ) -> tuple[str, str | None]:
        """Remember a new regular; returns the handle and, when no passphrase was given, the
        recovery phrase to show the person once (it is stored nowhere)."""
        payload = Payload.build(note, feelings, topics)
        phrase = None
        if passphrase is None:
            phrase = new_recovery_phrase()
            secret = normalise_secret(phrase)
        else:
            secret = check_passphrase(passphrase)
        salt = os.urandom(SALT_BYTES)
        master = stretch(secret, salt, self._kdf)  # once: a handle collision only re-expands
        month = self._month()
        for _ in range(_HANDLE_TRIES):
            handle = new_handle()
            row = SealedRow(handle, self._kdf.encode(), salt, b"", b"", 1, month, month, 1)
            if self._store.insert(_sealed(row, expand(master, _context(handle)), payload)):
                return handle, phrase
        raise VaultBusyError("Could not find a free handle; try again in a moment.")

    def open(self, handle: str, passphrase: str) -> RegularRecord:
        """Open a record with its passphrase or recovery phrase."""
        row, keys = self._unlock(handle, passphrase)
        return _record(row, _payload(row, keys))

    def update(
        self,
        handle: str,
        passphrase: str,
        note: str,
        feelings: Sequence[str] = (),
        topics: Sequence[str] = (),
        visit: bool = True,
    ) -> RegularRecord:
        """Replace what is remembered; with ``visit`` also count a visit in this month.

        Concurrent updates never lose a visit: a write that lost the race re-reads and retries,
        and VaultBusyError says when it kept losing.
        """
        payload = Payload.build(note, feelings, topics)
        row, keys = self._unlock(handle, passphrase)
        for _ in range(_WRITE_TRIES):
            _payload(row, keys)  # a record changed behind our back is reported, not overwritten
            kdf, salt, new_keys = self._rekeyed(row, keys, passphrase)
            new_row = SealedRow(
                handle=row.handle,
                kdf=kdf,
                salt=salt,
                nonce=b"",
                ciphertext=b"",
                visits=row.visits + (1 if visit else 0),
                first_month=row.first_month,
                last_month=self._month() if visit else row.last_month,
                version=row.version + 1,
            )
            sealed = _sealed(new_row, new_keys, payload)
            if self._store.replace(sealed, expected_version=row.version):
                return _record(sealed, payload)
            self._pause()
            fresh = self._store.load(row.handle)
            if fresh is None:
                raise _not_found()
            if (fresh.kdf, fresh.salt) != (row.kdf, row.salt):
                keys = self._keys_for(fresh, passphrase)  # another writer re-keyed it
            row = fresh
        raise _busy()

    def forget(self, handle: str, passphrase: str) -> None:
        """Delete the record for good; the key check alone is enough, so even a damaged record
        can be forgotten by its owner."""
        row, keys = self._unlock(handle, passphrase, decrypt=False)
        for _ in range(_WRITE_TRIES):
            if self._store.delete(row.handle, expected_version=row.version):
                return
            self._pause()
            fresh = self._store.load(row.handle)
            if fresh is None:
                return  # forgotten by a concurrent call with the same key
            if (fresh.kdf, fresh.salt) != (row.kdf, row.salt):
                keys = self._keys_for(fresh, passphrase)
            if not key_matches(keys, fresh.ciphertext):
                raise _wrong_key()
            row = fresh
        raise _busy()

    def export(self, handle: str, passphrase: str) -> dict[str, object]:
        """Everything the record holds, as JSON-ready data for the person to keep."""
        return self.open(handle, passphrase).export()

    def regulars(self) -> list[RegularInfo]:
        """The operator's view: handles, visit counts and months, and nothing readable else."""
        return [RegularInfo(*info) for info in self._store.infos()]

    def close(self) -> None:
        """Release the database connections."""
        self._store.close()

    def _unlock(
        self, handle: str, passphrase: str, *, decrypt: bool = True
    ) -> tuple[SealedRow, Keys]:
        cleaned = clean_handle(handle) if isinstance(handle, str) else None
        row = self._store.load(cleaned) if cleaned else None
        if row is None:
            raise _not_found()
        keys = self._keys_for(row, passphrase)
        if not key_matches(keys, row.ciphertext):
            if len(row.ciphertext) < 16:
                raise _tampered()
            raise _wrong_key()
        if decrypt:
            _payload(row, keys)
        return row, keys

    def _keys_for(self, row: SealedRow, passphrase: str) -> Keys:
        if not isinstance(passphrase, str) or not passphrase.strip():
            raise _wrong_key()
        params = KdfParams.decode(row.kdf)
        return derive(normalise_secret(passphrase), row.salt, params, _context(row.handle))

    def _rekeyed(self, row: SealedRow, keys: Keys, passphrase: str) -> tuple[str, bytes, Keys]:
        """Key settings for a rewrite: the row's own, or a new salt and key under new costs."""
        if row.kdf == self._kdf.encode():
            return row.kdf, row.salt, keys
        salt = os.urandom(SALT_BYTES)
        keys = derive(normalise_secret(passphrase), salt, self._kdf, _context(row.handle))
        return self._kdf.encode(), salt, keys

    def _month(self) -> str:
        day = self._today()
        return f"{day.year:04d}-{day.month:02d}"

    def _pause(self) -> None:
        time.sleep(self._rng.uniform(0.001, 0.02))


def _context(handle: str) -> bytes:
    return b"regular\x00" + handle.encode()


def _associated(row: SealedRow) -> bytes:
    # Everything the operator can see is bound to the ciphertext, so changing a visit count or a
    # month (or swapping salts between rows) makes the record fail as tampered.
    fields = [row.handle, row.kdf, row.salt.hex(), row.visits, row.first_month, row.last_month]
    return _AD + json.dumps(fields, separators=(",", ":")).encode()


def _sealed(row: SealedRow, keys: Keys, payload: Payload) -> SealedRow:
    nonce, body = seal(keys, payload.to_bytes(), _associated(row), _BLOCK)
    return SealedRow(
        row.handle,
        row.kdf,
        row.salt,
        nonce,
        body,
        row.visits,
        row.first_month,
        row.last_month,
        row.version,
    )


def _payload(row: SealedRow, keys: Keys) -> Payload:
    try:
        return Payload.from_bytes(unseal(keys, row.nonce, row.ciphertext, _associated(row)))
    except KeyMismatch:
        raise _wrong_key() from None
    except (Corrupt, ValueError):
        raise _tampered() from None


def _record(row: SealedRow, payload: Payload) -> RegularRecord:
    return RegularRecord(
        handle=row.handle,
        note=payload.note,
        feelings=payload.feelings,
        topics=payload.topics,
        visits=row.visits,
        first_month=row.first_month,
        last_month=row.last_month,
    )


def _not_found() -> NotFoundError:
    return NotFoundError(
        "No regular has that handle; check its spelling (two words and four digits, "
        "like willow-lantern-0427), or start a new session to be remembered afresh."
    )


def _wrong_key() -> WrongKeyError:
    return WrongKeyError(
        "That passphrase or recovery phrase does not open this record, and nothing was changed; "
        "check it (a recovery phrase is eight words) and try again."
    )


def _tampered() -> TamperedError:
    return TamperedError(
        "This record failed its integrity check: it was changed or cut short outside "
        "Confidante. Restore the database from a backup, or forget the record and start again."
    )


def _busy() -> VaultBusyError:
    return VaultBusyError(
        "Another visit kept changing this record at the same moment; try again in a moment."
    )
