"""Whose data a request is about: the registered person behind the signed-in account (or API token), the
training provider behind an API key, the reviewer the audit knows the account as, and where the request came
from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from litestar import Request
from litestar.di import NamedDependency, Provide

from gateway.caller import ServiceCaller
from gateway.service_layer.api_keys import ApiKeyRejected
from gateway.service_layer.context import GatewayDep
from gateway.web.web_session import client_ip, current_account
from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

# Where the provider API's key guard leaves the provider's identity on the connection.
PROVIDER_IDENTITY: Final = "lklr_provider_identity"


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


def owner_of(person_id: uuid.UUID, origin: str) -> PortfolioOwner:
    """The registered person `person_id` acting as the professional, from `origin`."""
    return PortfolioOwner(person_id, contracts.Actor(person_id=person_id, role="professional", origin=origin[:200]))


async def portfolio_owner(caller: ServiceCaller, account_id: uuid.UUID, origin: str) -> PortfolioOwner | None:
    """The registered person behind the account; None when the account holds no registration."""
    registration = await my_registration(caller, account_id)
    if registration is None:
        return None
    return owner_of(registration.person_id, origin)


def request_origin(request: Request[Any, Any, Any], channel: str) -> str:
    """Where a change came from, for the activity history: the channel and the client's address (an empty
    channel: the address alone)."""
    ip = client_ip(request)
    return f"{channel} {ip}".strip()


async def current_person(
    request: Request[Any, Any, Any], caller: ServiceCaller, channel: str, account_id: uuid.UUID | None = None
) -> PortfolioOwner | None:
    """The registered person a request acts for, with the `actor` its portfolio requests carry.

    The account is the signed-in one, or `account_id` when the caller authenticated it otherwise (an API token).
    The actor's origin is `channel` and the client's address: the portfolio pages say `web`, the API `api`; the
    re-registration and objection pages have always recorded the address alone (an empty channel). None when the
    account holds no registration: each page or API answers that in its own way.
    """
    if account_id is None:
        account_id = current_account(request).account_id
    return await portfolio_owner(caller, account_id, request_origin(request, channel))


def current_provider(request: Request[Any, Any, Any]) -> accreditation_contracts.ApiKeyIdentity:
    """The provider API's `provider` dependency: the identity of the request's API key (the guard checked it)."""
    identity = request.state.get(PROVIDER_IDENTITY)
    if not isinstance(identity, accreditation_contracts.ApiKeyIdentity):  # only reachable without the guard
        raise ApiKeyRejected("missing_api_key", "This route needs an API key.", missing=True)
    return identity


async def my_reviewer(caller: ServiceCaller, account_id: uuid.UUID) -> audit_contracts.ReviewerView | None:
    """The audit's reviewer record of an account (a reviewer's id is their account id); None when the office has
    not registered the account as a reviewer."""
    reviewers = await ask(caller, audit_contracts.ListReviewers())
    return next((reviewer for reviewer in reviewers.reviewers if reviewer.reviewer_id == account_id), None)


@dataclass(frozen=True)
class ReviewerLookup:
    """The signed-in account's reviewer record, asked of the audit only when awaited (`await reviewer()`): a page
    that needs it on one path alone pays the call on that path alone."""

    caller: ServiceCaller
    account_id: uuid.UUID

    async def __call__(self) -> audit_contracts.ReviewerView | None:
        return await my_reviewer(self.caller, self.account_id)


def current_reviewer(request: Request[Any, Any, Any], gateway: GatewayDep) -> ReviewerLookup:
    """The `reviewer` dependency of the review pages (signed in: their role guard checked it)."""
    return ReviewerLookup(gateway.caller, current_account(request).account_id)


def current_person_from(channel: str) -> Provide:
    """The `person` dependency: the registered person the signed-in account acts for (`current_person`), with
    `channel` recorded in the actor's origin; None when the account holds no registration (each page answers that
    its own way). Resolved only for the handlers that take `person`."""

    async def person(request: Request[Any, Any, Any], gateway: GatewayDep) -> PortfolioOwner | None:
        return await current_person(request, gateway.caller, channel)

    return Provide(person)


PersonDep: TypeAlias = NamedDependency[PortfolioOwner | None]
ReviewerDep: TypeAlias = NamedDependency[ReviewerLookup]
