"""outbox headers

kit_outbox.headers: the AMQP headers an event is published with, written in the transaction that emits it: the
trace context of that transaction (W3C traceparent and tracestate), so the event's consumers continue its trace
(lklr_shared.kit.tracing). Rows written before this migration have none and are published without.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kit_outbox") as batch:
        batch.add_column(sa.Column("headers", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kit_outbox") as batch:
        batch.drop_column("headers")
