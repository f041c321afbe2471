"""Authenticated sealing shared by the regulars' vault and the session box.

A sealed body is ``check || ChaCha20-Poly1305(padded plaintext)``. The 16-byte ``check`` is derived
from the key material (a key commitment), so a wrong key is told apart from a changed record: a
wrong key fails the check, a right key with altered bytes fails the AEAD tag. The check reveals no
more than the tag already does (both let an attacker test a guessed key), and it binds the
ciphertext to exactly one key.

Plaintext is padded to a whole number of blocks before sealing, so the length of what is stored
says only roughly how much was said (see DISCRETION.md).
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
CHECK_BYTES = 16
TAG_BYTES = 16
KEY_BYTES = 32


class KeyMismatch(Exception):
    """The key check failed: this key never sealed the body (callers raise WrongKeyError)."""


class Corrupt(Exception):
    """The body is truncated or fails authentication (callers raise TamperedError)."""


@dataclass(frozen=True)
class Keys:
    """An encryption key and its commitment, both derived from one secret."""

    enc: bytes = field(repr=False)
    check: bytes = field(repr=False)


def expand(master: bytes, context: bytes) -> Keys:
    """Split uniform key material into an encryption key and a check, bound to ``context``."""
    out = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES + CHECK_BYTES,
        salt=None,
        info=b"confidante/keys/v1\x00" + context,
    ).derive(master)
    return Keys(enc=out[:KEY_BYTES], check=out[KEY_BYTES:])


def pad(data: bytes, block: int) -> bytes:
    """ISO/IEC 7816-4 padding: a 0x80 byte, then zeros up to a multiple of ``block``."""
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % block)


def unpad(data: bytes) -> bytes:
    """Undo ``pad``; raises Corrupt when the padding is malformed."""
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise Corrupt
    return end[:-1]


def seal(keys: Keys, plaintext: bytes, associated: bytes, block: int) -> tuple[bytes, bytes]:
    """Pad and encrypt; returns ``(nonce, body)`` with the key check in front of the body."""
    # A random 96-bit nonce is safe here: one key seals at most a few thousand records.
    nonce = os.urandom(NONCE_BYTES)
    sealed = ChaCha20Poly1305(keys.enc).encrypt(nonce, pad(plaintext, block), associated)
    return nonce, keys.check + sealed


def unseal(keys: Keys, nonce: bytes, body: bytes, associated: bytes) -> bytes:
    """Check the key, authenticate and decrypt; raises KeyMismatch or Corrupt."""
    if len(nonce) != NONCE_BYTES or len(body) < CHECK_BYTES + TAG_BYTES + 1:
        raise Corrupt
    if not hmac.compare_digest(body[:CHECK_BYTES], keys.check):
        raise KeyMismatch
    try:
        padded = ChaCha20Poly1305(keys.enc).decrypt(nonce, body[CHECK_BYTES:], associated)
    except InvalidTag:
        raise Corrupt from None
    return unpad(padded)


def key_matches(keys: Keys, body: bytes) -> bool:
    """True when ``body`` was sealed under ``keys`` (the check alone, no decryption)."""
    return len(body) >= CHECK_BYTES and hmac.compare_digest(body[:CHECK_BYTES], keys.check)
