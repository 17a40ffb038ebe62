"""xapi statements

xapi_statements: the statements providers' systems send to the gateway's /xapi Learning Record Store, as stored,
with the keys the standard's filters use and what each statement did to the register (an attendance row, a void).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "xapi_statements",
        sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False),
        sa.Column("statement_id", sa.Uuid, nullable=False),
        sa.Column("content_digest", sa.String(64), nullable=False),
        sa.Column("statement", sa.JSON, nullable=False),
        sa.Column("actor_key", sa.Text, nullable=True),
        sa.Column("object_agent_key", sa.Text, nullable=True),
        sa.Column("verb_id", sa.Text, nullable=False),
        sa.Column("activity_id", sa.Text, nullable=True),
        sa.Column("registration", sa.Uuid, nullable=True),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("voids_statement_id", sa.Uuid, nullable=True),
        sa.Column("effect", sa.String(10), nullable=False),
        sa.Column("attendance_id", sa.Uuid, sa.ForeignKey("attendance.attendance_id"), nullable=True),
        sa.Column("reason_code", sa.String(60), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.UniqueConstraint("provider_id", "statement_id", name="uq_xapi_statements_provider_statement"),
    )
    op.create_index("ix_xapi_statements_provider_sequence", "xapi_statements", ["provider_id", "sequence"])


def downgrade() -> None:
    op.drop_index("ix_xapi_statements_provider_sequence", table_name="xapi_statements")
    op.drop_table("xapi_statements")
