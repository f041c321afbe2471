"""Discretion: the regulars' vault, the session box and the data-directory audit.

* ``Vault`` keeps what a returning person chose to have remembered, sealed under their passphrase.
* ``sessionbox`` seals a live session's state under a key only the person's token carries.
* ``audit_dir`` looks through a data directory for anything a person said, left in the clear.

See DISCRETION.md at the project root for the threat model.
"""

from __future__ import annotations

from confidante.vault.audit import AuditReport, Finding, audit_dir
from confidante.vault.kdf import KdfParams
from confidante.vault.records import RegularInfo, RegularRecord
from confidante.vault.regulars import Vault
from confidante.vault.sessionbox import (
    SessionToken,
    new_session_token,
    open_state,
    parse_token,
    seal_state,
    session_id_of,
)

__all__ = [
    "AuditReport",
    "Finding",
    "KdfParams",
    "RegularInfo",
    "RegularRecord",
    "SessionToken",
    "Vault",
    "audit_dir",
    "new_session_token",
    "open_state",
    "parse_token",
    "seal_state",
    "session_id_of",
]
