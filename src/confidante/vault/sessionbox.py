"""The session box: session state sealed under a key that only the person's token carries.

A session lives in process memory. When it has to leave the process (server replicas hand state
to each other through Redis) it is sealed here first. The token the client holds is
``<session_id>.<secret>``: the session id is a public lookup key, the secret never reaches the
server's storage. The key is derived from the secret with HKDF, so when the token is dropped at the
end of the session, whatever sealed state remains anywhere is unreadable (crypto-shredding).

Example:
    >>> issued = new_session_token()
    >>> blob = seal_state({"minutes": 60}, issued.token)
    >>> open_state(blob, issued.token)
    {'minutes': 60}
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from confidante.errors import TamperedError, WrongKeyError
from confidante.vault.envelope import NONCE_BYTES, Corrupt, KeyMismatch, Keys, expand, seal, unseal

_FORMAT = 1
_ID_BYTES = 16
_SECRET_BYTES = 32
# States grow over the hour; padding to 4 KiB steps hides how much was said between steps.
_BLOCK = 4096
_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
_AD = b"confidante/sessionbox/v1\x00"


@dataclass(frozen=True)
class SessionToken:
    """A new session's public id and the token (a capability) that only the client keeps."""

    session_id: str
    token: str = field(repr=False)  # repr hides it so it never lands in a log or crash report


def new_session_token() -> SessionToken:
    """Issue a fresh session id and token; hand the token to the client and keep no copy."""
    session_id = secrets.token_urlsafe(_ID_BYTES)
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    return SessionToken(session_id=session_id, token=f"{session_id}.{secret}")


def parse_token(token: str) -> tuple[str, bytes]:
    """Split a token into its session id and secret bytes, or say why it is malformed."""
    if not isinstance(token, str) or token.count(".") != 1:
        raise _malformed("it should be a session id and a secret joined by one dot")
    session_id, secret = token.split(".")
    if not _ID.match(session_id):
        raise _malformed("its session id part is not 22 URL-safe characters")
    if not _SECRET.match(secret):
        raise _malformed("its secret part is not 43 URL-safe characters")
    try:
        raw = base64.urlsafe_b64decode(secret + "=")
    except (binascii.Error, ValueError):
        raise _malformed("its secret part is not URL-safe base64") from None
    return session_id, raw


def session_id_of(token: str) -> str:
    """The public session id inside a token (the key to look sealed state up by)."""
    return parse_token(token)[0]


def seal_state(state: dict[str, Any], token: str) -> bytes:
    """Seal a JSON-ready state (``SessionState.to_dict()``) under the token's key."""
    session_id, secret = parse_token(token)
    plaintext = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    nonce, body = seal(_keys(session_id, secret), plaintext, _AD + session_id.encode(), _BLOCK)
    return bytes([_FORMAT]) + nonce + body


def open_state(blob: bytes, token: str) -> dict[str, Any]:
    """Open a sealed state; WrongKeyError for another token, TamperedError for changed bytes."""
    session_id, secret = parse_token(token)
    if len(blob) < 1 + NONCE_BYTES or blob[0] != _FORMAT:
        raise _tampered()
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        plaintext = unseal(_keys(session_id, secret), nonce, body, _AD + session_id.encode())
    except KeyMismatch:
        raise WrongKeyError(
            "This session token does not open this session's state; send the token issued when "
            "the session started, or start a new session."
        ) from None
    except Corrupt:
        raise _tampered() from None
    try:
        state = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _tampered() from None
    if not isinstance(state, dict):
        raise _tampered()
    return state


def _keys(session_id: str, secret: bytes) -> Keys:
    return expand(secret, b"sessionbox\x00" + session_id.encode())


def _malformed(why: str) -> WrongKeyError:
    return WrongKeyError(
        f"That session token is malformed ({why}); send the token exactly as it was issued, "
        "or start a new session."
    )


def _tampered() -> TamperedError:
    return TamperedError(
        "The sealed session state failed its integrity check (changed or cut short); "
        "start a new session."
    )
