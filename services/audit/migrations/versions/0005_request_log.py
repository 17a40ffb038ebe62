"""request log

kit_request_log: the request ids of commands carried out (request type, payload hash, the stored reply), claimed in
the command's own transaction, so a retried or redelivered command with the same id returns the first reply and
changes nothing (lklr_shared.kit.request_log).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kit_request_log",
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("request_type", sa.String(length=200), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index("ix_kit_request_log_claimed_at", "kit_request_log", ["claimed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_kit_request_log_claimed_at", table_name="kit_request_log")
    op.drop_table("kit_request_log")
