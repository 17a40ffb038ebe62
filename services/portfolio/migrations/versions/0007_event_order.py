"""event order

The registration copy and the cycles remember when the event that set them happened, so events that arrive out of
order end in the right state; status changes that arrive before their registration wait in early_status_changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registered_people") as batch:
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("cycles") as batch:
        batch.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "early_status_changes",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("new_status", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("early_status_changes")
    with op.batch_alter_table("cycles") as batch:
        batch.drop_column("announced_at")
    with op.batch_alter_table("registered_people") as batch:
        batch.drop_column("status_changed_at")
