"""Registering a reviewer with a request id: a retry changes nothing and gets the first reply; a new id is carried
out again; the same id with another payload is refused."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from lklr_shared.contracts import audit as contracts
from lklr_shared.errors import RpcError

from .conftest import Audit, AuditStarter

pytestmark = [pytest.mark.integration]


def _register(
    reviewer_id: uuid.UUID, *, employer: str = "gemeente-utrecht", active: bool = True
) -> contracts.RegisterReviewer:
    return contracts.RegisterReviewer(
        reviewer_id=reviewer_id, employer_id=employer, name="R. Beoordelaar", active=active
    )


async def _send(audit: Audit, request: contracts.RegisterReviewer, request_id: str) -> contracts.ReviewerView:
    reply = await audit.client.call("audit", request, request_id=request_id, timeout=20)
    assert isinstance(reply, contracts.ReviewerView)
    return reply


async def _registrations(audit: Audit, reviewer_id: uuid.UUID) -> int:
    return int(
        await audit.scalar(
            "SELECT count(*) FROM kit_security_log WHERE action = 'reviewer.register' AND object = :o",
            o=f"reviewer:{reviewer_id}",
        )
    )


async def _active(audit: Audit, reviewer_id: uuid.UUID) -> bool:
    return bool(await audit.scalar("SELECT active FROM reviewers WHERE reviewer_id = :r", r=reviewer_id))


async def test_request_id_a_retried_registration_is_carried_out_once(start_audit: AuditStarter) -> None:
    async with start_audit() as audit:
        reviewer_id = uuid.uuid4()
        request_id = str(uuid.uuid4())
        first = await _send(audit, _register(reviewer_id), request_id)
        again = await _send(audit, _register(reviewer_id), request_id)
        assert again == first
        assert await _registrations(audit, reviewer_id) == 1


async def test_request_id_a_concurrent_duplicate_registration_is_carried_out_once(start_audit: AuditStarter) -> None:
    async with start_audit() as audit:
        reviewer_id = uuid.uuid4()
        request_id = str(uuid.uuid4())
        one, other = await asyncio.gather(
            _send(audit, _register(reviewer_id), request_id), _send(audit, _register(reviewer_id), request_id)
        )
        assert one == other
        assert await _registrations(audit, reviewer_id) == 1


async def test_request_id_a_late_retry_does_not_undo_a_later_change(start_audit: AuditStarter) -> None:
    # Registered, then made inactive by another form; the first registration's retry arrives late: it answers
    # with its first reply (active) and leaves the reviewer inactive.
    async with start_audit() as audit:
        reviewer_id = uuid.uuid4()
        request_id = str(uuid.uuid4())
        first = await _send(audit, _register(reviewer_id), request_id)
        await _send(audit, _register(reviewer_id, active=False), str(uuid.uuid4()))
        late = await _send(audit, _register(reviewer_id), request_id)
        assert late == first and late.active
        assert not await _active(audit, reviewer_id)
        assert await _registrations(audit, reviewer_id) == 2


async def test_request_id_a_new_id_registers_again(start_audit: AuditStarter) -> None:
    async with start_audit() as audit:
        reviewer_id = uuid.uuid4()
        await _send(audit, _register(reviewer_id), str(uuid.uuid4()))
        await _send(audit, _register(reviewer_id), str(uuid.uuid4()))
        assert await _registrations(audit, reviewer_id) == 2


async def test_request_id_reused_for_another_registration_is_refused(start_audit: AuditStarter) -> None:
    async with start_audit() as audit:
        reviewer_id = uuid.uuid4()
        request_id = str(uuid.uuid4())
        await _send(audit, _register(reviewer_id), request_id)
        with pytest.raises(RpcError) as refused:
            await _send(audit, _register(reviewer_id, employer="gemeente-zeist"), request_id)
        assert (refused.value.status, refused.value.code) == (422, "request_id_reused")
        assert await _registrations(audit, reviewer_id) == 1
        employer = await audit.scalar("SELECT employer_id FROM reviewers WHERE reviewer_id = :r", r=reviewer_id)
        assert employer == "gemeente-utrecht"
