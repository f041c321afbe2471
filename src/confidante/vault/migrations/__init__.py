"""Alembic migrations of the vault's schema, run programmatically by ``vault.store.migrate``."""
