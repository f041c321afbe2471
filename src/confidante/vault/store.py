"""Storage of sealed rows: SQLAlchemy Core on SQLite (default) or PostgreSQL (servers).

The store never sees plaintext; it moves handles, KDF settings, nonces, ciphertext and visit
metadata. What it adds is care for the bytes on disk:

* a SQLite file is created 0600 with ``os.open`` before SQLite opens it (the -wal and -shm files
  inherit that mode from it), runs in WAL mode with ``secure_delete`` on, so freed space is zeroed,
  and its WAL is checkpointed with TRUNCATE after every update and delete, so old page images do
  not linger in the -wal file;
* on PostgreSQL, deleted rows are vacuumed straight away (best effort; see DISCRETION.md);
* a change is one read-modify-write transaction holding the row's lock (``SELECT ... FOR UPDATE``
  on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite), so concurrent writers queue instead of losing
  updates, and a writer that waits longer than the lock timeout gets VaultBusyError. Every row
  also carries a ``version`` that each write checks and bumps, as a second guard;
* migrations (``migrations/``) run on open, under a lock, so two processes opening a fresh
  database at once do not race.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import StaticPool

from confidante.errors import ConfigError, VaultBusyError, VaultError

metadata = sa.MetaData()
# Mirrors migrations/versions; the migrations, not this table, create the schema.
regulars_table = sa.Table(
    "regulars",
    metadata,
    sa.Column("handle", sa.String(40), primary_key=True),
    sa.Column("kdf", sa.String(64), nullable=False),
    sa.Column("salt", sa.LargeBinary(), nullable=False),
    sa.Column("nonce", sa.LargeBinary(), nullable=False),
    sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    sa.Column("visits", sa.Integer(), nullable=False),
    sa.Column("first_month", sa.String(7), nullable=False),
    sa.Column("last_month", sa.String(7), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)

_PG_MIGRATION_LOCK = 0x436F6E66  # "Conf": one advisory lock id for vault migrations
DEFAULT_LOCK_TIMEOUT = 15.0  # seconds a writer waits for another before VaultBusyError
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out
_CHECKPOINT_TRIES = 20


@dataclass(frozen=True)
class SealedRow:
    """One stored record exactly as the database holds it."""

    handle: str
    kdf: str
    salt: bytes = field(repr=False)
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)
    visits: int
    first_month: str
    last_month: str
    version: int = 0


class Store:
    """Sealed rows in one database; safe to share between threads."""

    def __init__(self, url: str, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgres = parsed.get_backend_name() == "postgresql"
        if not (self.is_sqlite or self.is_postgres):
            raise ConfigError(
                "The vault supports sqlite:/// and postgresql+psycopg:// URLs; "
                "fix CONFIDANTE_DATABASE_URL."
            )
        self.lock_timeout_ms = max(1, int(lock_timeout * 1000))
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, self.lock_timeout_ms)
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        with self.guard():
            migrate(self.engine, postgres=self.is_postgres)

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn driver errors into VaultError; the SQL carries only ciphertext and metadata."""
        try:
            yield
        except DBAPIError as err:
            locked = getattr(err.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE
            if locked or "database is locked" in str(err.orig):
                raise VaultBusyError(
                    "Another visit is changing this record right now; try again in a moment."
                ) from err
            raise VaultError(
                "The vault database could not be used; check that it is reachable and that "
                "CONFIDANTE_DATABASE_URL points at it, then try again."
            ) from err

    def load(self, handle: str) -> SealedRow | None:
        """The row for ``handle``, or None."""
        t = regulars_table
        with self.guard(), self.engine.begin() as conn:
            row = conn.execute(sa.select(t).where(t.c.handle == handle)).mappings().first()
        return None if row is None else SealedRow(**dict(row))

    def insert(self, row: SealedRow) -> bool:
        """Add a new row; False when the handle is taken."""
        with self.guard():
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.insert(regulars_table).values(**_values(row)))
            except IntegrityError:
                return False
        return True

    def modify(
        self, handle: str, change: Callable[[SealedRow], SealedRow | None]
    ) -> tuple[bool, SealedRow | None]:
        """Read, change and write one row under its lock: (found, row written or None if deleted).

        ``change`` gets the row as it is now and returns the row to write (its ``version`` one
        higher), or None to delete it; an exception from it rolls everything back. It runs while
        the lock is held, so it must be quick: derive keys before, not inside.
        """
        t = regulars_table
        query = sa.select(t).where(t.c.handle == handle)
        with self.guard(), self.engine.begin() as conn:
            if self.is_postgres:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {self.lock_timeout_ms}")
                query = query.with_for_update()
            # On SQLite the transaction began with BEGIN IMMEDIATE: the write lock is held.
            found = conn.execute(query).mappings().first()
            if found is None:
                return False, None
            current = SealedRow(**dict(found))
            new = change(current)
            same = (t.c.handle == handle, t.c.version == current.version)
            if new is None:
                done = conn.execute(sa.delete(t).where(*same)).rowcount
            else:
                done = conn.execute(sa.update(t).where(*same).values(**_values(new))).rowcount
            if done != 1:  # cannot happen under the lock; refuse rather than guess
                raise VaultBusyError("The record changed while locked; try again in a moment.")
        self.scrub()
        return True, new

    def infos(self) -> list[tuple[str, int, str, str]]:
        """Handle, visits, first and last month of every row, most recent first."""
        t = regulars_table
        stmt = sa.select(t.c.handle, t.c.visits, t.c.first_month, t.c.last_month).order_by(
            t.c.last_month.desc(), t.c.handle
        )
        with self.guard(), self.engine.begin() as conn:
            return [(r[0], r[1], r[2], r[3]) for r in conn.execute(stmt)]

    def scrub(self) -> None:
        """Push old page images out of places a copy of the disk could find them."""
        if self.is_sqlite:
            _checkpoint(self.engine)
        else:
            _vacuum(self.engine)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def migrate(engine: Engine, *, postgres: bool) -> None:
    """Bring the schema to the newest revision, holding a lock so concurrent openers wait."""
    with engine.begin() as conn:
        if postgres:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        # On SQLite the transaction began with BEGIN IMMEDIATE, which is the lock.
        _upgrade(conn)


def _upgrade(conn: Connection) -> None:
    with resources.as_file(resources.files("confidante.vault").joinpath("migrations")) as where:
        config = Config()
        config.set_main_option("script_location", str(where).replace("%", "%%"))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _values(row: SealedRow) -> dict[str, Any]:
    return {
        "handle": row.handle,
        "kdf": row.kdf,
        "salt": row.salt,
        "nonce": row.nonce,
        "ciphertext": row.ciphertext,
        "visits": row.visits,
        "first_month": row.first_month,
        "last_month": row.last_month,
        "version": row.version,
    }


def _sqlite_engine(url: str, busy_ms: int) -> Engine:
    parsed = make_url(url)
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        engine = sa.create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        prepare_sqlite_file(Path(database))
        engine = sa.create_engine(url, connect_args={"timeout": busy_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (below); the driver's implicit transactions would leave
        # DDL and SELECTs outside them.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, waiting on busy_timeout, instead of failing
        # at once when a read transaction later tries to write.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def prepare_sqlite_file(path: Path) -> None:
    """Create the database file 0600 (and its folder 0700) before SQLite touches it."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        os.close(fd)
        for extra in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            if extra.exists() and extra.stat().st_mode & 0o077:
                os.chmod(extra, 0o600)  # tighten a file someone else created too loosely
    except OSError as err:
        raise VaultError(
            "Cannot create or open the vault file; check that its folder exists and belongs "
            "to you, or set CONFIDANTE_DATABASE_URL."
        ) from err


def _checkpoint(engine: Engine) -> None:
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        for attempt in range(_CHECKPOINT_TRIES):
            busy = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                return
            # Another connection is mid-read; it finishes in milliseconds.
            time.sleep(0.01 * (attempt + 1))
    finally:
        raw.close()


def _vacuum(engine: Engine) -> None:
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # SKIP_LOCKED: never queue behind another vacuum; the next write will vacuum again.
            conn.exec_driver_sql("VACUUM (SKIP_LOCKED) regulars")
    except DBAPIError:
        # Only the table's owner may vacuum; autovacuum will reclaim the dead row later, and
        # the row is ciphertext whose key was never stored (see DISCRETION.md).
        pass
