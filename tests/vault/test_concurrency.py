"""Concurrent writers to one record lose no visit; a write that keeps losing says so clearly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from confidante.errors import VaultBusyError
from confidante.vault import Vault

PASSPHRASE = "correct horse battery"

# Run in separate interpreters: processes, not threads, sharing only the database.
_WORKER = textwrap.dedent(
    """
    import sys
    from confidante.vault import KdfParams, Vault
    url, handle, passphrase, times = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with Vault(url, kdf=KdfParams(time_cost=1, memory_kib=1024, parallelism=1)) as vault:
        for n in range(times):
            vault.update(handle, passphrase, f"visit {n}", ["calm"], ["work"])
    """
)


def test_threads_updating_one_record_lose_no_visit(
    vault: Vault, open_vault: Callable[..., Vault]
) -> None:
    handle, _ = vault.create("Start.", passphrase=PASSPHRASE)
    writers, rounds = 6, 5
    replicas = [open_vault() for _ in range(writers)]
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def work(replica: Vault) -> None:
        try:
            start.wait()
            for n in range(rounds):
                replica.update(handle, PASSPHRASE, f"visit {n}")
        except BaseException as err:  # reported below, with the thread's error type
            errors.append(err)

    threads = [threading.Thread(target=work, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    record = vault.open(handle, PASSPHRASE)
    assert record.visits == 1 + writers * rounds
    assert record.note.startswith("visit ")


@pytest.mark.slow
def test_processes_updating_one_record_lose_no_visit(db_url: str, vault: Vault) -> None:
    handle, _ = vault.create("Start.", passphrase=PASSPHRASE)
    workers, rounds = 4, 5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, db_url, handle, PASSPHRASE, str(rounds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * workers, outputs
    assert vault.open(handle, PASSPHRASE).visits == 1 + workers * rounds


@pytest.mark.slow
def test_processes_opening_a_fresh_database_at_once_all_migrate(db_url: str) -> None:
    opener = "import sys; from confidante.vault import Vault; Vault(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", opener, db_url], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors


@contextmanager
def record_locked(db_url: str, handle: str) -> Iterator[None]:
    """Hold the record's write lock from another connection, as a stuck writer would."""
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


def test_a_writer_kept_waiting_too_long_is_told_busy_and_changes_nothing(
    vault: Vault, db_url: str, open_vault: Callable[..., Vault]
) -> None:
    handle, _ = vault.create("Start.", passphrase=PASSPHRASE)
    impatient = open_vault(lock_timeout=0.3)
    with record_locked(db_url, handle):
        with pytest.raises(VaultBusyError, match="try again in a moment"):
            impatient.update(handle, PASSPHRASE, "Lost.")
        with pytest.raises(VaultBusyError):
            impatient.forget(handle, PASSPHRASE)
    record = vault.open(handle, PASSPHRASE)
    assert (record.note, record.visits) == ("Start.", 1)
    assert impatient.update(handle, PASSPHRASE, "Now it works.").visits == 2


def test_a_writer_waits_for_the_lock_instead_of_failing(
    vault: Vault, db_url: str, open_vault: Callable[..., Vault]
) -> None:
    handle, _ = vault.create("Start.", passphrase=PASSPHRASE)
    patient = open_vault(lock_timeout=30)
    done: list[int] = []
    with record_locked(db_url, handle):
        writer = threading.Thread(
            target=lambda: done.append(patient.update(handle, PASSPHRASE, "Waited.").visits)
        )
        writer.start()
        writer.join(timeout=0.5)
        assert writer.is_alive() and done == []  # queued behind the lock, not failed
    writer.join()
    assert done == [2]
