"""security log

The service's security event log (kit_security_log: who, what, on which object, result, origin address, time),
append-only: triggers refuse UPDATE and DELETE on it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lklr_shared.kit.security_log import append_only_statements, drop_append_only_statements

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kit_security_log",
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=30), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    op.create_index("ix_kit_security_log_at", "kit_security_log", ["at"], unique=False)
    for statement in append_only_statements("kit_security_log", op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only_statements("kit_security_log", op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_kit_security_log_at", table_name="kit_security_log")
    op.drop_table("kit_security_log")
