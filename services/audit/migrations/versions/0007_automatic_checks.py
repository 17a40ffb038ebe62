"""automatic checks

A nullable JSON column only: the result of the automatic review checks (lklr_shared.dossier_checks, the rules of
the professional's self-check) on each frozen round of a dossier. Rounds received before stay without one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossier_rounds") as batch:
        batch.add_column(sa.Column("automatic_check", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossier_rounds") as batch:
        batch.drop_column("automatic_check")
