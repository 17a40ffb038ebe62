"""Messages every service answers, whatever it owns."""

from __future__ import annotations

from typing import ClassVar

from lklr_shared.contracts.base import Message, MessageKind, Request


class Ping(Request["Pong"]):
    """Ask a service whether it is up and can reach its database and the broker. Every service answers it, so it is
    sent to a named service (``RpcClient.call``), not to an owner."""

    wire_name: ClassVar[str] = "system.Ping"
    kind: ClassVar[MessageKind] = "query"
    owner: ClassVar[str] = "system"


class Pong(Message):
    """A service's answer to Ping."""

    wire_name: ClassVar[str] = "system.Pong"
    kind: ClassVar[MessageKind] = "reply"
    owner: ClassVar[str] = "system"

    service: str
    database_ok: bool
    broker_ok: bool
    details: dict[str, str] = {}
