"""Thin event subscribers: the kit parses and deduplicates; each handler calls one use case."""

from __future__ import annotations

from collections.abc import Hashable
from functools import partial
from typing import Any

from lklr_shared.contracts import accreditation as accreditation_events
from lklr_shared.contracts import audit as audit_events
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.base import Message
from lklr_shared.kit.batch_consumer import BatchHandler
from lklr_shared.kit.consumer import EventHandler
from portfolio.service_layer import (
    erasure,
    norm_met,
    objection_access,
    placements,
    registration_batches,
    registrations,
    reregistration,
    review_access,
)
from portfolio.service_layer.common import PortfolioContext


def event_handlers(context: PortfolioContext) -> dict[type[Message], EventHandler]:
    """The events this service consumes, each with its use case."""
    return {
        registry_events.RegistrationGranted: partial(norm_met.record_registration, context),
        registry_events.RegistrationStatusChanged: registrations.record_status_change,
        registry_events.PersonUpdated: registrations.record_person_update,
        registry_events.CycleOpened: partial(norm_met.record_cycle, context),
        registry_events.ReregistrationRequested: reregistration.record_reregistration_requested,
        registry_events.ReregistrationDecided: reregistration.record_reregistration_decided,
        registry_events.PersonErasureRequested: partial(erasure.forget_person, context),
        accreditation_events.AttendanceRecorded: partial(placements.record_attendance, context),
        accreditation_events.AttendanceVoided: partial(placements.void_attendance, context),
        accreditation_events.TeachingApproved: partial(placements.record_teaching, context),
        audit_events.DossierSampled: partial(reregistration.record_sampling, context),
        audit_events.ActivityJudged: partial(reregistration.record_judgement, context),
        audit_events.AuditConcluded: partial(reregistration.record_audit_outcome, context),
        audit_events.EvidenceAccessGranted: partial(review_access.record_access_granted, context),
        registry_events.ObjectionEvidenceShared: partial(objection_access.record_objection_evidence, context),
    }


def event_batch_handlers(context: PortfolioContext) -> dict[type[Message], BatchHandler]:
    """Batched consumption only: the events applied a whole run at a time (the registry's bursts); the others run
    their one-event handler per message inside the batch."""
    return {
        registry_events.RegistrationGranted: partial(registration_batches.record_registrations, context),
        registry_events.CycleOpened: partial(registration_batches.record_cycles, context),
    }


# Events whose handlers touch only the people (and attendances) they name: in a batch they keep their order among
# events with a key in common and may pass the others. Every other event keeps its place among all of them.
_ABOUT_ONE_PERSON = (
    registry_events.RegistrationGranted,
    registry_events.RegistrationStatusChanged,
    registry_events.PersonUpdated,
    registry_events.CycleOpened,
    accreditation_events.TeachingApproved,
)


def event_order_key(event: Any) -> set[Hashable] | None:
    """What an event touches, for ordering in a batch (see BatchEventConsumer's order_key); None: anything."""
    if isinstance(event, _ABOUT_ONE_PERSON):
        return {("person", event.person_id)}
    if isinstance(event, accreditation_events.AttendanceVoided):
        return {("person", event.person_id), ("attendance", event.attendance_id)}
    if isinstance(event, accreditation_events.AttendanceRecorded):
        return {("person", row.person_id) for row in event.rows} | {
            ("attendance", row.attendance_id) for row in event.rows
        }
    return None
