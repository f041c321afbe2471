"""The regulars' vault on SQLite and PostgreSQL: sealing, keys, tampering, visits, forgetting."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from confidante.errors import InputError, NotFoundError, TamperedError, WrongKeyError
from confidante.vault import KdfParams, RegularInfo, RegularRecord, Vault

RawRow = Callable[[str], "dict[str, Any] | None"]
RawSql = Callable[[str, "dict[str, object]"], None]
PASSPHRASE = "correct horse battery"


def canary() -> str:
    return "canary" + secrets.token_hex(6)


def test_round_trip_with_a_passphrase(vault: Vault) -> None:
    handle, phrase = vault.create(
        "We talked about the move and my sister.",
        feelings=["Anxious", "hopeful", "anxious"],
        topics=["family"],
        passphrase=PASSPHRASE,
    )
    assert phrase is None
    assert re.fullmatch(r"[a-z]+-[a-z]+-[0-9]{4}", handle)
    record = vault.open(handle, PASSPHRASE)
    assert record == RegularRecord(
        handle=handle,
        note="We talked about the move and my sister.",
        feelings=("anxious", "hopeful"),
        topics=("family",),
        visits=1,
        first_month="2026-03",
        last_month="2026-03",
    )


def test_round_trip_with_a_recovery_phrase_typed_loosely(vault: Vault) -> None:
    handle, phrase = vault.create("A note.")
    assert phrase is not None and len(phrase.split()) == 8
    assert vault.open(handle, phrase).note == "A note."
    loose = "  " + "-".join(phrase.upper().split()) + "\n"
    assert vault.open(handle.upper(), loose).note == "A note."


def test_a_record_opens_from_another_vault_on_the_same_database(
    vault: Vault, open_vault: Callable[..., Vault]
) -> None:
    handle, _ = vault.create("Shared.", passphrase=PASSPHRASE)
    assert open_vault().open(handle, PASSPHRASE).note == "Shared."


def test_nothing_readable_is_stored(vault: Vault, raw_row: RawRow) -> None:
    secret_word = canary()
    handle, _ = vault.create(f"My {secret_word} note.", ["lonely"], ["work"], PASSPHRASE)
    row = raw_row(handle)
    assert row is not None
    assert set(row) == {
        "handle",
        "kdf",
        "salt",
        "nonce",
        "ciphertext",
        "visits",
        "first_month",
        "last_month",
        "version",
    }
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
    for word in (secret_word, "lonely", "work", PASSPHRASE):
        assert word.encode() not in stored
    assert row["kdf"] == "argon2id$v=19$t=1$m=1024$p=1"


def test_notes_of_different_lengths_seal_to_the_same_length(vault: Vault, raw_row: RawRow) -> None:
    short, _ = vault.create("Hi.", passphrase=PASSPHRASE)
    longer, _ = vault.create(
        "A much longer note about the whole hour. " * 10, passphrase=PASSPHRASE
    )
    short_row, long_row = raw_row(short), raw_row(longer)
    assert short_row is not None and long_row is not None
    assert len(short_row["ciphertext"]) == len(long_row["ciphertext"])


@pytest.mark.parametrize("action", ["open", "update", "forget", "export"])
def test_a_wrong_passphrase_is_refused_and_changes_nothing(
    vault: Vault, raw_row: RawRow, action: str
) -> None:
    handle, _ = vault.create("Keep me.", passphrase=PASSPHRASE)
    before = raw_row(handle)
    with pytest.raises(WrongKeyError, match="does not open this record"):
        if action == "update":
            vault.update(handle, "wrong horse battery", "Overwritten.")
        else:
            getattr(vault, action)(handle, "wrong horse battery")
    assert raw_row(handle) == before
    assert vault.open(handle, PASSPHRASE).note == "Keep me."


def test_errors_never_quote_the_note(vault: Vault) -> None:
    word = canary()
    handle, _ = vault.create(f"Secret {word}.", passphrase=PASSPHRASE)
    with pytest.raises(WrongKeyError) as wrong:
        vault.open(handle, "not the passphrase")
    with pytest.raises(InputError) as too_long:
        vault.update(handle, PASSPHRASE, word * 500)
    assert word not in str(wrong.value) and word not in str(too_long.value)
    assert word not in repr(vault.open(handle, PASSPHRASE))


def test_an_unknown_or_malformed_handle_is_not_found(vault: Vault) -> None:
    with pytest.raises(NotFoundError, match="check its spelling"):
        vault.open("willow-lantern-0427", PASSPHRASE)
    with pytest.raises(NotFoundError):
        vault.open("'; DROP TABLE regulars; --", PASSPHRASE)


def test_a_flipped_ciphertext_byte_is_tampering(
    vault: Vault, raw_row: RawRow, raw_sql: RawSql
) -> None:
    handle, _ = vault.create("Intact.", passphrase=PASSPHRASE)
    row = raw_row(handle)
    assert row is not None
    body = bytearray(row["ciphertext"])
    body[40] ^= 0x01
    raw_sql(
        "UPDATE regulars SET ciphertext = :c WHERE handle = :h", {"c": bytes(body), "h": handle}
    )
    with pytest.raises(TamperedError, match="integrity check"):
        vault.open(handle, PASSPHRASE)
    with pytest.raises(TamperedError):
        vault.update(handle, PASSPHRASE, "Over it.")


@pytest.mark.parametrize("keep", [0, 10, 40, 100])
def test_truncated_ciphertext_is_tampering(
    vault: Vault, raw_row: RawRow, raw_sql: RawSql, keep: int
) -> None:
    handle, _ = vault.create("Intact.", passphrase=PASSPHRASE)
    row = raw_row(handle)
    assert row is not None
    cut = row["ciphertext"][:keep]
    raw_sql("UPDATE regulars SET ciphertext = :c WHERE handle = :h", {"c": cut, "h": handle})
    with pytest.raises(TamperedError):
        vault.open(handle, PASSPHRASE)


@pytest.mark.parametrize(
    ("column", "value"),
    [("visits", 99), ("first_month", "2020-01"), ("last_month", "2030-12"), ("nonce", b"\0" * 12)],
)
def test_changed_metadata_is_tampering(
    vault: Vault, raw_sql: RawSql, column: str, value: object
) -> None:
    handle, _ = vault.create("Intact.", passphrase=PASSPHRASE)
    raw_sql(f"UPDATE regulars SET {column} = :v WHERE handle = :h", {"v": value, "h": handle})
    with pytest.raises(TamperedError):
        vault.open(handle, PASSPHRASE)


@pytest.mark.parametrize("kdf", ["bcrypt", "argon2id$v=19$t=1$m=99999999$p=1", ""])
def test_unreadable_key_settings_are_tampering(vault: Vault, raw_sql: RawSql, kdf: str) -> None:
    handle, _ = vault.create("Intact.", passphrase=PASSPHRASE)
    raw_sql("UPDATE regulars SET kdf = :k WHERE handle = :h", {"k": kdf, "h": handle})
    with pytest.raises(TamperedError, match="key settings"):
        vault.open(handle, PASSPHRASE)


def test_update_counts_visits_by_month(open_vault: Callable[..., Vault]) -> None:
    march = open_vault()
    handle, _ = march.create("First.", ["sad"], ["work"], PASSPHRASE)
    may = open_vault(today=lambda: date(2026, 5, 2))
    record = may.update(handle, PASSPHRASE, "Second.", ["calmer"], [])
    assert (record.note, record.feelings, record.topics) == ("Second.", ("calmer",), ())
    assert (record.visits, record.first_month, record.last_month) == (2, "2026-03", "2026-05")
    assert may.open(handle, PASSPHRASE) == record
    edited = open_vault(today=lambda: date(2026, 7, 1)).update(
        handle, PASSPHRASE, "Edited.", visit=False
    )
    assert (edited.visits, edited.last_month) == (2, "2026-05")


def test_new_costs_reseal_a_record_on_update(
    vault: Vault, open_vault: Callable[..., Vault], raw_row: RawRow
) -> None:
    handle, _ = vault.create("Old costs.", passphrase=PASSPHRASE)
    old = raw_row(handle)
    stronger = open_vault(kdf=KdfParams(time_cost=2, memory_kib=2048, parallelism=1))
    stronger.update(handle, PASSPHRASE, "New costs.")
    new = raw_row(handle)
    assert old is not None and new is not None
    assert new["kdf"] == "argon2id$v=19$t=2$m=2048$p=1"
    assert new["salt"] != old["salt"]
    assert vault.open(handle, PASSPHRASE).note == "New costs."


def test_forget_deletes_the_record(vault: Vault, raw_row: RawRow) -> None:
    handle, _ = vault.create("Forget me.", passphrase=PASSPHRASE)
    kept, _ = vault.create("Keep me.", passphrase=PASSPHRASE)
    vault.forget(handle, PASSPHRASE)
    assert raw_row(handle) is None
    with pytest.raises(NotFoundError):
        vault.open(handle, PASSPHRASE)
    assert [i.handle for i in vault.regulars()] == [kept]


def test_a_damaged_record_can_still_be_forgotten_by_its_owner(
    vault: Vault, raw_row: RawRow, raw_sql: RawSql
) -> None:
    handle, _ = vault.create("Damaged.", passphrase=PASSPHRASE)
    raw_sql("UPDATE regulars SET visits = 7 WHERE handle = :h", {"h": handle})
    vault.forget(handle, PASSPHRASE)
    assert raw_row(handle) is None


def test_export_holds_everything_remembered(vault: Vault) -> None:
    handle, _ = vault.create("Exported.", ["tired"], ["sleep"], PASSPHRASE)
    assert vault.export(handle, PASSPHRASE) == {
        "format": "confidante.regular/1",
        "handle": handle,
        "note": "Exported.",
        "feelings": ["tired"],
        "topics": ["sleep"],
        "visits": 1,
        "first_month": "2026-03",
        "last_month": "2026-03",
    }


def test_the_operators_view_has_handles_visits_and_months_only(
    open_vault: Callable[..., Vault],
) -> None:
    march = open_vault()
    word = canary()
    first, _ = march.create(f"Note {word}.", [word], [], PASSPHRASE)
    second, _ = march.create("Other.", passphrase=PASSPHRASE)
    open_vault(today=lambda: date(2026, 4, 1)).update(second, PASSPHRASE, "Back again.")
    infos = march.regulars()
    assert infos == [
        RegularInfo(second, 2, "2026-03", "2026-04"),
        RegularInfo(first, 1, "2026-03", "2026-03"),
    ]
    assert word not in repr(infos)


@pytest.mark.parametrize(
    ("note", "feelings", "passphrase", "message"),
    [
        ("x" * 2001, (), PASSPHRASE, "longer than"),
        ("bell\x07", (), PASSPHRASE, "control characters"),
        ("ok", ["x" * 41], PASSPHRASE, "short word"),
        ("ok", "lonely", PASSPHRASE, "list of words"),
        ("ok", (), "short", "at least 8"),
    ],
)
def test_bad_input_is_refused_before_anything_is_stored(
    vault: Vault, note: str, feelings: object, passphrase: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        vault.create(note, feelings, (), passphrase)  # type: ignore[arg-type]
    assert vault.regulars() == []


def test_migrations_create_exactly_the_schema_and_run_once(
    db_url: str, open_vault: Callable[..., Vault], raw_sql: RawSql
) -> None:
    import sqlalchemy as sa

    first = open_vault()
    handle, _ = first.create("Survives reopening.", passphrase=PASSPHRASE)
    again = open_vault()  # migrating an up-to-date database is a no-op
    assert again.open(handle, PASSPHRASE).note == "Survives reopening."
    engine = sa.create_engine(db_url)
    try:
        inspector = sa.inspect(engine)
        assert {"regulars", "confidante_vault_version"} <= set(inspector.get_table_names())
        with engine.connect() as conn:
            heads = conn.exec_driver_sql("SELECT version_num FROM confidante_vault_version").all()
        assert heads == [("0002",)]  # 0001 regulars, 0002 the referral tally
    finally:
        engine.dispose()


def test_a_visit_counts_when_the_regular_comes_and_keeps_the_note(vault: Vault) -> None:
    note = "  Byte for byte:\tthe move — and my sister.  "
    handle, _ = vault.create(note, ["anxious"], ["family"], passphrase="correct horse battery")
    before = vault.open(handle, "correct horse battery")
    visited = vault.visit(handle, "correct horse battery")
    assert visited.visits == before.visits + 1
    again = vault.open(handle, "correct horse battery")
    assert (again.note, again.feelings, again.topics, again.visits) == (
        before.note, ("anxious",), ("family",), before.visits + 1
    )
    with pytest.raises(WrongKeyError):
        vault.visit(handle, "not the passphrase")
    assert vault.open(handle, "correct horse battery").visits == before.visits + 1
