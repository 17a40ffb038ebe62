"""erasable logs

The audit trail and the sign-in log stay append-only (UPDATE and DELETE refused) with one deliberate exception: a
DELETE in a transaction that set the log-erasure flag (``lklr_shared.kit.security_log.allow_log_erasure``), which
only erasure and the pruning after the logs' retention do. PostgreSQL: the trigger functions are replaced (the
triggers stay). SQLite: a marker table, and the DELETE triggers are made again with a WHEN on it. No rows change.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 17:50:00
"""

from collections.abc import Sequence

from alembic import op

from lklr_shared.kit.security_log import (
    append_only_statements,
    drop_append_only_statements,
    drop_log_erasure_marker_statements,
    log_erasure_marker_statements,
)

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOGS = ("audit_trail", "login_attempts")


def _remake(*, erasable: bool) -> None:
    dialect = op.get_bind().dialect.name
    for table in _LOGS:
        for statement in drop_append_only_statements(table, dialect):
            op.execute(statement)
        for statement in append_only_statements(table, dialect, erasable=erasable):
            op.execute(statement)


def upgrade() -> None:
    for statement in log_erasure_marker_statements(op.get_bind().dialect.name):
        op.execute(statement)
    _remake(erasable=True)


def downgrade() -> None:
    _remake(erasable=False)
    for statement in drop_log_erasure_marker_statements(op.get_bind().dialect.name):
        op.execute(statement)
