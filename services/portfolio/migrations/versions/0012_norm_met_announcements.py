"""norm met announcements

A new table only: the cycles whose norm the portfolio announced as met (PortfolioNormMet), one row per cycle, so
the announcement goes out once however often the norm is reached again. Existing rows are untouched.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 13:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'norm_met_announcements',
        sa.Column('cycle_id', sa.Uuid(), nullable=False),
        sa.Column('person_id', sa.Uuid(), nullable=False),
        sa.Column('met_on', sa.Date(), nullable=False),
        sa.Column('announced_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycles.cycle_id']),
        sa.PrimaryKeyConstraint('cycle_id'),
    )


def downgrade() -> None:
    op.drop_table('norm_met_announcements')
