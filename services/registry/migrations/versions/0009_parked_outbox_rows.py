"""parked outbox rows

kit_outbox.parked_at: a row that can never be published (its body does not parse, or publishing fails for a reason
other than the broker) is parked with its error instead of holding up the rows behind it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kit_outbox") as batch:
        batch.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kit_outbox") as batch:
        batch.drop_column("parked_at")
