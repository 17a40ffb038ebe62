"""erasures

Two new tables: the erasures the registry asked for (under the person's pseudonym, never their id, name or
number) and each service's confirmation of them. ``credentials.person_id`` becomes nullable: an erased person's
credentials stay as rows without a person, so their status bits stay set (a revoked credential must never turn
valid again because its row went). Existing rows are untouched.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("erasure_id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym", sa.String(length=80), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("erasure_id"),
    )
    op.create_index("ix_erasures_pseudonym", "erasures", ["pseudonym"])
    op.create_table(
        "erasure_confirmations",
        sa.Column("erasure_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("rows_erased", sa.Integer(), nullable=False),
        sa.Column("files_erased", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["erasure_id"], ["erasures.erasure_id"]),
        sa.PrimaryKeyConstraint("erasure_id", "service"),
    )
    with op.batch_alter_table("credentials") as batch:
        batch.alter_column("person_id", existing_type=sa.Uuid(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM credentials WHERE person_id IS NULL")
    with op.batch_alter_table("credentials") as batch:
        batch.alter_column("person_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_table("erasure_confirmations")
    op.drop_index("ix_erasures_pseudonym", table_name="erasures")
    op.drop_table("erasures")
