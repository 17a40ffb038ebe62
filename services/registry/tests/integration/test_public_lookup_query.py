"""The public register's lookup query with the latest cycle looked up per row (and the trigram indexes of
migration 0014) answers exactly what the grouped query before it answered: same entries, same order, for lookups by
number and by name, with people of one, two and three cycles and applications not yet public."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from lklr_shared.kit.db import make_engine, run_migrations
from lklr_shared.registration_numbers import registration_number_for
from registry.adapters.orm import cycles, people, registrations
from registry.adapters.repositories.register import PUBLIC_COLUMNS, name_matches, public_rows
from registry.bootstrap import MIGRATIONS_DIR
from registry.domain.register_search import NameSearch
from registry.domain.status import RegistrationStatus

pytestmark = [pytest.mark.integration]


def _grouped_rows() -> sa.Select[Any]:
    """The query as it was: the latest cycle from a subquery grouped over every cycle."""
    latest = (
        sa.select(cycles.c.person_id, sa.func.max(cycles.c.sequence).label("sequence"))
        .group_by(cycles.c.person_id)
        .subquery()
    )
    return (
        sa.select(*PUBLIC_COLUMNS)
        .join(people, people.c.person_id == registrations.c.person_id)
        .join(latest, latest.c.person_id == registrations.c.person_id)
        .join(cycles, sa.and_(cycles.c.person_id == latest.c.person_id, cycles.c.sequence == latest.c.sequence))
        .where(registrations.c.status != RegistrationStatus.APPLIED.value)
    )


def _ordered(statement: sa.Select[Any]) -> sa.Select[Any]:
    return statement.order_by(people.c.surname, people.c.initials, registrations.c.registration_number).limit(51)


async def test_lookup_by_number_and_name_answers_what_the_grouped_query_answered(databases: Any) -> None:
    url = await databases.create("registry_lookup")
    await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR)
    engine = make_engine(url)
    now = datetime.now(UTC)
    since = date(2020, 1, 1)
    statuses = ["registered", "expired", "suspended", "applied", "reregistration_pending"]
    surnames = ["Jansen", "de Vries", "Jansen-Bakker", "Bakker", "van Dijk"]
    numbers = []
    try:
        async with engine.begin() as connection:
            for index in range(40):
                person_id = uuid.uuid4()
                number = registration_number_for(700 + index)
                numbers.append(number)
                await connection.execute(
                    people.insert().values(
                        person_id=person_id,
                        initials=f"{chr(65 + index % 5)}.",
                        surname=surnames[index % len(surnames)],
                        roles=["leerplichtambtenaar"],
                        created_at=now,
                        updated_at=now,
                    )
                )
                await connection.execute(
                    registrations.insert().values(
                        person_id=person_id,
                        sequence=700 + index,
                        registration_number=number,
                        registered_since=since,
                        status=statuses[index % len(statuses)],
                    )
                )
                for sequence in range(1, index % 3 + 2):
                    start = since + timedelta(days=1826 * (sequence - 1))
                    await connection.execute(
                        cycles.insert().values(
                            cycle_id=uuid.uuid4(),
                            person_id=person_id,
                            sequence=sequence,
                            starts_on=start,
                            ends_on=start + timedelta(days=1825),
                            scheme_version="2018.1",
                        )
                    )
        async with engine.connect() as connection:
            lookups = [registrations.c.registration_number == number for number in numbers[:10]]
            lookups += [name_matches(NameSearch(fragment)) for fragment in ("jansen", "a. de v", "bakker", "dijk", "x")]
            answered = 0
            for condition in lookups:
                before = (await connection.execute(_ordered(_grouped_rows().where(condition)))).all()
                after = (await connection.execute(_ordered(public_rows().where(condition)))).all()
                assert after == before
                answered += len(after)
            assert answered > 20
    finally:
        await engine.dispose()
