"""A registered professional whose cycle meets the norm, built through the services' own requests: an accredited
course attended (placed by its provider) and self-entered A2 articles. Shared by the credential tests."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.kit.errors import RpcError
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


async def _when_ready(system: RunningSystem, service: str, request: Any, waiting_for: set[str]) -> Any:
    """Call, and again while the service answers a `waiting_for` code (the events it needs are still on the way)."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        try:
            return await system.rpc(service, request)
        except RpcError as exc:
            if exc.code not in waiting_for or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.3)


async def registered_professional(system: RunningSystem, today: date, password: str) -> Professional:
    """A professional with an account, registered 400 days ago (so recent work falls inside the cycle)."""
    email = f"norm-{uuid.uuid4().hex[:8]}@example.nl"
    account = await system.rpc(
        "registry",
        registry_contracts.CreateDemoAccount(email=email, password=password, initials="N.", surname="Normhaler"),
    )
    assert isinstance(account, registry_contracts.DemoAccountReady)
    receipt = await system.rpc(
        "registry",
        registry_contracts.GrantDemoRegistration(
            initials="N.",
            surname="Normhaler",
            roles=["leerplichtambtenaar"],
            employer_id="gemeente-deventer",
            registered_since=today - timedelta(days=400),
            person_id=account.account_id,
        ),
    )
    assert isinstance(receipt, registry_contracts.RegistrationReceipt)
    return Professional(email, password, receipt.person_id, receipt.registration_number)


async def meet_the_norm(system: RunningSystem, person: Professional, today: date) -> None:
    """Place an accredited course's attendance and record A2 articles until the cycle's norm is met."""
    provider = await system.rpc(
        "accreditation",
        accreditation_contracts.RegisterProvider(name=f"Aanbieder {uuid.uuid4().hex[:8]}", registered_by="e2e"),
    )
    assert isinstance(provider, accreditation_contracts.ProviderDetails)
    ended = today - timedelta(days=40)
    course = await system.rpc(
        "accreditation",
        accreditation_contracts.SubmitCourse(
            provider_id=provider.provider_id,
            submitted_by="provider:e2e",
            title="Leergang leerplicht en verzuim",
            description="Geaccrediteerde leergang",
            category="A1",
            study_load_hours=ACCREDITED_POINTS,
            editions=[accreditation_contracts.EditionInput(start_date=ended - timedelta(days=1), end_date=ended)],
        ),
    )
    assert isinstance(course, accreditation_contracts.CourseDetails)
    await system.rpc(
        "accreditation",
        accreditation_contracts.ApproveCourse(
            course_id=course.course_id,
            decided_by="committee:e2e",
            reason="Voldoet.",
            points=ACCREDITED_POINTS,
            valid_from=ended - timedelta(days=400),
        ),
    )
    deadline = asyncio.get_running_loop().time() + 60
    while True:  # accreditation learns of the registration from an event: post again until it knows the number
        result = await system.rpc(
            "accreditation",
            accreditation_contracts.PostAttendance(
                provider_id=provider.provider_id,
                edition_id=course.editions[0].edition_id,
                idempotency_key=uuid.uuid4().hex,
                attendees=[accreditation_contracts.AttendeeInput(registration_number=person.registration_number)],
                channel="api",
                posted_by="provider:e2e",
            ),
        )
        assert isinstance(result, accreditation_contracts.AttendancePostResult)
        row = result.rows[0]
        if row.outcome != "rejected":
            break
        assert row.reason_code == "unknown_number", row
        assert asyncio.get_running_loop().time() < deadline, "the registration never reached accreditation"
        await asyncio.sleep(0.3)
    actor = portfolio_contracts.Actor(person_id=person.person_id, origin="e2e")
    await _when_ready(
        system,
        "portfolio",
        portfolio_contracts.RecordActivity(
            person_id=person.person_id,
            actor=actor,
            activity=portfolio_contracts.ActivityInput(
                category="A2",
                title="Artikelen in het vakblad",
                completion_date=today - timedelta(days=5),
                a2_type="article",
                quantity=ARTICLES,
            ),
        ),
        {"not_registered", "no_cycle"},
    )
