"""Argon2id key derivation for the regulars' vault, with its costs stored beside each record.

The costs are part of the record (``argon2id$v=19$t=3$m=65536$p=1``) so they can be raised later
without locking anyone out: a record sealed under old costs is resealed under the new ones the next
time its owner updates it. Costs read back from the database are bounded, so a changed row cannot
make us allocate gigabytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from confidante.errors import TamperedError
from confidante.vault.envelope import Keys, expand

SALT_BYTES = 16
_MASTER_BYTES = 32
_ENCODED = re.compile(r"^argon2id\$v=19\$t=(\d{1,3})\$m=(\d{1,8})\$p=(\d{1,2})$")

# Upper bounds for costs read from storage; far above anything we write.
_MAX_TIME = 64
_MAX_MEMORY_KIB = 4 * 1024 * 1024
_MAX_PARALLELISM = 16


@dataclass(frozen=True)
class KdfParams:
    """Argon2id costs: passes, memory in KiB and lanes. Defaults follow RFC 9106's second choice."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.parallelism <= _MAX_PARALLELISM:
            raise ValueError(f"parallelism must be 1..{_MAX_PARALLELISM}")
        if not 1 <= self.time_cost <= _MAX_TIME:
            raise ValueError(f"time_cost must be 1..{_MAX_TIME}")
        if not 8 * self.parallelism <= self.memory_kib <= _MAX_MEMORY_KIB:
            raise ValueError("memory_kib must be at least 8 per lane and at most 4 GiB")

    def encode(self) -> str:
        """The form stored with each record."""
        return f"argon2id$v=19$t={self.time_cost}$m={self.memory_kib}$p={self.parallelism}"

    @classmethod
    def decode(cls, text: str) -> KdfParams:
        """Parse a stored form; a malformed or out-of-range one means the row was changed."""
        found = _ENCODED.match(text)
        if found is None:
            raise _tampered()
        try:
            return cls(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            raise _tampered() from None


def stretch(secret: str, salt: bytes, params: KdfParams) -> bytes:
    """Stretch a (normalised) passphrase into 32 bytes of key material: the slow step."""
    return hash_secret_raw(
        secret=secret.encode("utf-8"),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=_MASTER_BYTES,
        type=Type.ID,
    )


def derive(secret: str, salt: bytes, params: KdfParams, context: bytes) -> Keys:
    """Stretch a (normalised) passphrase into keys bound to ``context``."""
    return expand(stretch(secret, salt, params), context)


def _tampered() -> TamperedError:
    return TamperedError(
        "This record's key settings are unreadable, so it was changed outside Confidante; "
        "restore the database from a backup, or forget the record and start again."
    )
