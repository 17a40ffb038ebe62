"""Use cases of the gateway that ask the services something."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, TypeVar

from gateway.caller import BrokerStatus, ServiceCaller
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.registry import GetStatistics, Statistics
from lklr_shared.contracts.system import Ping, Pong
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

log = logging.getLogger(__name__)

ReplyT = TypeVar("ReplyT", bound=Message)


def expect(reply: Message, reply_type: type[ReplyT], service: str) -> ReplyT:
    """Return the reply as `reply_type`; a service answering with another contract is a bad gateway (502)."""
    if not isinstance(reply, reply_type):
        raise RpcError("bad_reply", f"{service} answered {reply.wire_name}, expected {reply_type.wire_name}", 502)
    return reply


async def get_statistics(caller: ServiceCaller) -> Statistics:
    """The register's public statistics, from the registry."""
    return await ask(caller, GetStatistics())


def coverage(statistics: Statistics) -> float | None:
    """The registered share of all working professionals in percent; None when the working total is unknown."""
    if statistics.percentage is not None:
        return statistics.percentage
    if statistics.working_total:
        return round(100 * statistics.registered / statistics.working_total, 1)
    return None


@dataclass(frozen=True)
class Check:
    """One readiness check; `reason` is for the log only (it can name broker errors, hosts and exceptions)."""

    ok: bool
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "failing"}


async def _check_broker(caller: ServiceCaller) -> Check:
    if isinstance(caller, BrokerStatus):
        ok, reason = await caller.broker_ok()
        return Check(ok, reason)
    # An injected caller (tests, an in-process transport) has no connection of its own to check.
    return Check(True, "")


async def _check_service(caller: ServiceCaller, service: str, timeout: float) -> Check:
    try:
        # Every service answers Ping, so it goes to a named service rather than to an owner.
        pong = expect(await caller.call(service, Ping(), timeout=timeout), Pong, service)
    except RpcError as exc:
        return Check(False, f"{exc.code}: {exc.message}")
    failing = [part for part, ok in (("database", pong.database_ok), ("broker", pong.broker_ok)) if not ok]
    if failing:
        return Check(False, f"{service} reports {' and '.join(failing)} not reachable")
    return Check(True)


async def readiness(caller: ServiceCaller, services: tuple[str, ...], timeout: float) -> dict[str, Check]:
    """Check the broker and ping every service, all at once; each check says ok or why it fails."""
    names = ("broker", *services)
    results = await asyncio.gather(
        _check_broker(caller),
        *(_check_service(caller, service, timeout) for service in services),
        return_exceptions=True,
    )
    checks: dict[str, Check] = {}
    for name, result in zip(names, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result  # cancellation and the like are not a failing check
            # A probe must report, not crash; the reason keeps the failure visible.
            log.warning("readiness check %s raised", name, exc_info=result)
            checks[name] = Check(False, f"unexpected error: {result!r}")
        else:
            checks[name] = result
    for name, check in checks.items():
        if not check.ok:
            # /readyz is public: it says which check fails, the log says why.
            log.warning("readiness check %s failing: %s", name, check.reason)
    return checks
