"""The public register's lookup: registrations with their latest cycle, by number or by part of a name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from registry.adapters.orm import cycles, login_throttle, people, registrations
from registry.domain.register_search import NameSearch, NumberSearch
from registry.domain.registration_number import RegistrationNumber
from registry.domain.status import RegistrationStatus

# What a public entry is made of, and nothing more (defence in depth: e-mail, employer and hours are not even read).
PUBLIC_COLUMNS = (
    registrations.c.person_id,
    registrations.c.registration_number,
    registrations.c.status,
    registrations.c.registered_since,
    people.c.initials,
    people.c.surname,
    people.c.roles,
    cycles.c.starts_on,
    cycles.c.ends_on,
)


def public_rows() -> sa.Select[Any]:
    """Registrations with their latest cycle, selecting only the public columns; applications not yet decided
    are not in the register."""
    # The latest cycle per registration, looked up for each matching row on the (person_id, sequence) key: a
    # grouped subquery over every cycle would make each lookup read the whole table.
    latest = (
        sa.select(sa.func.max(cycles.c.sequence))
        .where(cycles.c.person_id == registrations.c.person_id)
        .correlate(registrations)
        .scalar_subquery()
    )
    return (
        sa.select(*PUBLIC_COLUMNS)
        .join(people, people.c.person_id == registrations.c.person_id)
        .join(cycles, sa.and_(cycles.c.person_id == registrations.c.person_id, cycles.c.sequence == latest))
        .where(registrations.c.status != RegistrationStatus.APPLIED.value)
    )


def name_matches(search: NameSearch) -> sa.ColumnElement[bool]:
    """The surname, or initials and surname, hold the fragment (case-insensitive, wildcards taken literally).

    One condition on "initials surname" covers both: initials and surname are never null, so a fragment inside
    the surname is inside the full name too. The space is written as a literal, not a parameter, so the
    expression is the one the trigram index ``ix_people_full_name_trgm`` holds (migration 0014) and the planner
    can use that index (an OR of two conditions, or a parameter inside the expression, made it scan the table).
    """
    full_name = sa.func.lower(people.c.initials + sa.literal_column("' '") + people.c.surname)
    return full_name.contains(search.fragment, autoescape=True)


async def search(session: AsyncSession, query: NumberSearch | NameSearch, *, limit: int) -> list[Any]:
    """Up to ``limit`` public rows matching the search, by surname, initials and number."""
    statement = public_rows()
    if isinstance(query, NumberSearch):
        statement = statement.where(registrations.c.registration_number == query.number.value)
    else:
        statement = statement.where(name_matches(query))
        if session.get_bind().dialect.name == "postgresql":
            # A prepared statement switches to a generic plan after five runs, and the generic plan of a pattern
            # that is a parameter scans every registration (hundreds of ms at 100,000); planned for the
            # fragment at hand, the trigram index finds the few matching people first.
            await session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
    statement = statement.order_by(people.c.surname, people.c.initials, registrations.c.registration_number)
    return list((await session.execute(statement.limit(limit))).all())


async def entry(session: AsyncSession, number: RegistrationNumber) -> Any:
    """The public row of one registration number, or None."""
    return (await session.execute(public_rows().where(registrations.c.registration_number == number.value))).first()


async def purge_login_throttle(session: AsyncSession, *, now: datetime, forgotten_before: datetime) -> None:
    """Drop sign-in throttle rows the throttle has forgotten: lockout over, or failures older than
    ``forgotten_before`` (see ``domain.login_throttle.current_state``)."""
    await session.execute(
        sa.delete(login_throttle).where(
            sa.or_(
                login_throttle.c.locked_until <= now,
                sa.and_(
                    login_throttle.c.locked_until.is_(None),
                    sa.or_(
                        login_throttle.c.last_failure_at.is_(None),
                        login_throttle.c.last_failure_at <= forgotten_before,
                    ),
                ),
            )
        )
    )
