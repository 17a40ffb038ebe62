"""lookup indexes

Indexes only, for the public register's search by part of a name at 100,000 registrations and more: trigram (GIN)
indexes on the two expressions the search matches with LIKE '%...%' (the surname, and initials and surname), so a
lookup reads the matching rows instead of every person. PostgreSQL only (the pg_trgm extension, trusted: a
database owner may create it); SQLite, the embedded default, gets nothing. No row changes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX IF NOT EXISTS ix_people_surname_trgm ON people USING gin (lower(surname) gin_trgm_ops)")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_people_full_name_trgm ON people "
        "USING gin (lower(initials || ' ' || surname) gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_people_full_name_trgm")
    op.execute("DROP INDEX IF EXISTS ix_people_surname_trgm")
