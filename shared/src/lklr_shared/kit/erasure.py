"""Forgetting a person in the kit's own tables: copies of events already sent (``kit_outbox``) and replies kept for
retries (``kit_request_log``) carry names and registration numbers in their bodies. They are pruned after the
message retention anyway (days); an erasure removes the person's rows at once, so no copy outlives it.

Unsent outbox rows are left alone: they have not reached their readers yet (the erasure's own confirmation is one
of them), and an event that was never delivered cannot be taken back by deleting it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from lklr_shared.contracts.registry import PersonErasureRequested
from lklr_shared.kit.db import outbox_table
from lklr_shared.kit.request_log import request_log_table
from lklr_shared.kit.security_log import record_security_event


def _contains_any(column: sa.ColumnElement[str], needles: Sequence[str]) -> sa.ColumnElement[bool]:
    return sa.or_(*(column.contains(needle, autoescape=True) for needle in needles))


async def forget_in_kit_tables(session: AsyncSession, needles: Sequence[str]) -> int:
    """Delete sent outbox rows and request-log rows whose body mentions any of ``needles`` (the person id as
    text, their registration number); returns how many rows went. Runs in the caller's transaction."""
    needles = [needle for needle in needles if needle]
    if not needles:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        body: sa.ColumnElement[str] = sa.func.convert_from(outbox_table.c.body, "UTF8")
    else:
        body = sa.cast(outbox_table.c.body, sa.Text)
    sent = await session.execute(
        sa.delete(outbox_table).where(outbox_table.c.sent_at.is_not(None), _contains_any(body, needles))
    )
    replies = await session.execute(
        sa.delete(request_log_table).where(_contains_any(request_log_table.c.reply, needles))
    )
    return int(getattr(sent, "rowcount", 0) or 0) + int(getattr(replies, "rowcount", 0) or 0)


async def finish_erasure(
    session: AsyncSession,
    request: PersonErasureRequested,
    rows: int,
    needles: Sequence[str],
    *,
    detail: Mapping[str, str] | None = None,
) -> int:
    """End a service's erasure of a person in the caller's transaction: forget them in the kit's tables (see
    ``forget_in_kit_tables`` for ``needles``) and write the erasure to the security log under the request's
    pseudonym, with the erasure id, the rows removed and any further ``detail``. Returns ``rows`` (what the
    service removed itself) plus the kit's rows: the count the service's ``PersonErased`` reports."""
    rows += await forget_in_kit_tables(session, needles)
    await record_security_event(
        session,
        actor="registry",
        action="person.erased",
        object=request.pseudonym,
        detail={"erasure_id": str(request.erasure_id), "rows": str(rows), **(detail or {})},
    )
    return rows
