"""Whose data a request is about: the registered person behind the signed-in account (or API token), and where
the request came from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request

from gateway.caller import ServiceCaller
from gateway.web.web_session import client_ip
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.kit.errors import RpcError
from lklr_shared.kit.requests import ask


@dataclass(frozen=True)
class PortfolioOwner:
    """The person a signed-in account acts as, and the `actor` every portfolio request carries."""

    person_id: uuid.UUID
    actor: contracts.Actor


async def my_registration(caller: ServiceCaller, account_id: uuid.UUID) -> registry_contracts.RegistrationView | None:
    """The account's own registration; None when it holds none (any 404 of the registry)."""
    try:
        return await ask(caller, registry_contracts.GetMyRegistration(actor_account_id=account_id))
    except RpcError as exc:
        if exc.status == 404:
            return None
        raise


async def portfolio_owner(caller: ServiceCaller, account_id: uuid.UUID, origin: str) -> PortfolioOwner | None:
    """The registered person behind the account; None when the account holds no registration."""
    registration = await my_registration(caller, account_id)
    if registration is None:
        return None
    person_id = registration.person_id
    return PortfolioOwner(person_id, contracts.Actor(person_id=person_id, role="professional", origin=origin[:200]))


def request_origin(request: Request[Any, Any, Any], channel: str) -> str:
    """Where a change came from, for the activity history: the channel and the client's address."""
    ip = client_ip(request)
    return f"{channel} {ip}".strip()
