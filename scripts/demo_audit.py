"""Demo data for re-registration and the audit, loaded through the services' own request handlers.

- The demo reviewer (beoordeling@lklr.example) is registered with the audit as a member of the assessment
  committee (`RegisterReviewer`, reviewer id = their account id).
- Professionals whose cycle ends in two months earn the norm (40 accredited points placed by a demo training
  provider, 80 self-entered A1 points with a certificate as evidence, 40 A2 points for articles and 10 for a
  presentation) and apply for re-registration, which freezes their dossier. The audit samples its share of the
  dossiers (10 % by default, from its seeded draw): applications are added in rounds until one is sampled, and a
  sampled dossier is assigned to the demo reviewer (the only reviewer). Its professional's application is pending
  until the reviewer has judged it; the other applicants are granted at once.

`prepare_dossier` is also what the browser test of the audit flow uses (with the sample share set to 100 %).
Loaded once: nothing is added when the demo reviewer has a case already.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.errors import RpcError
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from registry.domain.cycles import add_years
from scripts.demo_portfolio import upload_evidence

T = TypeVar("T", bound=Message)

ACCREDITED_POINTS = Decimal(40)
REVIEWER_EMPLOYER = "lklr-auditcommissie"
# A small but real PDF, as the professional's certificate (the portfolio judges files by their magic bytes).
CERTIFICATE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>"
    b"endobj\n4 0 obj<</Length 60>>stream\nBT /F1 14 Tf 20 70 Td (Certificaat Leergang jeugdrecht) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# Every demo applicant is a different person with a real-looking name: rounds of applications never repeat a
# name with a suffix (an earlier version wrote "G. Hendriks-2", which no register would show).
_SURNAMES = (
    "Hendriks", "van Dijk", "Smits", "de Graaf", "Mertens", "Bos", "Kok", "Peeters", "Dekker", "Brouwer",
    "de Wit", "Dijkstra", "Smit", "de Groot", "Verhoeven", "Mol", "Kuipers", "van der Linden", "Schouten", "Postma",
    "Jacobs", "Vermeulen", "van den Berg", "Hoekstra", "Koster", "Prins", "Huisman", "Peters", "de Haan", "Willems",
    "Maas", "Verbeek", "Kramer", "van Leeuwen", "de Bruijn", "Sanders", "Bosman", "Veenstra", "Boer", "Scholten",
)  # fmt: skip
_INITIALS = ("G.", "H.", "I.", "J.", "K.", "L.", "M.", "N.", "O.", "P.", "R.", "S.", "T.")
ROUND_SIZE = 10
MAX_ROUNDS = 8
# 80 different (initials, surname) pairs: 13 initials against 40 surnames repeat a pair only after 520.
DEMO_APPLICANTS = [(_INITIALS[index % len(_INITIALS)], _SURNAMES[index % len(_SURNAMES)]) for index in range(80)]


async def call(
    client: RpcClient, service: str, request: Message, expected: type[T], *, waiting_for: Collection[str] = ()
) -> T:
    """Call a service; while it answers one of `waiting_for` (events it needs have not arrived yet), call again."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        try:
            reply = await client.call(service, request)
        except RpcError as exc:
            if exc.code not in waiting_for or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.3)
            continue
        if not isinstance(reply, expected):
            raise TypeError(f"{service} answered {reply.wire_name}, expected {expected.wire_name}")
        return reply


@dataclass(frozen=True)
class PreparedDossier:
    person_id: uuid.UUID
    registration_number: str
    dossier_id: uuid.UUID
    actor: portfolio_contracts.Actor


async def accredited_edition(client: RpcClient, today: date) -> tuple[uuid.UUID, uuid.UUID]:
    """A demo training provider with an accredited 40-point course whose edition ended 40 days ago."""
    provider = await call(
        client,
        "accreditation",
        accreditation_contracts.RegisterProvider(name="Stichting Vakmanschap Leerplicht", registered_by="demo"),
        accreditation_contracts.ProviderDetails,
    )
    ended = today - timedelta(days=40)
    course = await call(
        client,
        "accreditation",
        accreditation_contracts.SubmitCourse(
            provider_id=provider.provider_id,
            submitted_by="demo",
            title="Verzuimaanpak in de praktijk",
            description="Geaccrediteerde cursus over de aanpak van schoolverzuim.",
            category="A1",
            study_load_hours=ACCREDITED_POINTS,
            editions=[accreditation_contracts.EditionInput(start_date=ended - timedelta(days=1), end_date=ended)],
        ),
        accreditation_contracts.CourseDetails,
    )
    await call(
        client,
        "accreditation",
        accreditation_contracts.ApproveCourse(
            course_id=course.course_id,
            decided_by="demo",
            reason="Voldoet aan de criteria.",
            points=ACCREDITED_POINTS,
            valid_from=ended - timedelta(days=400),
        ),
        accreditation_contracts.CourseDetails,
    )
    return provider.provider_id, course.editions[0].edition_id


async def _place_attendance(client: RpcClient, edition: tuple[uuid.UUID, uuid.UUID], number: str) -> None:
    """The provider posts the professional's attendance (again, while accreditation has not heard of them)."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        result = await call(
            client,
            "accreditation",
            accreditation_contracts.PostAttendance(
                provider_id=edition[0],
                edition_id=edition[1],
                idempotency_key=uuid.uuid4().hex,
                attendees=[accreditation_contracts.AttendeeInput(registration_number=number)],
                channel="api",
                posted_by="demo",
            ),
            accreditation_contracts.AttendancePostResult,
        )
        (row,) = result.rows
        if row.outcome != "rejected":
            return
        if row.reason_code != "unknown_number" or asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"attendance of {number} refused: {row.reason_code}")
        await asyncio.sleep(0.5)


async def prepare_dossier(
    client: RpcClient,
    edition: tuple[uuid.UUID, uuid.UUID],
    *,
    initials: str,
    surname: str,
    today: date,
    person_id: uuid.UUID | None = None,
    employer_id: str = "gemeente-demo",
    days_to_cycle_end: int = 60,
) -> PreparedDossier:
    """Register a professional whose cycle ends in `days_to_cycle_end` days, earn the norm with a 10-point buffer
    (self-entered A1 course with its certificate, A2 articles and a presentation), and apply for re-registration."""
    since = add_years(today + timedelta(days=days_to_cycle_end + 1), -5)
    receipt = await call(
        client,
        "registry",
        registry_contracts.GrantDemoRegistration(
            initials=initials,
            surname=surname,
            roles=["leerplichtambtenaar"],
            employer_id=employer_id,
            registered_since=since,
            person_id=person_id,
        ),
        registry_contracts.RegistrationReceipt,
    )
    actor = portfolio_contracts.Actor(person_id=receipt.person_id, role="professional", origin="demo")
    await _place_attendance(client, edition, receipt.registration_number)
    entries = [
        portfolio_contracts.ActivityInput(
            category="A1",
            title="Leergang jeugdrecht",
            description="Leergang van acht dagdelen over jeugdrecht en leerplicht.",
            completion_date=today - timedelta(days=20),
            study_load_hours=Decimal(80),
        ),
        portfolio_contracts.ActivityInput(
            category="A2",
            title="Artikelen in het vakblad",
            description="Vier artikelen over thuiszitters.",
            completion_date=today - timedelta(days=12),
            a2_type="article",
            quantity=Decimal(4),
        ),
        portfolio_contracts.ActivityInput(
            category="A2",
            title="Presentaties op de regiodag",
            description="Twee presentaties over verzuimaanpak.",
            completion_date=today - timedelta(days=8),
            a2_type="presentation",
            quantity=Decimal(2),
        ),
    ]
    saved = [
        await call(
            client,
            "portfolio",
            portfolio_contracts.RecordActivity(person_id=receipt.person_id, actor=actor, activity=entry),
            portfolio_contracts.ActivitySaved,
            waiting_for={"not_registered", "no_cycle"},
        )
        for entry in entries
    ]
    await upload_evidence(
        client, actor, "certificaat-leergang-jeugdrecht.pdf", CERTIFICATE_PDF, saved[0].activity.activity_id
    )
    dossier = await call(
        client,
        "portfolio",
        portfolio_contracts.ApplyForReregistration(person_id=receipt.person_id, actor=actor),
        portfolio_contracts.DossierView,
        waiting_for={"norm_not_met", "registration_not_active"},  # until the provider's placement has arrived
    )
    return PreparedDossier(receipt.person_id, receipt.registration_number, dossier.dossier_id, actor)


async def register_reviewer(client: RpcClient, account_id: uuid.UUID, name: str) -> None:
    await call(
        client,
        "audit",
        audit_contracts.RegisterReviewer(reviewer_id=account_id, employer_id=REVIEWER_EMPLOYER, name=name),
        audit_contracts.ReviewerView,
    )


async def wait_until_sampled(client: RpcClient, prepared: PreparedDossier, timeout: float = 60) -> bool:
    """The audit's sampling decision on the dossier, as the portfolio shows it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        view = await call(
            client,
            "portfolio",
            portfolio_contracts.GetDossier(person_id=prepared.person_id, actor=prepared.actor),
            portfolio_contracts.DossierView,
        )
        if view.sampled is not None:
            return view.sampled
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no sampling decision on dossier {prepared.dossier_id}")
        await asyncio.sleep(0.3)


async def load_demo_audit(client: RpcClient, reviewer_account_id: uuid.UUID, reviewer_name: str = "R. Mulder") -> str:
    """Register the demo reviewer and make sure they have a sampled case; return a line for the summary."""
    await register_reviewer(client, reviewer_account_id, reviewer_name)
    cases = await call(
        client, "audit", audit_contracts.ListMyCases(reviewer_id=reviewer_account_id), audit_contracts.CaseList
    )
    if cases.cases:
        return f"Audit: the demo reviewer has {len(cases.cases)} open case(s) (beoordeling@lklr.example, /beoordeling)."
    today = register_today(system_clock)
    edition = await accredited_edition(client, today)
    applied: list[PreparedDossier] = []
    sampled: list[PreparedDossier] = []
    for round_number in range(MAX_ROUNDS):
        first = round_number * ROUND_SIZE
        batch = [
            await prepare_dossier(
                client,
                edition,
                initials=initials,
                surname=surname,
                today=today,
                employer_id=f"gemeente-demo-{index % 3}",
            )
            for index, (initials, surname) in enumerate(DEMO_APPLICANTS[first : first + ROUND_SIZE])
        ]
        applied += batch
        sampled += [prepared for prepared in batch if await wait_until_sampled(client, prepared)]
        if sampled:
            break
    numbers = ", ".join(prepared.registration_number for prepared in sampled) or "none"
    return (
        f"Audit: {len(applied)} re-registration application(s) with a cycle ending in 60 days; sampled and "
        f"assigned to the demo reviewer (beoordeling@lklr.example, /beoordeling), their application pending: "
        f"{numbers}."
    )
