"""Services check who asks, not only the gateway: every request sent straight to the services over RabbitMQ,
bypassing the gateway, is refused without a valid actor assertion, with a forged or expired one, and with a valid
one of the wrong kind of asker or role.

Generated from the contract catalogue: every request type of every service, each as a minimal valid instance.
"""

from __future__ import annotations

import types
import typing
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ValidationError

from lklr_shared.contracts.access import PUBLIC, Access
from lklr_shared.contracts.base import Message, Request, all_contracts
from lklr_shared.kit.actor import (
    ANONYMOUS,
    ActorClaims,
    ActorSigner,
    Credentials,
    account_claims,
    api_key_claims,
    dev_private_key,
)
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.rpc import RpcClient
from tests.support.system import RunningSystem, start_system

pytestmark = pytest.mark.slow

SERVICES = ("registry", "portfolio", "accreditation", "audit")


def _sample_value(annotation: Any, depth: int = 0) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _sample_value(typing.get_args(annotation)[0], depth)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _sample_value(options[0], depth)
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin in (list, tuple, set, frozenset):
        return []
    if origin is dict:
        return {}
    if isinstance(annotation, type):
        if issubclass(annotation, bool):
            return False
        if issubclass(annotation, Enum):
            return next(iter(annotation)).value
        if issubclass(annotation, uuid.UUID):
            return str(uuid.uuid4())
        if issubclass(annotation, datetime):
            return datetime.now(UTC).isoformat()
        if issubclass(annotation, date):
            return date.today().isoformat()
        if issubclass(annotation, Decimal):
            return "1"
        if issubclass(annotation, int | float):
            return 1
        if issubclass(annotation, str):
            return "x"
        if issubclass(annotation, bytes):
            return ""
        if issubclass(annotation, BaseModel) and depth < 4:
            return _sample_payload(annotation, depth + 1)
    return None


def _sample_payload(model: type[BaseModel], depth: int = 0) -> dict[str, Any]:
    hints = typing.get_type_hints(model, include_extras=True)
    return {
        name: _sample_value(hints.get(name, info.annotation), depth)
        for name, info in model.model_fields.items()
        if info.is_required()
    }


def sample(contract: type[Message]) -> Message | None:
    """A minimal valid instance of a request contract (None when the simple values do not satisfy it)."""
    try:
        return contract.model_validate(_sample_payload(contract))
    except ValidationError:
        return None


def requests() -> list[type[Request[Any]]]:
    return [
        contract
        for contract in all_contracts()
        if issubclass(contract, Request) and contract.owner in SERVICES and contract.kind in ("command", "query")
    ]


def wrong_asker(access: Access, request: Message) -> ActorClaims:
    """A validly signed asker this request's declared access must refuse."""
    if "anonymous" not in access.subjects:
        return ANONYMOUS
    raise AssertionError("public requests have no wrong asker")


def wrong_role(access: Access, request: Message) -> ActorClaims | None:
    """A signed-in account that is named by the request but lacks its role (None when no role is needed)."""
    if not access.roles:
        return None
    named = _named_account(access, request)
    return account_claims(named or uuid.uuid4(), {"professional"}, second_factor=False)


def other_actor(access: Access, request: Message) -> ActorClaims | None:
    """An account with every role that is not the one the request names as its actor."""
    if not access.actor_fields or _named_account(access, request) is None:
        return None
    roles = set(access.roles) | {"professional", "office", "assessment_committee"}
    return account_claims(uuid.uuid4(), roles, second_factor=True)


def other_provider(access: Access, request: Message) -> ActorClaims | None:
    if access.provider_field is None or getattr(request, access.provider_field, None) is None:
        return None
    return api_key_claims(uuid.uuid4(), uuid.uuid4())


def _named_account(access: Access, request: Message) -> uuid.UUID | None:
    for path in access.actor_fields:
        value: Any = request
        for part in path.split("."):
            value = getattr(value, part, None)
        if isinstance(value, uuid.UUID):
            return value
        if isinstance(value, str) and value.startswith("account:"):
            return uuid.UUID(value.removeprefix("account:"))
    return None


def _fixed(claims: ActorClaims) -> Callable[[Message], ActorClaims]:
    return lambda _request: claims


class _ExpiredSigner(ActorSigner):
    def sign(self, claims: ActorClaims, *, message_id: str, valid_seconds: float) -> str:
        return super().sign(claims, message_id=message_id, valid_seconds=-3600)


@pytest.fixture(scope="module")
async def running(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningSystem]:
    async with start_system(amqp_url, databases, broker_names, Path(tmp_path_factory.mktemp("who-asks"))) as system:
        yield system


async def _status(system: RunningSystem, request: Message, credentials: Credentials | None) -> tuple[int, str]:
    broker = await connect_broker(system.amqp_url, name="who-asks-test")
    try:
        client = RpcClient(broker, system.topology, timeout=15, credentials=credentials)
        reply = await client.call_raw(type(request).owner, request)
    finally:
        await broker.stop()
    if reply.get("ok"):
        return 200, ""
    error = reply.get("error") or {}
    return int(error.get("status", 0)), str(error.get("code", ""))


async def test_services_finding_requests_straight_over_the_broker_are_refused_without_a_valid_assertion(
    running: RunningSystem,
) -> None:
    """No assertion, a forged one (another key), an expired one: 401 from the service itself, for every request."""
    anyone = _fixed(account_claims(uuid.uuid4(), {"administrator", "office"}, second_factor=True))
    ways = {
        "none": None,
        "forged": Credentials(ActorSigner(Ed25519PrivateKey.generate()), anyone),
        "expired": Credentials(_ExpiredSigner(dev_private_key()), anyone),
    }
    expected_codes = {
        "none": "actor_assertion_missing",
        "forged": "actor_assertion_invalid",
        "expired": "actor_assertion_expired",
    }
    wrong: list[str] = []
    contracts = requests()
    for contract in contracts:
        # The assertion is checked before the payload is read: an empty payload suffices.
        request = contract.model_construct()
        for way, credentials in ways.items():
            status, code = await _status(running, request, credentials)
            if (status, code) != (401, expected_codes[way]):
                wrong.append(f"{contract.wire_name} {way}: {status} {code}")
    print(f"\n{len(contracts)} request types x {len(ways)} invalid assertions refused with 401")
    assert wrong == []


async def test_services_finding_valid_assertions_of_the_wrong_asker_are_refused(running: RunningSystem) -> None:
    """A valid assertion of the wrong kind of asker, without the role, in another's name, or for another
    provider: 401/403 from the owning service, for every request type that is not public."""
    wrong: list[str] = []
    checked = 0
    unsampled = []
    for contract in requests():
        if contract.access == PUBLIC:
            continue
        request = sample(contract)
        if request is None:
            unsampled.append(contract.wire_name)
            continue
        access = contract.access
        askers = {
            "anonymous": ANONYMOUS if "anonymous" not in access.subjects else None,
            "api key": api_key_claims(uuid.uuid4(), uuid.uuid4()) if "api_key" not in access.subjects else None,
            "no role": wrong_role(access, request),
            "other actor": other_actor(access, request),
            "other provider": other_provider(access, request),
        }
        for name, claims in askers.items():
            if claims is None:
                continue
            signer = Credentials(ActorSigner(dev_private_key()), _fixed(replace(claims)))
            status, code = await _status(running, request, signer)
            checked += 1
            if status not in (401, 403):
                wrong.append(f"{contract.wire_name} as {name}: {status} {code}")
    print(f"\n{checked} wrong-asker requests refused; not sampled: {unsampled}")
    assert wrong == []
    assert len(unsampled) <= 3, unsampled
