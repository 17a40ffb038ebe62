"""sealed totp secrets

TOTP secrets are stored sealed (``fernet:<token>``, about 150 characters) instead of in plain text, so the columns
widen. Plain secrets already stored are sealed by the registry at its next start, with the key from its settings
(a migration has no business knowing that key).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=255), existing_type=sa.String(length=64))
    with op.batch_alter_table("totp_enrollments") as batch:
        batch.alter_column("secret", type_=sa.String(length=255), existing_type=sa.String(length=64))


def downgrade() -> None:
    # Sealed values do not fit the narrow columns and the old code cannot read them: refuse rather than lose
    # anyone's second factor (open them with the key first). Without sealed values, narrow back.
    connection = op.get_bind()
    sealed = connection.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM accounts WHERE totp_secret LIKE 'fernet:%') "
            "+ (SELECT count(*) FROM totp_enrollments WHERE secret LIKE 'fernet:%')"
        )
    ).scalar_one()
    if sealed:
        raise RuntimeError(f"{sealed} TOTP secret(s) are sealed; open them with the key before downgrading")
    with op.batch_alter_table("totp_enrollments") as batch:
        batch.alter_column("secret", type_=sa.String(length=64), existing_type=sa.String(length=255))
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=64), existing_type=sa.String(length=255))
