"""What every request handler of the gateway may use, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from litestar.di import NamedDependency

from gateway.caller import ServiceCaller
from lklr_shared.scheme import SchemeBook


@dataclass(frozen=True)
class Gateway:
    caller: ServiceCaller
    scheme: SchemeBook
    services: tuple[str, ...]
    readiness_timeout: float
    events_exchange: str
    asyncapi: dict[str, Any]
    today: Callable[[], date]


# Handlers declare `gateway: GatewayDep`; Litestar injects the one instance by parameter name.
GatewayDep: TypeAlias = NamedDependency[Gateway]
