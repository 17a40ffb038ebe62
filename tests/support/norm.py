"""A registered professional whose cycle meets the norm, built through the services' own requests: an accredited
course attended (placed by its provider) and self-entered A2 articles. Shared by the credential tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from lklr_shared.contracts import portfolio as portfolio_contracts
from tests.support.rpc_setup import accredited_edition, place_attendance, record_activity, registered_account
from tests.support.system import RunningSystem

# 120 accredited A1 points and 4 articles of 10 A2 points: 160 in total, 120 accredited, 40 A2 (the default norm).
ACCREDITED_POINTS = Decimal(120)
ARTICLES = Decimal(4)


@dataclass(frozen=True)
class Professional:
    email: str
    password: str
    person_id: uuid.UUID
    registration_number: str


async def registered_professional(system: RunningSystem, today: date, password: str) -> Professional:
    """A professional with an account, registered 400 days ago (so recent work falls inside the cycle)."""
    email = f"norm-{uuid.uuid4().hex[:8]}@example.nl"
    receipt = await registered_account(
        system.rpc,
        email,
        password,
        initials="N.",
        surname="Normhaler",
        employer_id="gemeente-deventer",
        registered_since=today - timedelta(days=400),
    )
    return Professional(email, password, receipt.person_id, receipt.registration_number)


async def meet_the_norm(system: RunningSystem, person: Professional, today: date) -> None:
    """Place an accredited course's attendance and record A2 articles until the cycle's norm is met."""
    edition = await accredited_edition(
        system.rpc,
        today,
        points=ACCREDITED_POINTS,
        title="Leergang leerplicht en verzuim",
        description="Geaccrediteerde leergang",
        registered_by="e2e",
    )
    await place_attendance(system.rpc, edition, person.registration_number, posted_by="provider:e2e")
    actor = portfolio_contracts.Actor(person_id=person.person_id, origin="e2e")
    await record_activity(
        system.rpc,
        actor,
        portfolio_contracts.ActivityInput(
            category="A2",
            title="Artikelen in het vakblad",
            completion_date=today - timedelta(days=5),
            a2_type="article",
            quantity=ARTICLES,
        ),
    )
