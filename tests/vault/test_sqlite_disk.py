"""What the SQLite vault leaves on disk: private files, and nothing once a record is forgotten."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from confidante.paths import default_database_url
from confidante.vault import KdfParams, Vault

FAST = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
PASSPHRASE = "correct horse battery"


def disk_bytes(db: Path) -> bytes:
    """The database file with its -wal and -shm, as someone copying the disk would get them."""
    return b"".join(
        p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()
    )


def stored(db: Path, handle: str) -> dict[str, bytes]:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT handle, salt, nonce, ciphertext FROM regulars WHERE handle = :h"),
                {"h": handle},
            ).one()
    finally:
        engine.dispose()
    return {"handle": row[0].encode(), "salt": row[1], "nonce": row[2], "ciphertext": row[3]}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "vault.sqlite3"


def test_files_are_private(db: Path) -> None:
    with Vault(f"sqlite:///{db}", kdf=FAST) as vault:
        handle, _ = vault.create("Private.", passphrase=PASSPHRASE)
        vault.update(handle, PASSPHRASE, "Still private.")
        files = [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]
        assert len(files) == 3  # WAL mode: the -wal and -shm exist while the vault is open
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


def test_the_default_database_lives_privately_in_the_user_directory(isolated_home: Path) -> None:
    with Vault(kdf=FAST) as vault:
        vault.create("Default place.", passphrase=PASSPHRASE)
    db = isolated_home / "vault.sqlite3"
    assert default_database_url().endswith(str(db))
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_a_loose_existing_file_is_made_private(db: Path) -> None:
    db.parent.mkdir(mode=0o700)
    db.touch(mode=0o644)
    os.chmod(db, 0o644)
    Vault(f"sqlite:///{db}", kdf=FAST).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_the_note_never_reaches_the_disk_in_the_clear(db: Path) -> None:
    word = "canary" + secrets.token_hex(6)
    with Vault(f"sqlite:///{db}", kdf=FAST) as vault:
        handle, _ = vault.create(f"About {word}.", [word], [word], PASSPHRASE)
        vault.update(handle, PASSPHRASE, f"Still about {word}.", [word])
        on_disk = disk_bytes(db)
        assert stored(db, handle)["ciphertext"] in on_disk  # we are looking in the right place
        assert word.encode() not in on_disk
        assert word.encode("utf-16-le") not in on_disk


def test_forget_leaves_nothing_of_the_record_in_the_files(db: Path) -> None:
    word = "canary" + secrets.token_hex(6)
    with Vault(f"sqlite:///{db}", kdf=FAST) as vault:
        neighbour, _ = vault.create("A neighbour's note.", passphrase=PASSPHRASE)
        handle, _ = vault.create(f"Forget {word}.", passphrase=PASSPHRASE)
        remains = stored(db, handle)
        assert all(value in disk_bytes(db) for value in remains.values())
        vault.forget(handle, PASSPHRASE)
        on_disk = disk_bytes(db)
        for name, value in remains.items():
            assert value not in on_disk, f"the forgotten {name} is still on disk"
        assert word.encode() not in on_disk
        assert stored(db, neighbour)["ciphertext"] in on_disk  # only that record went


def test_an_update_leaves_no_old_ciphertext_behind(db: Path) -> None:
    with Vault(f"sqlite:///{db}", kdf=FAST) as vault:
        handle, _ = vault.create("First version.", passphrase=PASSPHRASE)
        old = stored(db, handle)["ciphertext"]
        vault.update(handle, PASSPHRASE, "Second version.")
        assert stored(db, handle)["ciphertext"] != old
        assert old not in disk_bytes(db)
        assert Path(f"{db}-wal").stat().st_size == 0  # checkpointed with TRUNCATE


def test_a_passphrase_change_leaves_no_old_ciphertext_or_note_behind(db: Path) -> None:
    word = "canary" + secrets.token_hex(6)
    with Vault(f"sqlite:///{db}", kdf=FAST) as vault:
        handle, _ = vault.create(f"About {word}.", [word], [word], PASSPHRASE)
        old = stored(db, handle)
        vault.change_passphrase(handle, PASSPHRASE, "a different staple entirely")
        on_disk = disk_bytes(db)
        assert stored(db, handle)["ciphertext"] in on_disk  # we are looking in the right place
        for name in ("salt", "nonce", "ciphertext"):
            assert old[name] not in on_disk, f"the old {name} is still on disk"
        assert word.encode() not in on_disk
        assert word.encode("utf-16-le") not in on_disk
        assert Path(f"{db}-wal").stat().st_size == 0  # checkpointed with TRUNCATE
