"""Thin event subscribers: the kit parses, deduplicates (inbox) and commits; each handler calls one use case.

Handlers run in the consumer's transaction through an :class:`EventUnitOfWork`, so the state change, the events
and the mail it causes commit together with the inbox row, or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from lklr_shared.contracts import accreditation as accreditation_events
from lklr_shared.contracts import audit as audit_events
from lklr_shared.contracts import portfolio as portfolio_events
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.consumer import EventHandler
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.mail_relay import MailRelay
from registry.adapters.unit_of_work import EventUnitOfWork
from registry.service_layer import credentials, erasure, portfolio_notices, provider_notices, reregistrations
from registry.service_layer.context import RegistryContext

EventUseCase = Callable[[EventUnitOfWork, RegistryContext, Any, Envelope], Awaitable[None]]

USE_CASES: Mapping[type[Message], EventUseCase] = {
    portfolio_events.DossierFrozen: reregistrations.take_dossier,
    audit_events.DossierSampled: reregistrations.record_sampling,
    audit_events.ActivityJudged: reregistrations.record_judgement,
    audit_events.AuditConcluded: reregistrations.record_outcome,
    portfolio_events.ActivityRecorded: portfolio_notices.note_new_entry,
    portfolio_events.ActivitiesPlaced: portfolio_notices.note_new_entries,
    portfolio_events.ActivityDisputed: portfolio_notices.tell_of_dispute,
    portfolio_events.PortfolioNormMet: credentials.record_norm_met,
    accreditation_events.CourseAccredited: provider_notices.tell_provider_of_accreditation,
    accreditation_events.AccreditationWithdrawn: provider_notices.tell_provider_of_withdrawal,
    accreditation_events.WebhookEndpointDisabled: provider_notices.tell_provider_of_disabled_webhook,
    portfolio_events.PersonErased: erasure.record_confirmation,
    accreditation_events.PersonErased: erasure.record_confirmation,
    audit_events.PersonErased: erasure.record_confirmation,
    accreditation_events.CourseObjectionStepped: provider_notices.tell_provider_of_objection_step,
}


def event_handlers(ctx: RegistryContext, mail_relay: MailRelay | None) -> dict[type[Message], EventHandler]:
    """The events the registry consumes, each with its use case."""

    def bind(use_case: EventUseCase) -> EventHandler:
        async def handle(uow: UnitOfWork, event: Any, envelope: Envelope) -> None:
            await use_case(EventUnitOfWork(uow, mail_relay), ctx, event, envelope)

        return handle

    return {contract: bind(use_case) for contract, use_case in USE_CASES.items()}
