"""Every event a service publishes must have a consumer: the outbox publishes mandatory, so an event no queue is
bound to comes back unroutable and is retried until one is (the kit's rule: nothing is dropped silently). This test
reads each service's subscription table and fails when an event contract has nobody to receive it.
"""

from __future__ import annotations

from typing import Any

import pytest

import lklr_shared.contracts  # noqa: F401  (registers every contract)
from accreditation.entrypoints.events import event_handlers as accreditation_handlers
from audit.entrypoints.events import batch_handlers as audit_handlers
from lklr_shared.contracts.base import Message, all_contracts
from portfolio.entrypoints.events import event_handlers as portfolio_handlers
from registry.entrypoints.events import event_handlers as registry_handlers

pytestmark = pytest.mark.unit

# Defined as contracts but not published by any service yet (publishing one needs a consumer first).
CONTRACT_ONLY: frozenset[type[Message]] = frozenset()


def consumed_events() -> dict[type[Message], list[str]]:
    """Which services subscribe to each event (the handlers are only built here, never called)."""
    context: Any = None
    subscriptions = {
        "accreditation": accreditation_handlers(),
        "audit": audit_handlers(context),
        "portfolio": portfolio_handlers(context),
        "registry": registry_handlers(context, None),
    }
    consumers: dict[type[Message], list[str]] = {}
    for service, handlers in subscriptions.items():
        for contract in handlers:
            consumers.setdefault(contract, []).append(service)
    return consumers


def test_every_published_event_has_at_least_one_consuming_service() -> None:
    events = {contract for contract in all_contracts() if contract.kind == "event" and contract.owner != "tests"}
    unconsumed = sorted(c.wire_name for c in events - set(consumed_events()) - CONTRACT_ONLY)
    assert unconsumed == [], f"events without a consumer (the outbox would retry them forever): {unconsumed}"


def test_no_service_consumes_its_own_events_or_an_unknown_contract() -> None:
    for contract, services in consumed_events().items():
        assert contract.kind == "event", contract.wire_name
        assert contract.owner not in services, f"{contract.wire_name} is consumed by its own publisher"
