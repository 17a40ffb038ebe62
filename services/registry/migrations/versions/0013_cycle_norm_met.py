"""cycle norm met

A nullable column only: the day the portfolio announced a cycle's norm as met (PortfolioNormMet), from which the
register issues the norm-met credential. Existing cycles stay unmarked until the portfolio announces them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cycles") as batch:
        batch.add_column(sa.Column("norm_met_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cycles") as batch:
        batch.drop_column("norm_met_on")
