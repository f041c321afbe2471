"""Concurrent writers to one record lose no visit; a write that keeps losing says so clearly."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable

import pytest

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


def test_a_write_that_keeps_losing_the_race_is_busy_and_changes_nothing(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, _ = vault.create("Start.", passphrase=PASSPHRASE)
    store = vault._store
    # Someone else writes first every time: our conditional write never matches.
    monkeypatch.setattr(store, "replace", lambda row, expected_version: False)
    with pytest.raises(VaultBusyError, match="try again"):
        vault.update(handle, PASSPHRASE, "Lost.")
    monkeypatch.undo()
    record = vault.open(handle, PASSPHRASE)
    assert (record.note, record.visits) == ("Start.", 1)
