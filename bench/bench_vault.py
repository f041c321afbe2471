"""Benchmark the vault: Argon2id at the shipped costs, regulars' records, and the session box.

Run:
    .venv/bin/python bench/bench_vault.py                 # SQLite in a temporary folder
    .venv/bin/python bench/bench_vault.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints p50 and p90 wall-clock times per operation. On PostgreSQL the benchmark works in a schema
of its own and drops it afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from confidante.conversation import (
    Assessment,
    Message,
    Move,
    Role,
    SessionState,
    Turn,
    Understanding,
)
from confidante.vault import KdfParams, Vault, new_session_token, open_state, seal_state
from confidante.vault.kdf import derive


def timed(rounds: int, action: Callable[[], object]) -> tuple[float, float]:
    """p50 and p90 of ``rounds`` runs, in milliseconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.9))]


def report(name: str, figures: tuple[float, float]) -> None:
    print(f"{name:<46} p50 {figures[0]:9.3f} ms   p90 {figures[1]:9.3f} ms")


def an_hour_of_state(turns: int) -> SessionState:
    """A session state about as large as a full hour's."""
    state = SessionState(minutes=60, locale="en_GB", started_at=0.0)
    for n in range(turns):
        state.turns.append(
            Turn(
                said=Message(Role.PERSON, "I keep thinking about what she said to me. " * 3, n),
                reply=Message(Role.LISTENER, "It sounds like those words stayed with you.", n),
                move=Move.REFLECT_CONTENT,
                assessment=Assessment(),
                understanding=Understanding(feelings=("hurt",), topics=("family",), words=27),
            )
        )
    return state


def bench_regulars(url: str, kdf: KdfParams, rounds: int) -> None:
    with Vault(url, kdf=kdf) as vault:
        passphrase = "correct horse battery staple"
        note = "We talked about the move, and about calling my sister on Sunday."
        report(
            "vault.create (passphrase)",
            timed(rounds, lambda: vault.create(note, [], [], passphrase)),
        )
        handle, _ = vault.create(note, ["anxious"], ["family"], passphrase)
        report("vault.open", timed(rounds, lambda: vault.open(handle, passphrase)))
        report("vault.update", timed(rounds, lambda: vault.update(handle, passphrase, note)))
        report("vault.open, wrong passphrase", timed(rounds, lambda: _refused(vault, handle)))
        report("vault.regulars (operator view)", timed(rounds, vault.regulars))


def _refused(vault: Vault, handle: str) -> None:
    try:
        vault.open(handle, "not the passphrase")
    except Exception:
        return
    raise AssertionError("a wrong passphrase opened the record")


def bench_sessionbox(rounds: int, turns: int) -> None:
    issued = new_session_token()
    state = an_hour_of_state(turns).to_dict()
    blob = seal_state(state, issued.token)
    print(f"(session state of {turns} turns: sealed blob {len(blob)} bytes)")
    report("sessionbox.seal_state", timed(rounds, lambda: seal_state(state, issued.token)))
    report("sessionbox.open_state", timed(rounds, lambda: open_state(blob, issued.token)))
    report("sessionbox.new_session_token", timed(rounds, new_session_token))


def main() -> None:
    """Parse arguments, run every benchmark, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; default SQLite.")
    parser.add_argument("--rounds", type=int, default=15, help="Runs per Argon2id figure.")
    parser.add_argument("--box-rounds", type=int, default=300, help="Runs per session box figure.")
    parser.add_argument("--turns", type=int, default=80, help="Turns in the sealed session state.")
    args = parser.parse_args()
    kdf = KdfParams()
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"Argon2id costs: {kdf.encode()}")
    salt = os.urandom(16)
    report(
        "argon2id derive (the KDF alone)",
        timed(args.rounds, lambda: derive("pw pw pw pw", salt, kdf, b"x")),
    )
    bench_sessionbox(args.box_rounds, args.turns)
    if args.database_url:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(args.database_url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        joiner = "&" if "?" in args.database_url else "?"
        try:
            print(f"Database: PostgreSQL (schema {schema})")
            bench_regulars(
                f"{args.database_url}{joiner}options=-csearch_path%3D{schema}", kdf, args.rounds
            )
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()
        return
    with tempfile.TemporaryDirectory() as folder:
        print("Database: SQLite (WAL, secure_delete, checkpoint after writes)")
        bench_regulars(f"sqlite:///{Path(folder) / 'vault.sqlite3'}", kdf, args.rounds)


if __name__ == "__main__":
    main()
