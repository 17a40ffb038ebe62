"""Thin event subscribers: the kit's batch consumer parses and deduplicates; each handler calls one use case."""

from __future__ import annotations

from functools import partial

from audit.service_layer import erasure, sampling
from audit.service_layer.context import AuditContext
from lklr_shared.contracts import portfolio as portfolio_events
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.base import Message
from lklr_shared.kit.batch_consumer import BatchHandler, per_event


def batch_handlers(context: AuditContext) -> dict[type[Message], BatchHandler]:
    """The events this service consumes, each with its (batch) use case."""
    return {
        portfolio_events.DossierFrozen: partial(sampling.record_frozen_dossiers, context),
        registry_events.PersonErasureRequested: per_event(erasure.forget_person),
    }
