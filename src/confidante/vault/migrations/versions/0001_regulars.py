"""Create the regulars table: a pseudonymous handle, KDF settings and a sealed note.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``regulars``; every readable word of a record lives inside ``ciphertext``."""
    op.create_table(
        "regulars",
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


def downgrade() -> None:
    """Drop ``regulars`` and every record in it."""
    op.drop_table("regulars")
