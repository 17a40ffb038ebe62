"""Thin event subscribers: the kit parses and deduplicates; each handler calls one use case."""

from __future__ import annotations

from accreditation.service_layer import disputes, erasure, registrations
from lklr_shared.contracts import portfolio as portfolio_events
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.base import Message
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
