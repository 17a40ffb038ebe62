"""index for removing unfinished evidence uploads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 08:30:00.000000
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_evidence_uploads_status_updated_at', 'evidence_uploads', ['status', 'updated_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_evidence_uploads_status_updated_at', table_name='evidence_uploads')
