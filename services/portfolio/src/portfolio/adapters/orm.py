"""The service's tables. Relationships, where added, load explicitly (lazy="raise")."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Local read model of the registry's registrations, fed only by registry events (never by its database).
registered_people = sa.Table(
    "registered_people",
    metadata,
    sa.Column("person_id", sa.Uuid, primary_key=True),
    sa.Column("registration_number", sa.String(16), nullable=False, unique=True),
    sa.Column("initials", sa.String(20), nullable=False),
    sa.Column("surname", sa.String(200), nullable=False),
    sa.Column("registered_since", sa.Date, nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
)

# Cycles as the registry announced them: activities count in the cycle their completion date falls in.
cycles = sa.Table(
    "cycles",
    metadata,
    sa.Column("cycle_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False, index=True),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("scheme_version", sa.String(40), nullable=False),
    sa.UniqueConstraint("person_id", "sequence"),
)
