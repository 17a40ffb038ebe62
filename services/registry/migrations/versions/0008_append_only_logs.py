"""append-only logs

The registry's security event log is its audit trail and its sign-in log: triggers now refuse UPDATE and DELETE
on both, so not even a bug in the application can edit them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 08:05:00
"""

from collections.abc import Sequence

from alembic import op

from lklr_shared.kit.security_log import append_only_statements, drop_append_only_statements

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOGS = ("audit_trail", "login_attempts")


def upgrade() -> None:
    for table in _LOGS:
        for statement in append_only_statements(table, op.get_bind().dialect.name):
            op.execute(statement)


def downgrade() -> None:
    for table in _LOGS:
        for statement in drop_append_only_statements(table, op.get_bind().dialect.name):
            op.execute(statement)
