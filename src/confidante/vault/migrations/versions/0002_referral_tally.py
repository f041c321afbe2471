"""Create the referral tally: crisis referrals counted per UTC day and kind, nothing else.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``referral_tally``: a date, a kind from a closed set, and a count."""
    op.create_table(
        "referral_tally",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    """Drop ``referral_tally`` and every count in it."""
    op.drop_table("referral_tally")
