"""Contracts owned by the portfolio service: activities, disputes and frozen dossiers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from lklr_shared.contracts.base import Message, MessageKind

Category = Literal["A1", "A2"]


class _PortfolioEvent(Message):
    owner: ClassVar[str] = "portfolio"
    kind: ClassVar[MessageKind] = "event"


class ActivityRecorded(_PortfolioEvent):
    """An activity entered a portfolio (self-entered, provider-placed or approved teaching)."""

    wire_name: ClassVar[str] = "portfolio.ActivityRecorded"

    activity_id: uuid.UUID
    person_id: uuid.UUID
    category: Category
    activity_type: str
    points: Decimal
    accredited: bool
    source: Literal["self_entered", "provider_placed", "teaching"]
    completion_date: date


class ActivityDisputed(_PortfolioEvent):
    """A professional disputed a provider-placed entry; routed to the provider and the office."""

    wire_name: ClassVar[str] = "portfolio.ActivityDisputed"

    activity_id: uuid.UUID
    person_id: uuid.UUID
    attendance_id: uuid.UUID
    provider_id: uuid.UUID
    reason: str
    disputed_at: datetime


class DossierActivity(Message):
    """One activity as frozen into a dossier (a nested value, not a message of its own)."""

    activity_id: uuid.UUID
    category: Category
    activity_type: str
    points: Decimal
    accredited: bool
    self_entered: bool
    completion_date: date
    description: str = ""


class DossierFrozen(_PortfolioEvent):
    """A re-registration application froze a cycle's activities into a dossier."""

    wire_name: ClassVar[str] = "portfolio.DossierFrozen"

    dossier_id: uuid.UUID
    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    employer_id: str
    total_points: Decimal
    accredited_points: Decimal
    a2_points: Decimal
    norm_met: bool
    activities: list[DossierActivity]


class PortfolioNormMet(_PortfolioEvent):
    """A cycle's activities meet the norm for the first time."""

    wire_name: ClassVar[str] = "portfolio.PortfolioNormMet"

    person_id: uuid.UUID
    cycle_id: uuid.UUID
    met_on: date
