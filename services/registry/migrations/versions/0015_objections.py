"""objections

One new table: objections (bezwaar) against the register's decisions, with their deadlines and steps. One
objection per decision (unique kind + reference). No existing rows change.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "objections",
        sa.Column("objection_id", sa.Uuid(), primary_key=True),
        sa.Column("person_id", sa.Uuid(), sa.ForeignKey("people.person_id"), nullable=False),
        sa.Column("decision_kind", sa.String(40), nullable=False),
        sa.Column("decision_reference", sa.String(100), nullable=False),
        sa.Column("decision_summary", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("filing_deadline", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("hearing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hearing_place", sa.String(300), nullable=True),
        sa.Column("original_decision_due_on", sa.Date(), nullable=False),
        sa.Column("decision_due_on", sa.Date(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("objection_decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("decision_kind", "decision_reference", name="uq_objections_decision"),
    )
    op.create_index("ix_objections_person", "objections", ["person_id"])
    op.create_index("ix_objections_state_due", "objections", ["state", "decision_due_on"])


def downgrade() -> None:
    op.drop_index("ix_objections_state_due", table_name="objections")
    op.drop_index("ix_objections_person", table_name="objections")
    op.drop_table("objections")
