"""Teaching claims, with the claimant's name from the read model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import registered_people, teaching_claims
from accreditation.adapters.repositories.dialect import for_update
from accreditation.domain.teaching import ClaimStatus


async def _with_names(session: AsyncSession, where: sa.ColumnElement[bool], *order_by: Any) -> Sequence[Any]:
    return (
        await session.execute(
            sa.select(teaching_claims, registered_people.c.initials, registered_people.c.surname)
            .outerjoin(registered_people, registered_people.c.person_id == teaching_claims.c.person_id)
            .where(where)
            .order_by(*order_by, teaching_claims.c.claim_id)
        )
    ).all()


async def claim_with_name(session: AsyncSession, claim_id: uuid.UUID) -> Sequence[Any]:
    """The claim (none or one row) with the claimant's initials and surname."""
    return await _with_names(session, teaching_claims.c.claim_id == claim_id)


async def claims_to_decide(session: AsyncSession) -> Sequence[Any]:
    """Undecided claims with names, oldest first."""
    return await _with_names(
        session, teaching_claims.c.status == ClaimStatus.SUBMITTED.value, teaching_claims.c.submitted_at
    )


async def claims_of_person(session: AsyncSession, person_id: uuid.UUID) -> Sequence[Any]:
    """The person's claims with names, newest first."""
    return await _with_names(session, teaching_claims.c.person_id == person_id, teaching_claims.c.submitted_at.desc())


async def insert_claim(session: AsyncSession, **values: Any) -> None:
    """Insert a claim row."""
    await session.execute(sa.insert(teaching_claims).values(**values))


async def locked_claim(session: AsyncSession, claim_id: uuid.UUID) -> Any | None:
    """The claim's row, locked until the transaction ends, or None."""
    return (
        await session.execute(
            for_update(sa.select(teaching_claims).where(teaching_claims.c.claim_id == claim_id), session)
        )
    ).first()


async def update_claim(session: AsyncSession, claim_id: uuid.UUID, **values: Any) -> None:
    """Change a claim's columns."""
    await session.execute(sa.update(teaching_claims).where(teaching_claims.c.claim_id == claim_id).values(**values))


async def claims_of_person_by_submission(session: AsyncSession, person_id: uuid.UUID) -> Sequence[Any]:
    """The person's claims (without names), oldest first."""
    rows = await session.execute(
        sa.select(teaching_claims)
        .where(teaching_claims.c.person_id == person_id)
        .order_by(teaching_claims.c.submitted_at, teaching_claims.c.claim_id)
    )
    return list(rows.all())


async def claim_exists(session: AsyncSession, claim_id: uuid.UUID) -> bool:
    """Whether there is a claim with this id."""
    found = await session.execute(sa.select(teaching_claims.c.claim_id).where(teaching_claims.c.claim_id == claim_id))
    return found.first() is not None
