"""extension refusals

One new table: cycle_extension_refusals, the office's refusals of a request to extend a cycle, kept as decisions
(reasons and date) so the person can object to them. No existing rows change.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 17:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cycle_extension_refusals",
        sa.Column("refusal_id", sa.Uuid(), primary_key=True),
        sa.Column("person_id", sa.Uuid(), sa.ForeignKey("people.person_id"), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), sa.ForeignKey("cycles.cycle_id"), nullable=False),
        sa.Column("case_reference", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_cycle_extension_refusals_person", "cycle_extension_refusals", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_cycle_extension_refusals_person", table_name="cycle_extension_refusals")
    op.drop_table("cycle_extension_refusals")
