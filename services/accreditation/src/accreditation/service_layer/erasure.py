"""Forgetting a person (registry.PersonErasureRequested): the attendance providers posted for them, disputes,
teaching claims, the xAPI statements and webhook deliveries that carried them, and stored Idempotency-Key
replies naming them, for the ``attendance`` kind; the read model of their registration (name, number, history)
for ``registration``. Confirmed with accreditation.PersonErased; the security log gets a line under the
erasure's pseudonym only.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import (
    attendance,
    attendance_disputes,
    idempotency_keys,
    person_names,
    registered_people,
    registration_history,
    teaching_claims,
    webhook_deliveries,
    xapi_statements,
)
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.erasure import forget_in_kit_tables
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.security_log import record_security_event

log = logging.getLogger(__name__)


async def _deleted(session: AsyncSession, statement: Any) -> int:
    return int(getattr(await session.execute(statement), "rowcount", 0) or 0)


def _mentions(column: Any, needles: list[str]) -> sa.ColumnElement[bool]:
    text = sa.cast(column, sa.Text)
    return sa.or_(*(text.contains(needle, autoescape=True) for needle in needles))


async def forget_person(uow: UnitOfWork, event: registry_events.PersonErasureRequested, _envelope: Envelope) -> None:
    """Erase what the event's kinds cover and confirm (a repeat finds nothing and confirms again with zeros)."""
    session = uow.session
    person_id = event.person_id
    kinds = set(event.kinds)
    everything = bool(kinds & {"registration", "account"})
    numbers = set(
        (
            await session.execute(
                sa.select(registered_people.c.registration_number).where(registered_people.c.person_id == person_id)
            )
        ).scalars()
    ) | set(
        (await session.execute(sa.select(attendance.c.registration_number).where(attendance.c.person_id == person_id)))
        .scalars()
        .all()
    )
    needles = [str(person_id), *sorted(numbers)]
    rows = 0
    if "attendance" in kinds or everything:
        person_attendance = sa.select(attendance.c.attendance_id).where(attendance.c.person_id == person_id)
        for statement in (
            sa.delete(xapi_statements).where(
                sa.or_(
                    xapi_statements.c.attendance_id.in_(person_attendance),
                    _mentions(xapi_statements.c.statement, needles),
                )
            ),
            sa.delete(webhook_deliveries).where(_mentions(webhook_deliveries.c.payload, needles)),
            sa.delete(idempotency_keys).where(
                idempotency_keys.c.response.is_not(None), _mentions(idempotency_keys.c.response, needles)
            ),
            sa.delete(attendance_disputes).where(attendance_disputes.c.person_id == person_id),
            sa.delete(attendance).where(attendance.c.person_id == person_id),
            sa.delete(teaching_claims).where(teaching_claims.c.person_id == person_id),
        ):
            rows += await _deleted(session, statement)
    if everything:
        for statement in (
            sa.delete(registration_history).where(registration_history.c.person_id == person_id),
            sa.delete(person_names).where(person_names.c.person_id == person_id),
            sa.delete(registered_people).where(registered_people.c.person_id == person_id),
        ):
            rows += await _deleted(session, statement)
    rows += await forget_in_kit_tables(session, needles)
    await record_security_event(
        session,
        actor="registry",
        action="person.erased",
        object=event.pseudonym,
        detail={"erasure_id": str(event.erasure_id), "rows": str(rows)},
    )
    uow.emit(contracts.PersonErased(erasure_id=event.erasure_id, kinds=list(event.kinds), rows=rows))
    log.info("erasure %s: %d rows removed", event.erasure_id, rows)
