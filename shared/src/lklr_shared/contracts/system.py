"""Messages every service answers, whatever it owns."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from lklr_shared.contracts.access import PUBLIC, Access, staff
from lklr_shared.contracts.base import Message, Query, Reply


class Ping(Query["Pong"]):
    """Ask a service whether it is up and can reach its database and the broker. Every service answers it, so it is
    sent to a named service (``RpcClient.call``), not to an owner."""

    wire_name: ClassVar[str] = "system.Ping"
    access: ClassVar[Access] = PUBLIC


class Pong(Reply):
    """A service's answer to Ping."""

    wire_name: ClassVar[str] = "system.Pong"

    service: str
    database_ok: bool
    broker_ok: bool
    details: dict[str, str] = {}


class SecurityEvent(Message):
    """One entry of a service's security event log (a nested value): who, what, on which object, the result, from
    which address, when."""

    service: str
    at: datetime
    actor: str
    action: str
    object: str
    result: str
    origin: str = ""
    detail: dict[str, str] = {}


class SecurityEventList(Reply):
    """A service's answer to ListSecurityEvents, newest first."""

    wire_name: ClassVar[str] = "system.SecurityEventList"

    events: list[SecurityEvent]


class ListSecurityEvents(Query["SecurityEventList"]):
    """The newest entries of a service's security event log (sign-ins, role changes, API keys, committee and audit
    decisions, data exports), optionally of one ``action`` and older than ``before``. Every service answers it, so it
    is sent to a named service; the gateway asks for the administrator only."""

    wire_name: ClassVar[str] = "system.ListSecurityEvents"
    access: ClassVar[Access] = staff({"administrator"})

    limit: int = Field(default=200, ge=1, le=1000)
    action: str | None = None
    before: datetime | None = None


class QueueStatus(Message):
    """One queue of a service as the broker reports it (a nested value). ``role``: ``rpc`` (its requests),
    ``events`` (its event queue) or ``dead_letters``; ``exists`` false when the broker has no such queue."""

    name: str
    role: str
    exists: bool = True
    messages: int = 0
    consumers: int = 0
    # For a dead-letter queue: the consumer name the operator's replay command takes.
    consumer: str = ""


class OperationalStatus(Reply):
    """A service's answer to GetOperationalStatus: its readiness checks, its queues, its outbox backlog, and figures
    of its own (the audit's cases waiting, open and overdue)."""

    wire_name: ClassVar[str] = "system.OperationalStatus"

    service: str
    checks: dict[str, bool]
    # The broker prefix the service's queues carry (the dead-letter tool's --prefix).
    broker_prefix: str = ""
    queues: list[QueueStatus] = []
    outbox_unsent: int = 0
    outbox_oldest_age_seconds: float = 0.0
    figures: dict[str, float] = {}


class GetOperationalStatus(Query["OperationalStatus"]):
    """How a service is doing, for the administrator's system page: readiness, queue depths and consumers, dead
    letters, outbox backlog. Every service answers it, so it is sent to a named service."""

    wire_name: ClassVar[str] = "system.GetOperationalStatus"
    access: ClassVar[Access] = staff({"administrator"})
