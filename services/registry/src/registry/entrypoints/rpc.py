"""Thin RPC handlers: parse (done by the kit), call one use case, return the reply."""

from __future__ import annotations

from collections.abc import Callable

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.kit.rpc import RpcHandler
from registry.service_layer import registrations


def rpc_handlers(
    unit_of_work: Callable[[], UnitOfWork], *, cycle_years: int, scheme_version: str
) -> dict[type[Message], RpcHandler]:
    """The registry's request handlers, bound to its unit-of-work factory."""

    async def grant_demo(command: contracts.GrantDemoRegistration, _envelope: Envelope) -> Message:
        async with unit_of_work() as uow:
            return await registrations.grant_demo_registration(
                uow, command, cycle_years=cycle_years, scheme_version=scheme_version
            )

    async def statistics(_query: contracts.GetStatistics, _envelope: Envelope) -> Message:
        async with unit_of_work() as uow:
            counts = await registrations.count_registered(uow)
        per_role = {k.removeprefix("role:"): v for k, v in counts.items() if k.startswith("role:")}
        return contracts.Statistics(registered=counts["total"], working_total=None, percentage=None, per_role=per_role)

    return {contracts.GrantDemoRegistration: grant_demo, contracts.GetStatistics: statistics}
