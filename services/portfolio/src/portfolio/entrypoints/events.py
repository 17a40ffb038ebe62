"""Thin event subscribers: the kit parses and deduplicates; each handler calls one use case."""

from __future__ import annotations

from functools import partial

from lklr_shared.contracts import accreditation as accreditation_events
from lklr_shared.contracts import audit as audit_events
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.base import Message
from lklr_shared.kit.consumer import EventHandler
from portfolio.service_layer import (
    erasure,
    norm_met,
    objection_access,
    placements,
    registrations,
    reregistration,
    review_access,
)
from portfolio.service_layer.common import PortfolioContext


def event_handlers(context: PortfolioContext) -> dict[type[Message], EventHandler]:
    """The events this service consumes, each with its use case."""
    return {
        registry_events.RegistrationGranted: registrations.record_registration,
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
