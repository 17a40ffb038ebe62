"""The public register: lookups by number or name, rate limited per client across every gateway process.

Why the rate limit lives here and not in the gateway: gateways are replicated and stateless (a client's
requests are spread over them), so a counter in one gateway's memory would allow the limit once per gateway.
The registry is the single owner every gateway asks, and its database already gives an atomic, shared
counter; no extra store (Redis, ...) is needed. The gateway passes the client's address as ``client_key``.
"""

from __future__ import annotations

from typing import Any

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import NotFound, TooManyRequests, invalid
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters import rate_limits
from registry.adapters.repositories import register
from registry.adapters.sql import as_utc
from registry.domain.cycles import Cycle
from registry.domain.people import roles_of
from registry.domain.public_register import PublicRegisterEntry, registered_entry
from registry.domain.rate_limit import RateLimit, decide, most_allowed, window_start
from registry.domain.register_search import InvalidSearch, parse_search
from registry.domain.registration_number import InvalidRegistrationNumber, RegistrationNumber
from registry.domain.registrations import Registration
from registry.domain.status import RegistrationStatus
from registry.service_layer.context import RegistryContext

REGISTER_LOOKUP_SCOPE = "register_lookup"
ACCOUNT_REQUEST_SCOPE = "account_request"


async def search_register(ctx: RegistryContext, query: contracts.SearchRegister) -> contracts.RegisterSearchResults:
    """Entries matching a registration number (exactly) or part of a name."""
    async with ctx.unit_of_work() as uow:
        await admit_lookup(uow, ctx, query.client_key)
        try:
            search = parse_search(query.q)
        except InvalidSearch as exc:
            raise invalid("invalid_search", [(exc.code, exc.message)]) from exc
        except InvalidRegistrationNumber as exc:
            raise invalid("invalid_registration_number", [(exc.reason_code.value, exc.message)]) from exc
        limit = ctx.policy.register_search_max_results
        rows = await register.search(uow.session, search, limit=limit + 1)
        entries = [_entry(row) for row in rows[:limit]]
        return contracts.RegisterSearchResults(
            entries=[contracts.RegisterEntry(**entry.as_dict()) for entry in entries], truncated=len(rows) > limit
        )


async def get_register_entry(ctx: RegistryContext, query: contracts.GetRegisterEntry) -> contracts.RegisterEntry:
    """One entry by registration number."""
    async with ctx.unit_of_work() as uow:
        await admit_lookup(uow, ctx, query.client_key)
        try:
            number = RegistrationNumber(query.registration_number.strip())
        except InvalidRegistrationNumber as exc:
            raise invalid("invalid_registration_number", [(exc.reason_code.value, exc.message)]) from exc
        row = await register.entry(uow.session, number)
        if row is None:
            raise NotFound("not_found", f"No registration {number} in the register.")
        return contracts.RegisterEntry(**_entry(row).as_dict())


def _entry(row: Any) -> PublicRegisterEntry:
    registration = Registration(
        person_id=row.person_id,
        number=RegistrationNumber(row.registration_number),
        status=RegistrationStatus(row.status),
        registered_since=row.registered_since,
        cycle=Cycle(start=row.starts_on, base_end=row.ends_on),
    )
    return registered_entry(
        initials=row.initials, surname=row.surname, roles=roles_of(row.roles), registration=registration
    )


async def admit_lookup(uow: UnitOfWork, ctx: RegistryContext, client_key: str) -> None:
    """Count one lookup for ``client_key``, or raise 429 rate_limited (with retry-after) over the limit."""
    await admit(
        uow,
        ctx,
        scope=REGISTER_LOOKUP_SCOPE,
        client_key=client_key,
        rate=ctx.policy.register_lookup_rate,
        refusal="Too many register lookups from this client; wait before trying again.",
    )


async def admit_account_request(uow: UnitOfWork, ctx: RegistryContext, client_ip: str) -> None:
    """Count one sign-up, sign-in, reset or token request from ``client_ip``, or raise 429 rate_limited.

    Per address across every gateway process, beside the per-account-address sign-in throttle: it stops one
    client trying many addresses or flooding sign-ups. Requests without an address (the demo loader and tests
    talk to the registry directly; the gateway always passes one) are not counted.
    """
    if not client_ip:
        return
    await admit(
        uow,
        ctx,
        scope=ACCOUNT_REQUEST_SCOPE,
        client_key=client_ip[:64],
        rate=ctx.policy.account_request_rate,
        refusal="Too many account requests from this address; wait before trying again.",
    )


async def admit(
    uow: UnitOfWork, ctx: RegistryContext, *, scope: str, client_key: str, rate: RateLimit, refusal: str
) -> None:
    """Count one request of ``client_key`` in ``scope``, or raise 429 rate_limited (with retry-after).

    The count is checked and raised in one statement that commits on its own, before the request's work (see
    ``rate_limits.count_within``): one client's concurrent requests, through any gateway, never wait for each
    other's transactions, and none goes ahead past the limit. A refused request is not counted.
    """
    now = ctx.now()
    current_window = window_start(now, rate.window)
    async with uow.session_factory() as counters:
        await rate_limits.autocommit(counters)
        previous = await rate_limits.requests_in_window(
            counters, scope=scope, client_key=client_key, window_start=current_window - rate.window
        )
        counted = await rate_limits.count_within(
            counters,
            scope=scope,
            client_key=client_key,
            window_start=current_window,
            most=most_allowed(now=now, rate=rate, previous=previous),
        )
        if counted is None:
            current = await rate_limits.requests_in_window(
                counters, scope=scope, client_key=client_key, window_start=current_window
            )
            decision = decide(now=now, rate=rate, current=current, previous=previous)
            await uow.session.rollback()
            raise TooManyRequests("rate_limited", refusal, retry_after=decision.retry_after_seconds)
    await uow.commit()
    if ctx.housekeeping.due(now):
        await _purge_stale_rows(uow, ctx)


async def _purge_stale_rows(uow: UnitOfWork, ctx: RegistryContext) -> None:
    """Drop rate-limit counters no estimate reads any more, and sign-in throttle rows the throttle has
    forgotten (see ``domain.login_throttle.current_state``: lockout over, or failures too old)."""
    now = ctx.now()
    # The oldest window any limit still reads: the previous window of the longest one.
    rates = (ctx.policy.register_lookup_rate, ctx.policy.account_request_rate)
    await rate_limits.purge_before(uow.session, min(window_start(now, r.window) - r.window for r in rates))
    forgotten_before = now - ctx.policy.throttle.forget_failures_after
    await register.purge_login_throttle(uow.session, now=now, forgotten_before=forgotten_before)
    await uow.commit()
    ctx.housekeeping.last_run = as_utc(now)
