"""objection evidence grants

A new table only: the files a person sent with an objection, which the register office may read (kept from the
registry's ObjectionEvidenceShared). Existing rows are untouched.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "objection_evidence_grants",
        sa.Column("objection_id", sa.Uuid(), primary_key=True),
        sa.Column("evidence_id", sa.Uuid(), primary_key=True),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_objection_evidence_grants_evidence", "objection_evidence_grants", ["evidence_id"])


def downgrade() -> None:
    op.drop_index("ix_objection_evidence_grants_evidence", table_name="objection_evidence_grants")
    op.drop_table("objection_evidence_grants")
