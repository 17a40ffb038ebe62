"""account preferred language

The language of every mail the register sends an account later on (decisions, reminders, audit news): Dutch
(``nl``, the register's language and the default for every existing account) or English (``en``). Set from the
language a person signs up in and changeable on Mijn LKLR. A check constraint keeps any other value out.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("preferred_language", sa.String(2), nullable=False, server_default="nl"))
        batch.create_check_constraint("ck_accounts_preferred_language", "preferred_language IN ('nl', 'en')")


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("ck_accounts_preferred_language", type_="check")
        batch.drop_column("preferred_language")
