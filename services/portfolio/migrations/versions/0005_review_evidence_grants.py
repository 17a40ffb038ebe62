"""review evidence grants

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 13:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'review_evidence_grants',
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('reviewer_id', sa.Uuid(), nullable=False),
        sa.Column('item_kind', sa.String(length=10), nullable=False),
        sa.Column('item_id', sa.Uuid(), nullable=False),
        sa.Column('person_id', sa.Uuid(), nullable=False),
        sa.Column('dossier_id', sa.Uuid(), nullable=False),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('case_id', 'reviewer_id', 'item_kind', 'item_id'),
    )


def downgrade() -> None:
    op.drop_table('review_evidence_grants')
