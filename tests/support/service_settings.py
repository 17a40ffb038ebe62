"""The settings every in-process service under test shares: a fresh database, the session's broker prefix, no
health port, a quick outbox poll (events reach the test within half a second)."""

from __future__ import annotations

from typing import Any

from lklr_shared.kit.topology import Topology


def local_test_settings(database_url: str, amqp_url: str, topology: Topology) -> dict[str, Any]:
    """Keyword arguments for a service's settings class (add the service's own on top)."""
    return {
        "environment": "local",
        "database_url": database_url,
        "amqp_url": amqp_url,
        "broker_prefix": topology.prefix,
        "health_port": 0,
        "outbox_poll_seconds": 0.5,
    }
