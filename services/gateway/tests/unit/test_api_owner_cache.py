"""What the API remembers between requests: the account of a bearer token and the registered person it acts as,
for the same few seconds, and one question to the registry for all the requests that miss at the same time."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from gateway.service_layer.sessions import AccountAuthenticator
from lklr_shared.contracts import registry as c
from lklr_shared.contracts.base import Message
from lklr_shared.kit.rpc import ServiceUnavailable

from .registry_fake import FakeAccount, FakeRegistry

pytestmark = pytest.mark.unit


def _registered() -> tuple[FakeRegistry, FakeAccount, str]:
    registry = FakeRegistry()
    account = registry.add("jansen@example.nl", "A.", "Jansen")
    registry.register(account)
    token = secrets.token_urlsafe(32)
    registry.api_tokens[token] = account.account_id
    return registry, account, token


class GatedRegistry(FakeRegistry):
    """A registry that holds every answer until `gate` is set (requests that arrive meanwhile overlap)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        await self.gate.wait()
        return await super().call(service, request, timeout=timeout, request_id=request_id)


async def test_the_owner_is_reused_for_the_tokens_few_seconds_and_a_revoked_token_stops_after_them() -> None:
    registry, account, token = _registered()
    now = [100.0]
    authenticator = AccountAuthenticator(registry, cache_seconds=3, clock=lambda: now[0])

    for _ in range(3):
        authenticated = await authenticator.api_account(token)
        assert authenticated is not None
        assert await authenticator.registered_person(authenticated) == account.account_id
        now[0] += 1
    assert (len(registry.of(c.VerifyApiToken)), len(registry.of(c.GetMyRegistration))) == (1, 1)

    registry.api_tokens.clear()  # revoked in the registry
    now[0] += 1  # 4 s after the first answer: nothing is remembered any more
    assert await authenticator.api_account(token) is None
    assert (len(registry.of(c.VerifyApiToken)), len(registry.of(c.GetMyRegistration))) == (2, 1)


async def test_the_owner_is_asked_again_once_its_seconds_are_over() -> None:
    registry, account, token = _registered()
    now = [100.0]
    authenticator = AccountAuthenticator(registry, cache_seconds=3, clock=lambda: now[0])
    authenticated = await authenticator.api_account(token)
    assert authenticated is not None
    assert await authenticator.registered_person(authenticated) == account.account_id
    now[0] += 4
    assert await authenticator.registered_person(authenticated) == account.account_id
    assert len(registry.of(c.GetMyRegistration)) == 2


async def test_an_account_without_a_registration_is_asked_about_every_time() -> None:
    registry = FakeRegistry()
    account = registry.add("smit@example.nl", "F.", "Smit")
    token = secrets.token_urlsafe(32)
    registry.api_tokens[token] = account.account_id
    authenticator = AccountAuthenticator(registry, cache_seconds=3)
    authenticated = await authenticator.api_account(token)
    assert authenticated is not None

    assert await authenticator.registered_person(authenticated) is None
    assert await authenticator.registered_person(authenticated) is None
    registry.register(account)  # granted meanwhile: counts at once
    assert await authenticator.registered_person(authenticated) == account.account_id
    assert len(registry.of(c.GetMyRegistration)) == 3


async def test_the_cache_switched_off_asks_every_time() -> None:
    registry, account, token = _registered()
    authenticator = AccountAuthenticator(registry, cache_seconds=0)
    for _ in range(2):
        authenticated = await authenticator.api_account(token)
        assert authenticated is not None
        assert await authenticator.registered_person(authenticated) == account.account_id
    assert (len(registry.of(c.VerifyApiToken)), len(registry.of(c.GetMyRegistration))) == (2, 2)


async def test_requests_that_miss_at_the_same_time_share_one_question() -> None:
    registry = GatedRegistry()
    account = registry.add("jansen@example.nl", "A.", "Jansen")
    registry.register(account)
    token = secrets.token_urlsafe(32)
    registry.api_tokens[token] = account.account_id
    authenticator = AccountAuthenticator(registry, cache_seconds=3)

    async def read() -> object:
        authenticated = await authenticator.api_account(token)
        assert authenticated is not None
        return await authenticator.registered_person(authenticated)

    waiting = [asyncio.ensure_future(read()) for _ in range(10)]
    for _ in range(5):
        await asyncio.sleep(0)
    registry.gate.set()
    assert await asyncio.gather(*waiting) == [account.account_id] * 10
    assert (len(registry.of(c.VerifyApiToken)), len(registry.of(c.GetMyRegistration))) == (1, 1)


async def test_a_shared_failure_reaches_every_waiter_and_is_not_remembered() -> None:
    registry = GatedRegistry()
    account = registry.add("jansen@example.nl", "A.", "Jansen")
    token = secrets.token_urlsafe(32)
    registry.api_tokens[token] = account.account_id
    registry.overrides[c.VerifyApiToken] = ServiceUnavailable("registry down")
    authenticator = AccountAuthenticator(registry, cache_seconds=3)

    waiting = [asyncio.ensure_future(authenticator.api_account(token)) for _ in range(5)]
    for _ in range(5):
        await asyncio.sleep(0)
    registry.gate.set()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(outcome, ServiceUnavailable) for outcome in outcomes)
    assert len(registry.of(c.VerifyApiToken)) == 1

    del registry.overrides[c.VerifyApiToken]
    assert await authenticator.api_account(token) is not None  # asked again, not answered from a failure
    assert len(registry.of(c.VerifyApiToken)) == 2
