"""webhooks and sandbox

webhook_endpoints, webhook_deliveries (the webhook outbox and its delivery log), webhook_expiry_notices; the
sandbox: api_keys.sandbox and sandbox_attendance (what sandbox keys recorded, for the test numbers only).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("sandbox", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "webhook_endpoints",
        sa.Column("endpoint_id", sa.Uuid, primary_key=True),
        sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False, index=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("sandbox", sa.Boolean, nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("previous_secret", sa.String(100), nullable=True),
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.Text, nullable=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.Uuid, primary_key=True),
        sa.Column("endpoint_id", sa.Uuid, sa.ForeignKey("webhook_endpoints.endpoint_id"), nullable=False),
        sa.Column("provider_id", sa.Uuid, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("test", sa.Boolean, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_response_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_webhook_deliveries_endpoint_created", "webhook_deliveries", ["endpoint_id", "created_at"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "webhook_expiry_notices",
        sa.Column("course_id", sa.Uuid, primary_key=True),
        sa.Column("valid_until", sa.Date, primary_key=True),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sandbox_attendance",
        sa.Column("attendance_id", sa.Uuid, primary_key=True),
        sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False),
        sa.Column("edition_id", sa.Uuid, sa.ForeignKey("editions.edition_id"), nullable=False),
        sa.Column("registration_number", sa.String(16), nullable=False),
        sa.Column("hours", sa.Numeric(10, 2), nullable=False),
        sa.Column("points", sa.Numeric(10, 2), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("edition_id", "registration_number", name="uq_sandbox_attendance_edition_number"),
    )


def downgrade() -> None:
    op.drop_table("sandbox_attendance")
    op.drop_table("webhook_expiry_notices")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_endpoint_created", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_column("api_keys", "sandbox")
