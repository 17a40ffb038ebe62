"""The local read model of registrations: people, their status history and their current names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import person_names, registered_people, registration_history
from accreditation.adapters.repositories.dialect import as_utc
from accreditation.domain.registrations import StatusEntry
from lklr_shared.kit.db import upsert


async def add_history(
    session: AsyncSession,
    person_id: uuid.UUID,
    effective_on: date,
    status: str,
    *,
    occurred_at: datetime,
    source_message_id: uuid.UUID,
) -> None:
    """Add an entry to the person's status history."""
    await session.execute(
        sa.insert(registration_history).values(
            person_id=person_id,
            effective_on=effective_on,
            status=status,
            occurred_at=occurred_at,
            source_message_id=source_message_id,
        )
    )


async def history_of(session: AsyncSession, person_id: uuid.UUID) -> list[StatusEntry]:
    """The person's status history, in no particular order."""
    rows = await session.execute(
        sa.select(
            registration_history.c.effective_on, registration_history.c.status, registration_history.c.occurred_at
        ).where(registration_history.c.person_id == person_id)
    )
    return [StatusEntry(effective_on, status, as_utc(occurred_at)) for effective_on, status, occurred_at in rows]


async def registration_number_of(session: AsyncSession, person_id: uuid.UUID) -> str | None:
    """The person's registration number, if the register knows them."""
    number = (
        await session.execute(
            sa.select(registered_people.c.registration_number).where(registered_people.c.person_id == person_id)
        )
    ).scalar_one_or_none()
    return None if number is None else str(number)


async def is_known(session: AsyncSession, person_id: uuid.UUID) -> bool:
    """Whether the read model has a row for the person."""
    found = await session.execute(
        sa.select(registered_people.c.person_id).where(registered_people.c.person_id == person_id)
    )
    return found.first() is not None


async def insert_person(session: AsyncSession, **values: Any) -> None:
    """Insert a person's row."""
    await session.execute(sa.insert(registered_people).values(**values))


async def update_person(session: AsyncSession, person_id: uuid.UUID, **values: Any) -> None:
    """Change a person's row (nothing when there is none yet)."""
    await session.execute(
        sa.update(registered_people).where(registered_people.c.person_id == person_id).values(**values)
    )


async def name(session: AsyncSession, person_id: uuid.UUID) -> Any | None:
    """The person's latest name change (initials, surname, changed_at), or None."""
    return (
        await session.execute(
            sa.select(person_names.c.initials, person_names.c.surname, person_names.c.changed_at).where(
                person_names.c.person_id == person_id
            )
        )
    ).first()


async def save_name(session: AsyncSession, **values: Any) -> None:
    """Insert or replace the person's name change."""
    await upsert(session, person_names, values, key=["person_id"])


async def registered_people_by_number(session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    """(person id, registration number) of the people registered now, by number."""
    rows = await session.execute(
        sa.select(registered_people.c.person_id, registered_people.c.registration_number)
        .where(registered_people.c.status == "registered")
        .order_by(registered_people.c.registration_number)
    )
    return [(row.person_id, row.registration_number) for row in rows]


# --- the same for a batch of events (one statement each, whatever the batch's size) ----------------------------


async def add_histories(session: AsyncSession, entries: Sequence[Mapping[str, Any]]) -> None:
    """`add_history` for many entries (person_id, effective_on, status, occurred_at, source_message_id)."""
    if entries:
        await session.execute(sa.insert(registration_history), [dict(entry) for entry in entries])


async def histories_of(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[StatusEntry]]:
    """`history_of` of many people (every one asked for is in the answer, with an empty history if need be)."""
    ids = list(set(person_ids))
    found: dict[uuid.UUID, list[StatusEntry]] = {person_id: [] for person_id in ids}
    if ids:
        rows = await session.execute(
            sa.select(
                registration_history.c.person_id,
                registration_history.c.effective_on,
                registration_history.c.status,
                registration_history.c.occurred_at,
            ).where(registration_history.c.person_id.in_(ids))
        )
        for person_id, effective_on, status, occurred_at in rows:
            found[person_id].append(StatusEntry(effective_on, status, as_utc(occurred_at)))
    return found


async def known_people(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these people the read model has a row for."""
    ids = list(set(person_ids))
    if not ids:
        return set()
    rows = await session.execute(sa.select(registered_people.c.person_id).where(registered_people.c.person_id.in_(ids)))
    return {row[0] for row in rows}


async def names(session: AsyncSession, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """`name` of many people: their latest name change (initials, surname, changed_at), for those who have one."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(
            person_names.c.person_id, person_names.c.initials, person_names.c.surname, person_names.c.changed_at
        ).where(person_names.c.person_id.in_(ids))
    )
    return {row.person_id: row for row in rows}


async def insert_people(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """`insert_person` for many people (the same columns each)."""
    if rows:
        await session.execute(sa.insert(registered_people), [dict(row) for row in rows])


async def update_people(session: AsyncSession, changes: Mapping[uuid.UUID, Mapping[str, Any]]) -> None:
    """`update_person` of many people, each with initials, surname and status (one executemany)."""
    if not changes:
        return
    statement = (
        sa.update(registered_people)
        .where(registered_people.c.person_id == sa.bindparam("key"))
        .values(
            initials=sa.bindparam("new_initials"),
            surname=sa.bindparam("new_surname"),
            status=sa.bindparam("new_status"),
        )
    )
    await session.execute(
        statement,
        [
            {
                "key": person_id,
                "new_initials": values["initials"],
                "new_surname": values["surname"],
                "new_status": values["status"],
            }
            for person_id, values in changes.items()
        ],
    )
