"""course objections

One new table: course_objections, the providers' objections against course decisions in the register's one
objection flow (receipt, hearing, one extension, decision, with their deadlines). No existing rows change: an
objection made before stays in the committee's queue as it was (courses.objection_open), without the flow's clock.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_objections",
        sa.Column("objection_id", sa.Uuid(), primary_key=True),
        sa.Column("course_id", sa.Uuid(), sa.ForeignKey("courses.course_id"), nullable=False),
        sa.Column("provider_id", sa.Uuid(), sa.ForeignKey("providers.provider_id"), nullable=False),
        sa.Column("decision_step", sa.String(40), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("filing_deadline", sa.Date(), nullable=False),
        sa.Column("filed_by", sa.String(200), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("hearing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hearing_place", sa.String(500), nullable=True),
        sa.Column("original_decision_due_on", sa.Date(), nullable=False),
        sa.Column("decision_due_on", sa.Date(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("objection_decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_course_objections_course_id", "course_objections", ["course_id"])
    op.create_index("ix_course_objections_state_due", "course_objections", ["state", "decision_due_on"])


def downgrade() -> None:
    op.drop_index("ix_course_objections_state_due", table_name="course_objections")
    op.drop_index("ix_course_objections_course_id", table_name="course_objections")
    op.drop_table("course_objections")
