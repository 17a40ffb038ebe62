"""second factor on sessions and tokens

Sessions and API tokens record whether their sign-in passed the second factor; staff roles count only then.
Existing tokens are marked as without it: a staff member signs in once more with a code, which is the point.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("access_tokens") as batch:
        batch.add_column(sa.Column("second_factor", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_column("second_factor")
