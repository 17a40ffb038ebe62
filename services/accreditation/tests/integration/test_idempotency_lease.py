"""How long an attendance post holds its Idempotency-Key: no longer than its client waits (the request's deadline,
sent by the RPC client) plus a margin; the configured lease only for a request that names no deadline."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from accreditation.adapters.orm import idempotency_keys
from accreditation.domain.idempotency import LEASE_MARGIN
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.envelope import wrap
from lklr_shared.kit.causation import cause
from lklr_shared.kit.db import make_engine

from .conftest import Service

pytestmark = [pytest.mark.integration]

CONFIGURED_LEASE = timedelta(seconds=120)  # the service's default


async def _held_for(service: Service, provider_id: uuid.UUID, key: str) -> timedelta:
    """How long the reservation of ``key`` held it (from when it was made)."""
    engine = make_engine(service.database_url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(idempotency_keys.c.created_at, idempotency_keys.c.locked_until).where(
                        idempotency_keys.c.provider_id == provider_id, idempotency_keys.c.idempotency_key == key
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    return row.locked_until - row.created_at


async def test_a_posts_key_is_held_no_longer_than_its_deadline_plus_a_margin(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    (person,) = await service.register_people(1)
    # The RPC client sends the request with its deadline: 20 s from now.
    result = await service.call(
        service.post_request(provider.provider_id, edition, [(person, None)], key="k-deadline"), timeout=20
    )
    assert result.counts.recorded == 1
    held = await _held_for(service, provider.provider_id, "k-deadline")
    assert held <= timedelta(seconds=20) + LEASE_MARGIN < CONFIGURED_LEASE


async def test_a_post_without_a_deadline_holds_its_key_for_the_configured_lease(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    (person,) = await service.register_people(1)
    request = service.post_request(provider.provider_id, edition, [(person, None)], key="k-no-deadline")
    envelope = wrap(request)
    handler = service.runtime.rpc_handlers[contracts.PostAttendance]
    with cause(envelope):
        result = await handler(request, envelope)
    assert isinstance(result, contracts.AttendancePostResult) and result.counts.recorded == 1
    assert await _held_for(service, provider.provider_id, "k-no-deadline") == CONFIGURED_LEASE
