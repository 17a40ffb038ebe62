"""Thin event subscribers: the kit parses and deduplicates; each handler calls one use case."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from accreditation.service_layer import disputes, erasure, registration_batches, registrations
from lklr_shared.contracts import portfolio as portfolio_events
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.base import Message
from lklr_shared.kit.batch_consumer import BatchHandler
from lklr_shared.kit.consumer import EventHandler


def event_handlers() -> dict[type[Message], EventHandler]:
    """The events this service consumes, each with its use case."""
    return {
        registry_events.RegistrationGranted: registrations.record_registration,
        registry_events.RegistrationStatusChanged: registrations.record_status_change,
        registry_events.PersonUpdated: registrations.record_person_update,
        portfolio_events.ActivityDisputed: disputes.record_dispute,
        registry_events.PersonErasureRequested: erasure.forget_person,
    }


def event_batch_handlers() -> dict[type[Message], BatchHandler]:
    """Batched consumption only: the events applied a whole run at a time (the registry's bursts of grants); the
    others run their one-event handler per message inside the batch."""
    return {registry_events.RegistrationGranted: registration_batches.record_registrations}


# Events whose handlers touch only the person they name: in a batch they keep their order among events of that
# person and may pass the others. Every other event keeps its place among all of them.
_ABOUT_ONE_PERSON = (
    registry_events.RegistrationGranted,
    registry_events.RegistrationStatusChanged,
    registry_events.PersonUpdated,
)


def event_order_key(event: Any) -> set[Hashable] | None:
    """What an event touches, for ordering in a batch (see BatchEventConsumer's order_key); None: anything."""
    if isinstance(event, _ABOUT_ONE_PERSON):
        return {("person", event.person_id)}
    return None
