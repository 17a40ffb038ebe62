"""The registry's tables. Relationships, where added, load explicitly (lazy="raise")."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

registrations = sa.Table(
    "registrations",
    metadata,
    sa.Column("person_id", sa.Uuid, primary_key=True),
    # The allocated sequence is unique, so two concurrent approvals can never issue one number twice.
    sa.Column("sequence", sa.Integer, nullable=False, unique=True),
    sa.Column("registration_number", sa.String(16), nullable=False, unique=True),
    sa.Column("initials", sa.String(20), nullable=False),
    sa.Column("surname", sa.String(200), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("employer_id", sa.String(100), nullable=False),
    sa.Column("registered_since", sa.Date, nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
)

cycles = sa.Table(
    "cycles",
    metadata,
    sa.Column("cycle_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, sa.ForeignKey("registrations.person_id"), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("scheme_version", sa.String(40), nullable=False),
    sa.UniqueConstraint("person_id", "sequence"),
)
