"""The accreditation service's security event log: API keys, committee decisions and refusals, data exports, with
who, what, on which object, the result, the origin address and the time; append-only in the database."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.system import ListSecurityEvents, SecurityEventList
from lklr_shared.kit.causation import correlation

from .conftest import Service

pytestmark = [pytest.mark.integration]


async def _log(service: Service, action: str) -> list:  # type: ignore[type-arg]
    reply = await service.call(ListSecurityEvents(action=action))
    assert isinstance(reply, SecurityEventList)
    return reply.events


async def test_security_log_finding_keys_decisions_refusals_and_exports_are_logged_with_their_origin(
    service: Service,
) -> None:
    provider = await service.provider()
    with correlation(uuid.uuid4(), origin="203.0.113.5"):  # as the gateway sends a person's request
        created = await service.call(
            contracts.CreateApiKey(provider_id=provider.provider_id, label="LMS", created_by="account:aanbieder")
        )
        await service.call(
            contracts.RevokeApiKey(
                provider_id=provider.provider_id, key_id=created.key.key_id, revoked_by="account:aanbieder"
            )
        )
    (create,) = [e for e in await _log(service, "api_key.create") if e.object == f"api_key:{created.key.key_id}"]
    assert (create.service, create.actor, create.result, create.origin) == (
        "accreditation",
        "account:aanbieder",
        "done",
        "203.0.113.5",
    )
    assert create.detail == {"provider": str(provider.provider_id)} and create.at is not None
    assert [e.object for e in await _log(service, "api_key.revoke")].count(f"api_key:{created.key.key_id}") == 1

    member = uuid.uuid4()
    await service.call(
        contracts.LinkProviderAccount(provider_id=provider.provider_id, account_id=str(member), linked_by="office:test")
    )
    course = await service.submitted_course(provider.provider_id)
    await service.refusal(
        contracts.RejectCourse(course_id=course.course_id, decided_by=f"account:{member}", reason="Nee.")
    )
    await service.call(
        contracts.ApproveCourse(
            course_id=course.course_id, decided_by="account:commissielid", reason="Voldoet.", points=Decimal(8)
        )
    )
    refused = [e for e in await _log(service, "course.reject") if e.object == f"course:{course.course_id}"]
    assert [(e.actor, e.result, e.detail) for e in refused] == [
        (f"account:{member}", "refused", {"reason": "conflict_of_interest"})
    ]
    approved = [e for e in await _log(service, "course.approve") if e.object == f"course:{course.course_id}"]
    assert [(e.actor, e.result) for e in approved] == [("account:commissielid", "done")]

    person = uuid.uuid4()
    await service.call(contracts.ExportPersonData(person_id=person))
    assert f"person:{person}" in {e.object for e in await _log(service, "person_data.export")}


async def test_security_log_finding_the_log_refuses_updates_and_deletes(service: Service) -> None:
    provider = await service.provider()
    await service.call(contracts.CreateApiKey(provider_id=provider.provider_id, created_by="account:aanbieder"))
    for statement in (
        sa.text("UPDATE kit_security_log SET actor = 'someone else'"),
        sa.text("DELETE FROM kit_security_log"),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            await service.execute(statement)
    assert await service.scalar("SELECT count(*) FROM kit_security_log WHERE actor = 'account:aanbieder'") >= 1
