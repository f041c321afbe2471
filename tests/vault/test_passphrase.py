"""Changing a regular's passphrase, on SQLite and PostgreSQL: same record, only the new key opens it."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from confidante.errors import (
    InputError,
    NotFoundError,
    TamperedError,
    VaultBusyError,
    WrongKeyError,
)
from confidante.vault import KdfParams, Vault

RawRow = Callable[[str], "dict[str, Any] | None"]
RawSql = Callable[[str, "dict[str, object]"], None]
PASSPHRASE = "correct horse battery"
NEW = "a different staple entirely"


def canary() -> str:
    return "canary" + secrets.token_hex(6)


def test_the_new_passphrase_opens_the_same_record_and_the_old_one_no_longer_does(
    vault: Vault, raw_row: RawRow
) -> None:
    word = canary()
    handle, _ = vault.create(f"About {word}.", ["anxious", word], ["family"], PASSPHRASE)
    before, old = vault.open(handle, PASSPHRASE), raw_row(handle)
    changed = vault.change_passphrase(handle, PASSPHRASE, NEW)
    assert changed == before
    assert vault.open(handle, NEW) == before
    with pytest.raises(WrongKeyError, match="does not open this record"):
        vault.open(handle, PASSPHRASE)
    new = raw_row(handle)
    assert old is not None and new is not None
    assert new["salt"] != old["salt"]  # nothing derived from the old passphrase fits
    assert new["ciphertext"] != old["ciphertext"]
    assert (new["visits"], new["version"]) == (old["visits"], old["version"] + 1)
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in new.values())
    for secret in (word, PASSPHRASE, NEW):
        assert secret.encode() not in stored


def test_a_wrong_current_passphrase_is_refused_and_changes_nothing(
    vault: Vault, raw_row: RawRow
) -> None:
    handle, _ = vault.create("Keep me.", passphrase=PASSPHRASE)
    before = raw_row(handle)
    with pytest.raises(WrongKeyError, match="nothing was changed; check it"):
        vault.change_passphrase(handle, "wrong horse battery", NEW)
    assert raw_row(handle) == before
    assert vault.open(handle, PASSPHRASE).note == "Keep me."
    with pytest.raises(WrongKeyError):
        vault.open(handle, NEW)


def test_a_recovery_phrase_can_be_swapped_for_a_passphrase(vault: Vault) -> None:
    handle, phrase = vault.create("Opened by eight words.", ["calm"])
    assert phrase is not None
    loose = "-".join(phrase.upper().split())  # typed as loosely as opening allows
    vault.change_passphrase(handle, loose, NEW)
    assert vault.open(handle, NEW).note == "Opened by eight words."
    with pytest.raises(WrongKeyError):  # one key per record: the phrase is replaced
        vault.open(handle, phrase)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("", "new passphrase is empty"),
        ("   \n", "new passphrase is empty"),
        ("short", "at least 8 characters; choose a longer one\\.$"),
        ("x" * 1025, "at most 1024"),
        (PASSPHRASE, "same as the current one"),
        ("  correct  horse\tbattery ", "same as the current one"),  # same once normalised
    ],
)
def test_an_empty_short_or_unchanged_new_passphrase_is_refused(
    vault: Vault, raw_row: RawRow, new: str, message: str
) -> None:
    handle, _ = vault.create("Keep me.", passphrase=PASSPHRASE)
    before = raw_row(handle)
    with pytest.raises(InputError, match=message):
        vault.change_passphrase(handle, PASSPHRASE, new)
    assert raw_row(handle) == before


def test_the_same_recovery_phrase_typed_differently_is_unchanged(vault: Vault) -> None:
    handle, phrase = vault.create("A note.")
    assert phrase is not None
    with pytest.raises(InputError, match="same as the current one"):
        vault.change_passphrase(handle, phrase, phrase.upper().replace(" ", "-"))


def test_an_unknown_handle_or_a_tampered_record_changes_nothing(
    vault: Vault, raw_row: RawRow, raw_sql: RawSql
) -> None:
    with pytest.raises(NotFoundError, match="check its spelling"):
        vault.change_passphrase("willow-lantern-0427", PASSPHRASE, NEW)
    handle, _ = vault.create("Intact.", passphrase=PASSPHRASE)
    raw_sql("UPDATE regulars SET visits = 7 WHERE handle = :h", {"h": handle})
    before = raw_row(handle)
    with pytest.raises(TamperedError, match="integrity check"):
        vault.change_passphrase(handle, PASSPHRASE, NEW)
    assert raw_row(handle) == before


def test_a_change_moves_the_record_to_the_current_costs(
    vault: Vault, open_vault: Callable[..., Vault], raw_row: RawRow
) -> None:
    handle, _ = vault.create("Old costs.", passphrase=PASSPHRASE)
    stronger = open_vault(kdf=KdfParams(time_cost=2, memory_kib=2048, parallelism=1))
    stronger.change_passphrase(handle, PASSPHRASE, NEW)
    row = raw_row(handle)
    assert row is not None and row["kdf"] == "argon2id$v=19$t=2$m=2048$p=1"
    assert vault.open(handle, NEW).note == "Old costs."


def test_an_edit_that_lands_before_the_lock_is_kept(
    vault: Vault, open_vault: Callable[..., Vault], monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, _ = vault.create("First.", passphrase=PASSPHRASE)
    other = open_vault()
    modify = vault._store.modify

    def edited_meanwhile(*args: Any) -> Any:
        # Another replica writes after we opened the record and before we take its lock.
        other.update(handle, PASSPHRASE, "Edited meanwhile.", ["calmer"])
        monkeypatch.setattr(vault._store, "modify", modify)
        return modify(*args)

    monkeypatch.setattr(vault._store, "modify", edited_meanwhile)
    vault.change_passphrase(handle, PASSPHRASE, NEW)
    record = vault.open(handle, NEW)
    assert (record.note, record.feelings, record.visits) == ("Edited meanwhile.", ("calmer",), 2)


def test_a_change_retries_when_another_writer_reseals_under_new_costs_first(
    vault: Vault, open_vault: Callable[..., Vault], monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, _ = vault.create("First.", passphrase=PASSPHRASE)
    stronger = open_vault(kdf=KdfParams(time_cost=2, memory_kib=2048, parallelism=1))
    modify = vault._store.modify

    def resealed_meanwhile(*args: Any) -> Any:
        # Same passphrase, new salt: the key we derived is stale and must be derived again.
        stronger.update(handle, PASSPHRASE, "Resealed meanwhile.")
        monkeypatch.setattr(vault._store, "modify", modify)
        return modify(*args)

    monkeypatch.setattr(vault._store, "modify", resealed_meanwhile)
    vault.change_passphrase(handle, PASSPHRASE, NEW)
    assert vault.open(handle, NEW).note == "Resealed meanwhile."


def test_a_writer_holding_the_old_key_is_refused_after_a_change(
    vault: Vault, open_vault: Callable[..., Vault], monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, _ = vault.create("Before.", passphrase=PASSPHRASE)
    stale = open_vault()
    modify = stale._store.modify

    def changed_meanwhile(*args: Any) -> Any:
        # The stale writer opened the record with the old passphrase; the change lands first.
        vault.change_passphrase(handle, PASSPHRASE, NEW)
        monkeypatch.setattr(stale._store, "modify", modify)
        return modify(*args)

    monkeypatch.setattr(stale._store, "modify", changed_meanwhile)
    with pytest.raises(WrongKeyError):
        stale.update(handle, PASSPHRASE, "Overwritten with the old key.")
    record = vault.open(handle, NEW)
    assert (record.note, record.visits) == ("Before.", 1)


@contextmanager
def record_locked(db_url: str, handle: str) -> Iterator[None]:
    """Hold the record's write lock from another connection, as a busy writer would."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            if db_url.startswith("sqlite"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(
                    sa.text("SELECT 1 FROM regulars WHERE handle = :h FOR UPDATE"), {"h": handle}
                )
            yield
            conn.rollback()
    finally:
        engine.dispose()


def test_a_change_queues_on_the_row_lock_like_other_writers(
    vault: Vault, db_url: str, open_vault: Callable[..., Vault], raw_row: RawRow
) -> None:
    handle, _ = vault.create("Start.", passphrase=PASSPHRASE)
    before = raw_row(handle)
    impatient = open_vault(lock_timeout=0.3)
    with (
        record_locked(db_url, handle),
        pytest.raises(VaultBusyError, match="try again in a moment"),
    ):
        impatient.change_passphrase(handle, PASSPHRASE, NEW)
    assert raw_row(handle) == before
    assert vault.open(handle, PASSPHRASE).note == "Start."
