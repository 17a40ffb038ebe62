"""Fakes and helpers for the gateway's unit tests: the app runs with a fake service caller, no broker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from gateway.app import build_app
from gateway.settings import GatewaySettings
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.registry import (
    GetRetentionSchedule,
    GetStatistics,
    RetentionEntry,
    RetentionSchedule,
    Statistics,
)
from lklr_shared.contracts.system import Ping, Pong
from lklr_shared.scheme import default_scheme_path

Answer = Message | Exception | Callable[[str, Message], Message]


@dataclass
class FakeCaller:
    """Answers by request type (and optionally by service); an Exception answer is raised."""

    statistics: Statistics | Exception = field(
        default_factory=lambda: Statistics(
            registered=1200, working_total=3600, percentage=33.0, per_role={"leerplichtambtenaar": 1000}
        )
    )
    retention: RetentionSchedule | Exception = field(
        default_factory=lambda: RetentionSchedule(
            entries=[
                RetentionEntry(
                    data_kind="account", period_days=365, kept_until=None, legal_ground="avg_storage_limitation"
                ),
                RetentionEntry(
                    data_kind="registration", period_days=2555, kept_until=None, legal_ground="archiefwet_decisions"
                ),
                RetentionEntry(
                    data_kind="portfolio", period_days=730, kept_until=None, legal_ground="awb_objection_and_appeal"
                ),
            ]
        )
    )
    ping: dict[str, Pong | Exception] = field(default_factory=dict)
    calls: list[tuple[str, str, float | None]] = field(default_factory=list)

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        self.calls.append((service, request.wire_name, timeout))
        answer: Any
        if isinstance(request, GetStatistics):
            answer = self.statistics
        elif isinstance(request, GetRetentionSchedule):
            answer = self.retention
        elif isinstance(request, Ping):
            answer = self.ping.get(service, Pong(service=service, database_ok=True, broker_ok=True))
        else:
            raise AssertionError(f"unexpected request {request.wire_name}")
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_settings(**overrides: Any) -> GatewaySettings:
    # A local run: the production refusals (placeholder key, dev pages) have their own tests.
    values: dict[str, Any] = {
        "secret_key": "test-secret",
        "scheme_path": default_scheme_path(),
        "environment": "local",
        **overrides,
    }
    return GatewaySettings(**values)


def make_app(caller: FakeCaller, *, today: date = date(2025, 6, 1), **overrides: Any) -> Litestar:
    return build_app(make_settings(**overrides), service_caller=caller, today=lambda: today)


@pytest.fixture
def caller() -> FakeCaller:
    return FakeCaller()


@pytest.fixture
async def client(caller: FakeCaller) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=make_app(caller)) as test_client:
        yield test_client


@pytest.fixture
def scheme_text() -> str:
    return Path(default_scheme_path()).read_text(encoding="utf-8")
