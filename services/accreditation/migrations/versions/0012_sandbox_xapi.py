"""sandbox xapi

sandbox_xapi_statements: the statements sandbox keys send to /xapi, kept apart from the providers' production
statements (same columns; attendance ids point into sandbox_attendance). sandbox_attendance.voided_at/void_reason:
a sandbox key voids a sandbox record (a voiding statement, or the API's void) as production voids a real one, and the
unique key covers active records only; post_id/channel: a sandbox key lists its records as production lists real
ones (rows of earlier sandbox posts have none: listed with their own id and channel `api`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sandbox_attendance") as batch:
        batch.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("void_reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("post_id", sa.Uuid, nullable=True))
        batch.add_column(sa.Column("channel", sa.String(10), nullable=True))
        batch.drop_constraint("uq_sandbox_attendance_edition_number", type_="unique")
    op.create_index(
        "uq_sandbox_attendance_active",
        "sandbox_attendance",
        ["edition_id", "registration_number"],
        unique=True,
        postgresql_where=sa.text("voided_at IS NULL"),
        sqlite_where=sa.text("voided_at IS NULL"),
    )
    op.create_table(
        "sandbox_xapi_statements",
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
        sa.Column("attendance_id", sa.Uuid, sa.ForeignKey("sandbox_attendance.attendance_id"), nullable=True),
        sa.Column("reason_code", sa.String(60), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.UniqueConstraint("provider_id", "statement_id", name="uq_sandbox_xapi_statements_provider_statement"),
    )
    op.create_index(
        "ix_sandbox_xapi_statements_provider_sequence", "sandbox_xapi_statements", ["provider_id", "sequence"]
    )


def downgrade() -> None:
    op.drop_index("ix_sandbox_xapi_statements_provider_sequence", table_name="sandbox_xapi_statements")
    op.drop_table("sandbox_xapi_statements")
    op.drop_index("uq_sandbox_attendance_active", table_name="sandbox_attendance")
    op.execute("DELETE FROM sandbox_attendance WHERE voided_at IS NOT NULL")
    with op.batch_alter_table("sandbox_attendance") as batch:
        batch.create_unique_constraint("uq_sandbox_attendance_edition_number", ["edition_id", "registration_number"])
        batch.drop_column("channel")
        batch.drop_column("post_id")
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
