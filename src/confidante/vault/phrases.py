"""Recovery phrases, handles and the one way every passphrase is normalised before stretching.

A recovery phrase is eight words drawn with ``secrets`` from ``words.txt`` (about 80 bits, and each
guess costs an Argon2id run). Handles are pseudonyms such as ``willow-lantern-0427``: they name a
record and say nothing about the person.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import cache
from importlib import resources

from confidante.errors import DataFileError, InputError

PHRASE_WORDS = 8
MIN_PASSPHRASE_CHARS = 8
MAX_PASSPHRASE_CHARS = 1024
_WORD = re.compile(r"^[a-z]{3,12}$")
_HANDLE = re.compile(r"^[a-z]{3,12}-[a-z]{3,12}-[0-9]{4}$")
_PHRASE_SEPARATORS = re.compile(r"[\s,;.\-]+")


@cache
def words() -> tuple[str, ...]:
    """The packaged word list, checked once: lowercase words, no duplicates."""
    text = resources.files("confidante.vault").joinpath("words.txt").read_text("utf-8")
    found: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if not _WORD.match(word):
            raise DataFileError(f"words.txt:{number}: expected one lowercase word of 3-12 letters")
        found.append(word)
    if len(set(found)) != len(found) or len(found) < 1024:
        raise DataFileError("words.txt: needs at least 1024 distinct words; restore the file")
    return tuple(found)


@cache
def _word_set() -> frozenset[str]:
    return frozenset(words())


def new_recovery_phrase() -> str:
    """Eight random words, shown to the person once and never stored."""
    pool = words()
    return " ".join(secrets.choice(pool) for _ in range(PHRASE_WORDS))


def new_handle() -> str:
    """A fresh pseudonymous handle: two words and four digits."""
    pool = words()
    return f"{secrets.choice(pool)}-{secrets.choice(pool)}-{secrets.randbelow(10_000):04d}"


def clean_handle(handle: str) -> str | None:
    """The canonical form of a typed handle, or None when it cannot be one."""
    cleaned = handle.strip().lower()
    return cleaned if _HANDLE.match(cleaned) else None


def normalise_secret(secret: str) -> str:
    """The one form a passphrase or recovery phrase is stretched in.

    Unicode is NFKC-normalised and runs of whitespace become one space, so the same words typed on
    another keyboard still open the record. Eight words from the list are lowercased and joined by
    single spaces, so a recovery phrase may be typed in capitals or with dashes. The function is
    the same when sealing and opening, so a passphrase of eight list words works too.
    """
    text = " ".join(unicodedata.normalize("NFKC", secret).split())
    parts = [p for p in _PHRASE_SEPARATORS.split(text.lower()) if p]
    if len(parts) == PHRASE_WORDS and all(p in _word_set() for p in parts):
        return " ".join(parts)
    return text


def check_passphrase(passphrase: str, *, offer_recovery: bool = True) -> str:
    """Normalise a chosen passphrase, refusing one too short to protect anything."""
    text = normalise_secret(passphrase)
    if len(text) < MIN_PASSPHRASE_CHARS:
        # Only a new record can fall back to a recovery phrase; a change must name a passphrase.
        instead = ", or give none to get a recovery phrase instead" if offer_recovery else ""
        raise InputError(
            f"A passphrase needs at least {MIN_PASSPHRASE_CHARS} characters; "
            f"choose a longer one{instead}."
        )
    if len(text) > MAX_PASSPHRASE_CHARS:
        raise InputError(
            f"A passphrase can have at most {MAX_PASSPHRASE_CHARS} characters; "
            "choose a shorter one."
        )
    return text


def check_new_passphrase(current: str, new: str) -> str:
    """Normalise the passphrase a record is moving to, refusing an empty, short or unchanged one."""
    if not isinstance(new, str) or not new.strip():
        raise InputError(
            f"The new passphrase is empty, and nothing was changed; choose one of at least "
            f"{MIN_PASSPHRASE_CHARS} characters."
        )
    text = check_passphrase(new, offer_recovery=False)
    # Compared in the form both are stretched in, so retyping the same words differently is caught.
    if isinstance(current, str) and normalise_secret(current) == text:
        raise InputError(
            "The new passphrase is the same as the current one, and nothing was changed; "
            "choose a different one."
        )
    return text
