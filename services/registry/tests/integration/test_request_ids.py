"""Applying for registration and deciding an application with a request id: a retry changes nothing and gets the
first reply; a new id is carried out again; the same id with another payload is refused."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError

from .conftest import Registry

pytestmark = [pytest.mark.integration]


def _application(account_id: uuid.UUID, employer: str = "Gemeente Testdorp") -> contracts.ApplyForRegistration:
    return contracts.ApplyForRegistration(
        actor_account_id=account_id,
        roles=["leerplichtambtenaar"],
        employer_name=employer,
        employer_kind="municipality",
        hours_per_week="24",
        declaration_accepted=True,
    )


def _decision(office: uuid.UUID, application_id: uuid.UUID, decision: str, reason: str = "") -> Any:
    return contracts.DecideApplication(
        actor_account_id=office, application_id=application_id, decision=decision, reason=reason
    )


async def _send(registry: Registry, request: Any, request_id: str) -> Any:
    return await registry.client.call("registry", request, request_id=request_id, timeout=15)


async def _applications(registry: Registry, account_id: uuid.UUID) -> int:
    rows = await registry.rows("SELECT count(*) FROM registration_applications WHERE person_id = :p", p=account_id)
    return int(rows[0][0])


async def _decisions(registry: Registry, application_id: uuid.UUID) -> int:
    rows = await registry.rows(
        "SELECT count(*) FROM audit_trail WHERE action = 'decide_application' AND subject = :s AND result = 'done'",
        s=f"application:{application_id}",
    )
    return int(rows[0][0])


async def _status_changes(registry: Registry, account_id: uuid.UUID) -> int:
    rows = await registry.rows("SELECT count(*) FROM status_history WHERE person_id = :p", p=account_id)
    return int(rows[0][0])


async def test_request_id_a_retried_application_is_submitted_once(registry: Registry) -> None:
    account_id, _email = await registry.sign_up_and_confirm()
    request_id = str(uuid.uuid4())
    first = await _send(registry, _application(account_id), request_id)
    again = await _send(registry, _application(account_id), request_id)
    assert again == first
    assert await _applications(registry, account_id) == 1


async def test_request_id_a_concurrent_duplicate_application_is_submitted_once(registry: Registry) -> None:
    account_id, _email = await registry.sign_up_and_confirm()
    request_id = str(uuid.uuid4())
    one, other = await asyncio.gather(
        _send(registry, _application(account_id), request_id), _send(registry, _application(account_id), request_id)
    )
    assert one == other
    assert await _applications(registry, account_id) == 1


async def test_request_id_a_new_id_submits_a_second_application(registry: Registry, office: uuid.UUID) -> None:
    # A second application is only possible once the first is decided: rejected, the person may apply again.
    account_id, _email = await registry.sign_up_and_confirm()
    first = await _send(registry, _application(account_id), str(uuid.uuid4()))
    await _send(registry, _decision(office, first.application_id, "reject", "Te weinig uren."), str(uuid.uuid4()))
    second = await _send(registry, _application(account_id), str(uuid.uuid4()))
    assert second.application_id != first.application_id
    assert await _applications(registry, account_id) == 2


async def test_request_id_a_new_id_while_the_first_application_waits_is_carried_out_and_refused(
    registry: Registry,
) -> None:
    account_id, _email = await registry.sign_up_and_confirm()
    await _send(registry, _application(account_id), str(uuid.uuid4()))
    with pytest.raises(RpcError) as refused:
        await _send(registry, _application(account_id), str(uuid.uuid4()))
    assert (refused.value.status, refused.value.code) == (409, "application_pending")
    assert await _applications(registry, account_id) == 1


async def test_request_id_reused_for_another_application_is_refused(registry: Registry) -> None:
    account_id, _email = await registry.sign_up_and_confirm()
    request_id = str(uuid.uuid4())
    await _send(registry, _application(account_id), request_id)
    with pytest.raises(RpcError) as refused:
        await _send(registry, _application(account_id, "Gemeente Anderdorp"), request_id)
    assert (refused.value.status, refused.value.code) == (422, "request_id_reused")
    assert await _applications(registry, account_id) == 1


async def test_request_id_a_retried_approval_grants_one_registration_and_repeats_its_number(
    registry: Registry, office: uuid.UUID
) -> None:
    account_id, _email = await registry.sign_up_and_confirm()
    application = await registry.apply(account_id)
    request_id = str(uuid.uuid4())
    first = await _send(registry, _decision(office, application.application_id, "approve"), request_id)
    again = await _send(registry, _decision(office, application.application_id, "approve"), request_id)
    assert again == first and first.registration_number
    assert await _decisions(registry, application.application_id) == 1
    assert await _status_changes(registry, account_id) == 1


async def test_request_id_a_new_id_decides_again_and_is_refused_as_decided(
    registry: Registry, office: uuid.UUID
) -> None:
    account_id, _email = await registry.sign_up_and_confirm()
    application = await registry.apply(account_id)
    await _send(registry, _decision(office, application.application_id, "approve"), str(uuid.uuid4()))
    with pytest.raises(RpcError) as refused:
        await _send(registry, _decision(office, application.application_id, "approve"), str(uuid.uuid4()))
    assert (refused.value.status, refused.value.code) == (409, "already_decided")
    assert await _decisions(registry, application.application_id) == 1


async def test_request_id_reused_for_another_decision_is_refused(registry: Registry, office: uuid.UUID) -> None:
    account_id, _email = await registry.sign_up_and_confirm()
    application = await registry.apply(account_id)
    request_id = str(uuid.uuid4())
    approved = await _send(registry, _decision(office, application.application_id, "approve"), request_id)
    with pytest.raises(RpcError) as refused:
        await _send(registry, _decision(office, application.application_id, "reject", "Toch niet."), request_id)
    assert (refused.value.status, refused.value.code) == (422, "request_id_reused")
    view = await registry.call(
        contracts.GetApplication(actor_account_id=office, application_id=application.application_id)
    )
    assert (view.status, view.registration_number) == ("approved", approved.registration_number)
