"""Storing Idempotency-Keys of attendance posts: reserve before processing, complete in the processing
transaction, release when processing failed.

1. ``reserve`` runs in its own, immediately committed transaction: it inserts (provider, key) as ``in_flight``
   under a lease, or finds the key already there and lets ``domain.idempotency`` decide: replay the stored
   response, 422 (other request), 409 (still in flight) or take over (the first attempt died; lease expired).
   Committing the reservation first is what makes a concurrent retry see "in flight" instead of waiting.
2. ``complete`` runs inside the post's own transaction: the recorded rows, their outbox events and the stored
   response commit together or not at all. It only succeeds while this attempt still holds the lease.
3. ``release`` deletes a reservation whose processing failed or was refused, so the key can be retried at once;
   ``release_abandoned`` one whose request came back after its client gave up (the kit drops such a request).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.adapters.orm import idempotency_keys
from accreditation.adapters.sql import as_utc, for_update, insert_ignoring_conflicts
from accreditation.domain.errors import Conflict
from accreditation.domain.idempotency import KeyState, SeenKeyAction, action_for_seen_key, lease_length
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.kit.causation import current_cause
from lklr_shared.kit.deadline import seconds_left

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reservation:
    """This attempt holds the key: process the post, then complete with this lease token."""

    provider_id: uuid.UUID
    key: str
    lease_token: uuid.UUID


def _key_is(provider_id: uuid.UUID, key: str) -> sa.ColumnElement[bool]:
    return sa.and_(idempotency_keys.c.provider_id == provider_id, idempotency_keys.c.idempotency_key == key)


async def reserve(
    ctx: AccreditationContext, provider_id: uuid.UUID, key: str, fingerprint: str
) -> Reservation | contracts.AttendancePostResult:
    """Hold the key for this attempt, or return the stored first response for a replay (raises 409/422)."""
    now = ctx.now()
    # The lease is held under the request's own message id: when the broker delivers that request again (its
    # first attempt died with the process running it), the redelivery recognises its own lease and takes over.
    cause = current_cause()
    lease_token = cause.message_id if cause is not None else uuid.uuid4()
    # No longer than the client waits for this request, plus a margin (see lease_length).
    locked_until = now + lease_length(ctx.idempotency_lease, seconds_left())
    async with ctx.unit_of_work() as uow:
        session = uow.session
        inserted = (
            await session.execute(
                insert_ignoring_conflicts(session, idempotency_keys, index_elements=["provider_id", "idempotency_key"])
                .values(
                    provider_id=provider_id,
                    idempotency_key=key,
                    fingerprint=fingerprint,
                    state=KeyState.IN_FLIGHT.value,
                    lease_token=lease_token,
                    locked_until=locked_until,
                    created_at=now,
                )
                .returning(idempotency_keys.c.lease_token)
            )
        ).first()
        if inserted is not None:
            await uow.commit()
            return Reservation(provider_id, key, lease_token)
        seen = (
            await session.execute(for_update(sa.select(idempotency_keys).where(_key_is(provider_id, key)), session))
        ).one()
        action = action_for_seen_key(
            stored_fingerprint=seen.fingerprint,
            state=KeyState(seen.state),
            locked_until=as_utc(seen.locked_until),
            fingerprint=fingerprint,
            now=now,
            redelivered=seen.lease_token == lease_token,
        )
        if action is SeenKeyAction.REPLAY:
            stored = contracts.AttendancePostResult.model_validate_json(seen.response)
            return stored.model_copy(update={"replayed": True})
        log.warning("idempotency key of provider %s: taking over from an attempt that died", provider_id)
        taken = await session.execute(
            sa.update(idempotency_keys)
            .where(
                _key_is(provider_id, key),
                idempotency_keys.c.lease_token == seen.lease_token,
                idempotency_keys.c.state == KeyState.IN_FLIGHT.value,
            )
            .values(lease_token=lease_token, locked_until=locked_until)
        )
        if _rowcount(taken) != 1:
            raise Conflict("request_in_flight", "A request with this Idempotency-Key is being processed; retry later.")
        await uow.commit()
        return Reservation(provider_id, key, lease_token)


async def complete(
    session: AsyncSession, reservation: Reservation, result: contracts.AttendancePostResult, *, now: datetime
) -> None:
    """Store the response with the key, in the caller's transaction; 409 if this attempt lost its lease."""
    updated = await session.execute(
        sa.update(idempotency_keys)
        .where(
            _key_is(reservation.provider_id, reservation.key),
            idempotency_keys.c.lease_token == reservation.lease_token,
            idempotency_keys.c.state == KeyState.IN_FLIGHT.value,
        )
        .values(
            state=KeyState.COMPLETED.value,
            completed_at=now,
            post_id=result.post_id,
            response=result.model_dump_json(),
        )
    )
    if _rowcount(updated) != 1:
        # Another attempt took the key over after this one's lease expired; it will record the rows. Rolling
        # back here (the caller's transaction) keeps the rows from being recorded by two attempts' responses.
        raise Conflict("request_in_flight", "This request took too long and was superseded by a retry; retry again.")


async def release(ctx: AccreditationContext, reservation: Reservation) -> None:
    """Forget a reservation whose processing did not complete (only while this attempt still holds it)."""
    async with ctx.unit_of_work() as uow:
        await uow.session.execute(
            sa.delete(idempotency_keys).where(
                _key_is(reservation.provider_id, reservation.key),
                idempotency_keys.c.lease_token == reservation.lease_token,
                idempotency_keys.c.state == KeyState.IN_FLIGHT.value,
            )
        )
        await uow.commit()


async def release_abandoned(ctx: AccreditationContext, message_id: uuid.UUID) -> None:
    """Forget the reservation held by a request that will never be answered (it came back after its client gave
    up: its first attempt died with the process running it), so the client's retry takes the key at once instead
    of waiting for the lease."""
    async with ctx.unit_of_work() as uow:
        released = await uow.session.execute(
            sa.delete(idempotency_keys).where(
                idempotency_keys.c.lease_token == message_id,
                idempotency_keys.c.state == KeyState.IN_FLIGHT.value,
            )
        )
        await uow.commit()
    if _rowcount(released):
        log.info("released the Idempotency-Key held by abandoned request %s", message_id)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
