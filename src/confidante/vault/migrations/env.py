"""Alembic environment: runs on the connection that ``vault.store.migrate`` hands over.

There is no alembic.ini and no logging set-up here on purpose: the Config is built in code, and
a library must not reconfigure the application's logging.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

VERSION_TABLE = "confidante_vault_version"


def run() -> None:
    """Upgrade inside the caller's transaction, which already holds the migration lock."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run vault migrations through confidante.vault.store.migrate()")
    context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


run()
