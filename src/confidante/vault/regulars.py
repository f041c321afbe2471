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
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial

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
    check_new_passphrase,
    check_passphrase,
    clean_handle,
    new_handle,
    new_recovery_phrase,
    normalise_secret,
)
from confidante.vault.records import Payload, RegularInfo, RegularRecord
from confidante.vault.store import DEFAULT_LOCK_TIMEOUT, SealedRow, Store

# Notes up to about 1,000 bytes of JSON all seal to the same length.
_BLOCK = 1024
# Each retry follows another writer's re-keying (new KDF costs): rare, and never a loop.
_KEY_TRIES = 4
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
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        """Open (and migrate) the database at ``url``, or the SQLite file in the user directory.

        ``kdf`` sets the Argon2id costs for new seals (tests pass cheaper ones), ``today`` the
        clock for visit months, ``lock_timeout`` how many seconds a writer waits for another
        before VaultBusyError.
        """
        self._store = Store(url or default_database_url(), lock_timeout)
        self._kdf = kdf or KdfParams()
        self._today = today or (lambda: datetime.now(UTC).date())

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

    def visit(self, handle: str, passphrase: str) -> RegularRecord:
        """Open a record and count a visit in this month, keeping what it holds as it is.

        A regular's visit counts when they come, whether or not they change their note.
        """
        row, keys = self._unlock(handle, passphrase)
        written = self._rewrite(
            row, keys, passphrase, partial(self._rekeyed, passphrase=passphrase), None,
            self._month(),
        )
        if (written.kdf, written.salt) != (row.kdf, row.salt):
            keys = self._keys_for(written, passphrase)  # re-keyed on the way: derive once more
        return _record(written, _payload(written, keys))

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

        The rewrite happens under the row's lock, so concurrent updates queue and none is lost;
        VaultBusyError says when the wait ran past the lock timeout.
        """
        payload = Payload.build(note, feelings, topics)
        row, keys = self._unlock(handle, passphrase)
        month = self._month()
        # The slow Argon2id runs in ``_rekeyed``, before the lock; only quick work happens under it.
        written = self._rewrite(
            row, keys, passphrase, partial(self._rekeyed, passphrase=passphrase), payload,
            month if visit else None,
        )
        return _record(written, payload)

    def change_passphrase(self, handle: str, passphrase: str, new_passphrase: str) -> RegularRecord:
        """Reseal a record, unchanged, under a new passphrase; the old one stops opening it.

        ``passphrase`` is whatever opens the record now: its passphrase or its recovery phrase.
        A record has one key, so after the change a recovery phrase no longer opens it either.
        The rewrite is the same single locked transaction as ``update``: a crash leaves the old
        row, readable with the old passphrase, or the new one, and never neither.
        """
        secret = check_new_passphrase(passphrase, new_passphrase)
        row, keys = self._unlock(handle, passphrase)
        # A fresh salt, so nothing derived from the old passphrase fits the new row; the costs
        # move to the current ones too. The slow Argon2id runs here, before the lock.
        salt = os.urandom(SALT_BYTES)
        sealed = (self._kdf.encode(), salt, derive(secret, salt, self._kdf, _context(row.handle)))
        written = self._rewrite(row, keys, passphrase, lambda _row, _keys: sealed, None, None)
        return _record(written, _payload(written, sealed[2]))

    def _rewrite(
        self,
        row: SealedRow,
        keys: Keys,
        passphrase: str,
        sealing: Callable[[SealedRow, Keys], tuple[str, bytes, Keys]],
        payload: Payload | None,
        month: str | None,
    ) -> SealedRow:
        """Rewrite ``row`` in one locked transaction, sealed as ``sealing`` says for the row and
        keys read; when another writer re-keyed it first, open it again and retry."""
        for _ in range(_KEY_TRIES):
            change = partial(
                _rewritten, expected=row, keys=keys, sealed=sealing(row, keys), payload=payload,
                month=month,
            )
            try:
                found, written = self._store.modify(row.handle, change)
            except _Rekeyed as moved:
                # Another writer changed the key first: the passphrase must still open it.
                row, keys = moved.row, self._keys_for(moved.row, passphrase)
                continue
            if not found or written is None:
                raise _not_found()
            return written
        raise _busy()

    def forget(self, handle: str, passphrase: str) -> None:
        """Delete the record for good; the key check alone is enough, so even a damaged record
        can be forgotten by its owner."""
        row, keys = self._unlock(handle, passphrase, decrypt=False)
        for _ in range(_KEY_TRIES):
            try:
                # Not found means a concurrent forget with the same key was first: done too.
                self._store.modify(row.handle, partial(_deletable, expected=row, keys=keys))
            except _Rekeyed as moved:
                row, keys = moved.row, self._keys_for(moved.row, passphrase)
                continue
            return
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
            # The same Argon2id work as a wrong passphrase, so timing cannot tell which it was.
            stretch(passphrase if isinstance(passphrase, str) else "", bytes(SALT_BYTES), self._kdf)
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


class _Rekeyed(Exception):
    """Another writer resealed the row under a new salt: derive its key again and retry."""

    def __init__(self, row: SealedRow) -> None:
        super().__init__("rekeyed")
        self.row = row


def _rewritten(
    current: SealedRow,
    *,
    expected: SealedRow,
    keys: Keys,
    sealed: tuple[str, bytes, Keys],
    payload: Payload | None,
    month: str | None,
) -> SealedRow:
    """The row that replaces ``current`` (runs under the row lock; ``month`` None: no visit;
    ``payload`` None: keep what the row holds now, as a passphrase change does)."""
    if (current.kdf, current.salt) != (expected.kdf, expected.salt):
        raise _Rekeyed(current)
    # A record changed behind our back is reported, not overwritten. Keeping the payload read
    # here, under the lock, means an edit that landed since we opened the record is kept too.
    held = _payload(current, keys)
    kdf, salt, new_keys = sealed
    new = SealedRow(
        handle=current.handle,
        kdf=kdf,
        salt=salt,
        nonce=b"",
        ciphertext=b"",
        visits=current.visits + (0 if month is None else 1),
        first_month=current.first_month,
        last_month=current.last_month if month is None else month,
        version=current.version + 1,
    )
    return _sealed(new, new_keys, held if payload is None else payload)


def _deletable(current: SealedRow, *, expected: SealedRow, keys: Keys) -> None:
    """Allow deleting ``current`` only under the key we hold (runs under the row lock)."""
    if (current.kdf, current.salt) != (expected.kdf, expected.salt):
        raise _Rekeyed(current)
    if not key_matches(keys, current.ciphertext):
        raise _wrong_key()


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
        "This record's key settings kept changing under us; try again in a moment."
    )
