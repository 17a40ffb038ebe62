"""The broker connection every messaging test works on (each test declares its own queues on it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from faststream.rabbit import RabbitBroker

from lklr_shared.kit.broker import connect_broker


@pytest.fixture
async def broker(amqp_url: str) -> AsyncIterator[RabbitBroker]:
    """A connection to the test session's RabbitMQ for one test, stopped afterwards."""
    started = await connect_broker(amqp_url, name="messaging-tests")
    yield started
    await started.stop()
