"""credentials

A new table only: the verifiable credentials the register issued (Open Badges 3.0 as VC-JWT), each with its bit
in the register's Bitstring Status List (the autoincrement key) and when it was revoked. Existing rows are
untouched.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column(
            "status_index", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("credential_id", sa.String(length=80), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["registrations.person_id"]),
        sa.PrimaryKeyConstraint("status_index"),
        sa.UniqueConstraint("credential_id"),
    )
    op.create_index("ix_credentials_person", "credentials", ["person_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_credentials_person", table_name="credentials")
    op.drop_table("credentials")
