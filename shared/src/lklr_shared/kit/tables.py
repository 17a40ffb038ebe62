"""Column groups that several services declare for the same shared data, so each declares them one way.

A service copies what another service's events carry into its own tables (it never reads another database); where
two services keep the same thing, the columns come from here. Each call returns new columns: a column belongs to
one table.
"""

from __future__ import annotations

import sqlalchemy as sa

# Points as the portfolio and the audit keep them: two decimals is exact for the register's half points.
FROZEN_POINTS = sa.Numeric(9, 2)


def registered_person_columns() -> list[sa.Column[object]]:
    """A registered person as the registry's registration events name them, keyed by the registry's person id."""
    return [
        sa.Column("person_id", sa.Uuid, primary_key=True),
        sa.Column("registration_number", sa.String(16), nullable=False, unique=True),
        sa.Column("initials", sa.String(20), nullable=False),
        sa.Column("surname", sa.String(200), nullable=False),
        sa.Column("registered_since", sa.Date, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
    ]


def frozen_activity_columns() -> list[sa.Column[object]]:
    """What a frozen dossier tells of each activity: its category, type, title, description, points, accreditation."""
    return [
        sa.Column("category", sa.String(2), nullable=False),
        sa.Column("activity_type", sa.String(60), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("points", FROZEN_POINTS, nullable=False),
        sa.Column("accredited", sa.Boolean, nullable=False),
    ]
