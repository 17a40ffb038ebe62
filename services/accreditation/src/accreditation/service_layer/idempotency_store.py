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

from accreditation.adapters.repositories import idempotency as repository
from accreditation.adapters.repositories.dialect import Session, as_utc
from accreditation.domain.idempotency import KeyState, SeenKeyAction, action_for_seen_key, lease_length
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import Conflict
from lklr_shared.kit.causation import current_cause
from lklr_shared.kit.deadline import seconds_left

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reservation:
    """This attempt holds the key: process the post, then complete with this lease token."""

    provider_id: uuid.UUID
    key: str
    lease_token: uuid.UUID


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
        if await repository.claim(
            session,
            provider_id=provider_id,
            idempotency_key=key,
            fingerprint=fingerprint,
            lease_token=lease_token,
            locked_until=locked_until,
            created_at=now,
        ):
            await uow.commit()
            return Reservation(provider_id, key, lease_token)
        seen = await repository.locked_key(session, provider_id, key)
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
        if not await repository.take_over(
            session, provider_id, key, from_lease=seen.lease_token, lease_token=lease_token, locked_until=locked_until
        ):
            raise Conflict("request_in_flight", "A request with this Idempotency-Key is being processed; retry later.")
        await uow.commit()
        return Reservation(provider_id, key, lease_token)


async def complete(
    session: Session, reservation: Reservation, result: contracts.AttendancePostResult, *, now: datetime
) -> None:
    """Store the response with the key, in the caller's transaction; 409 if this attempt lost its lease."""
    if not await repository.complete(
        session,
        reservation.provider_id,
        reservation.key,
        reservation.lease_token,
        now=now,
        post_id=result.post_id,
        response=result.model_dump_json(),
    ):
        # Another attempt took the key over after this one's lease expired; it will record the rows. Rolling
        # back here (the caller's transaction) keeps the rows from being recorded by two attempts' responses.
        raise Conflict("request_in_flight", "This request took too long and was superseded by a retry; retry again.")


async def release(ctx: AccreditationContext, reservation: Reservation) -> None:
    """Forget a reservation whose processing did not complete (only while this attempt still holds it)."""
    async with ctx.unit_of_work() as uow:
        await repository.release(uow.session, reservation.provider_id, reservation.key, reservation.lease_token)
        await uow.commit()


async def release_abandoned(ctx: AccreditationContext, message_id: uuid.UUID) -> None:
    """Forget the reservation held by a request that will never be answered (it came back after its client gave
    up: its first attempt died with the process running it), so the client's retry takes the key at once instead
    of waiting for the lease."""
    async with ctx.unit_of_work() as uow:
        released = await repository.release_lease(uow.session, message_id)
        await uow.commit()
    if released:
        log.info("released the Idempotency-Key held by abandoned request %s", message_id)
