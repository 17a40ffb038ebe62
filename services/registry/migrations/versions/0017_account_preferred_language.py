"""account preferred language

The language of every mail the register sends an account later on (decisions, reminders, audit news): Dutch
(``nl``, the register's language and the default for every existing account) or English (``en``). Set from the
language a person signs up in and changeable on Mijn LKLR. On PostgreSQL a check constraint keeps any other value
out.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-07 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch rebuild of accounts on SQLite would drop a table others refer to.
    op.add_column("accounts", sa.Column("preferred_language", sa.String(2), nullable=False, server_default="nl"))
    # SQLite (the embedded default) adds a check constraint only by rebuilding the table, which the foreign keys to
    # accounts refuse while rows refer to it; there the registry's contracts alone keep other values out.
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint("ck_accounts_preferred_language", "accounts", "preferred_language IN ('nl', 'en')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_accounts_preferred_language", "accounts", type_="check")
    op.drop_column("accounts", "preferred_language")  # SQLite 3.35 and later drop a column in place
