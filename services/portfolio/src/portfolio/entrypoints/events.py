"""Thin event subscribers: the kit parses and deduplicates; each handler calls one use case."""

from __future__ import annotations

from lklr_shared.contracts import accreditation as accreditation_events
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.base import Message
from lklr_shared.kit.consumer import EventHandler
from portfolio.service_layer import placements, registrations


def event_handlers() -> dict[type[Message], EventHandler]:
    """The events this service consumes, each with its use case."""
    return {
        registry_events.RegistrationGranted: registrations.record_registration,
        registry_events.RegistrationStatusChanged: registrations.record_status_change,
        registry_events.CycleOpened: registrations.record_cycle,
        accreditation_events.AttendanceRecorded: placements.record_attendance,
        accreditation_events.AttendanceVoided: placements.void_attendance,
        accreditation_events.TeachingApproved: placements.record_teaching,
    }
