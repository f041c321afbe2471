"""Vault fixtures: every storage test runs on SQLite and on PostgreSQL (its own schema)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from confidante.vault import KdfParams, Vault

#: Cheap Argon2id costs so tests run fast; the benchmark measures the real ones.
FAST_KDF = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
TODAY = date(2026, 3, 14)


def with_schema(url: str, schema: str) -> str:
    """``url`` with libpq told to use ``schema`` first, so each test has tables of its own."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty vault database: a SQLite file, or a new schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'vault.sqlite3'}"
        return
    base: str = request.getfixturevalue("postgres_url")
    schema = f"vault_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_schema(base, schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def open_vault(db_url: str) -> Iterator[Callable[..., Vault]]:
    """Open more vaults on the same database (as other processes or replicas would)."""
    opened: list[Vault] = []

    def make(**options: object) -> Vault:
        options.setdefault("kdf", FAST_KDF)
        options.setdefault("today", lambda: TODAY)
        made = Vault(db_url, **options)  # type: ignore[arg-type]
        opened.append(made)
        return made

    yield make
    for made in opened:
        made.close()


@pytest.fixture
def vault(open_vault: Callable[..., Vault]) -> Vault:
    """A vault with cheap KDF costs and a fixed clock (March 2026)."""
    return open_vault()


@pytest.fixture
def raw_row(db_url: str) -> Iterator[Callable[[str], dict[str, Any] | None]]:
    """Read a stored row straight from the database, bypassing the vault."""
    engine = sa.create_engine(db_url)

    def read(handle: str) -> dict[str, Any] | None:
        with engine.connect() as conn:
            row = (
                conn.execute(sa.text("SELECT * FROM regulars WHERE handle = :h"), {"h": handle})
                .mappings()
                .first()
            )
        return (
            None
            if row is None
            else {k: (bytes(v) if isinstance(v, memoryview) else v) for k, v in row.items()}
        )

    yield read
    engine.dispose()


@pytest.fixture
def raw_sql(db_url: str) -> Iterator[Callable[[str, dict[str, object]], None]]:
    """Change stored rows behind the vault's back, as someone with database access could."""
    engine = sa.create_engine(db_url)

    def run(sql: str, params: dict[str, object]) -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(sql), params)

    yield run
    engine.dispose()
