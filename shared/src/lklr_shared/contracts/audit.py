"""Contracts owned by the audit service: sampling, judgements and outcomes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from lklr_shared.contracts.base import Message, MessageKind


class _AuditEvent(Message):
    owner: ClassVar[str] = "audit"
    kind: ClassVar[MessageKind] = "event"


class DossierSampled(_AuditEvent):
    """The sampling decision for a dossier, reproducible from the recorded seed."""

    wire_name: ClassVar[str] = "audit.DossierSampled"

    dossier_id: uuid.UUID
    person_id: uuid.UUID
    sampled: bool
    seed: str
    activity_ids: list[uuid.UUID]


class ActivityJudged(_AuditEvent):
    """A reviewer's judgement of one sampled activity."""

    wire_name: ClassVar[str] = "audit.ActivityJudged"

    dossier_id: uuid.UUID
    activity_id: uuid.UUID
    judgement: Literal["approved", "rejected", "more_information_needed"]
    reason: str = ""


class AuditConcluded(_AuditEvent):
    """The outcome of a dossier, sampled or not."""

    wire_name: ClassVar[str] = "audit.AuditConcluded"

    dossier_id: uuid.UUID
    person_id: uuid.UUID
    cycle_id: uuid.UUID
    outcome: Literal["met", "returned_for_correction", "not_met"]
    concluded_on: date
