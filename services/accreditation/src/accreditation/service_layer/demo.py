"""Demo data for a local run: a provider with a published API key and three courses in different states.

Loaded through the `accreditation.LoadDemoData` request (never by writing to the database from outside), in one
transaction, with fixed ids: loading twice creates nothing the second time. Dates are relative to today so the
approved course always has an edition that ended recently enough to post attendance for.

Once the service knows registered people (from the registry's events), the demo also gets a teaching claim
awaiting the committee (by the person with the lowest registration number, the demo professional in a fresh demo)
and an attendance entry on the approved course's ended edition that its professional disputed (the person with
the highest number), so the committee's claims queue and the provider's disputes page have something to show.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any, Final

from accreditation.adapters.repositories import attendance as attendance_records
from accreditation.adapters.repositories import providers as provider_records
from accreditation.adapters.repositories import registrations as registration_records
from accreditation.adapters.repositories import teaching as teaching_records
from accreditation.adapters.repositories import webhooks as webhook_records
from accreditation.adapters.repositories.dialect import commit_unless_duplicate
from accreditation.domain import courses as course_rules
from accreditation.domain import webhooks as webhook_rules
from accreditation.domain.api_keys import api_key_from_parts
from accreditation.domain.courses import CommitteeDecision
from accreditation.service_layer import attendance as attendance_cases
from accreditation.service_layer import course_decisions as decision_cases
from accreditation.service_layer import courses as course_cases
from accreditation.service_layer import providers as provider_cases
from accreditation.service_layer import webhooks as webhook_cases
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import Forbidden
from lklr_shared.kit.outbox import UnitOfWork

log = logging.getLogger(__name__)

_NAMESPACE: Final = uuid.UUID("6f1b3c2e-9a4d-4c1e-8b7a-5d2f0e9c1a01")
DEMO_PROVIDER_ID: Final = uuid.uuid5(_NAMESPACE, "provider")
DEMO_PROVIDER_NAME: Final = "Kenniscentrum Leerplicht"
DEMO_API_KEY_ID: Final = uuid.uuid5(_NAMESPACE, "api-key")
# Published on purpose (printed by ./scripts/start): it opens only the demo provider of a local run.
DEMO_API_KEY: Final = api_key_from_parts("demoprov", "publicly-known-local-demo-key-0001")
DEMO_SANDBOX_KEY_ID: Final = uuid.uuid5(_NAMESPACE, "sandbox-key")
# Published too: a sandbox key reaches only the sandbox (test registration numbers, no portfolio).
DEMO_SANDBOX_KEY: Final = api_key_from_parts("demosand", "publicly-known-sandbox-key-0001")
APPROVED_COURSE_ID: Final = uuid.uuid5(_NAMESPACE, "course-approved")
APPROVED_ENDED_EDITION_ID: Final = uuid.uuid5(_NAMESPACE, "edition-approved-ended")
APPROVED_UPCOMING_EDITION_ID: Final = uuid.uuid5(_NAMESPACE, "edition-approved-upcoming")
PENDING_COURSE_ID: Final = uuid.uuid5(_NAMESPACE, "course-pending")
REJECTED_COURSE_ID: Final = uuid.uuid5(_NAMESPACE, "course-rejected")
DEMO_TEACHING_CLAIM_ID: Final = uuid.uuid5(_NAMESPACE, "teaching-claim")
# The demo provider's webhook endpoints (production and sandbox), pointing at the local development receiver.
DEMO_WEBHOOK_ID: Final = uuid.uuid5(_NAMESPACE, "webhook-endpoint")
DEMO_SANDBOX_WEBHOOK_ID: Final = uuid.uuid5(_NAMESPACE, "webhook-endpoint-sandbox")
DEMO_DISPUTED_POST_KEY: Final = "demo-data-disputed-attendance"
# How long LoadDemoData waits for the registry's first registrations to arrive (demo start-up runs them together).
PEOPLE_WAIT_SECONDS: Final = 3.0
DEMO_ACTOR: Final = "demo-data"
DEMO_COMMITTEE: Final = "demo-committee"


def _receipt(created: bool, webhook_url: str = "") -> contracts.DemoData:
    webhook = (
        {
            "webhook_endpoint_id": DEMO_WEBHOOK_ID,
            "webhook_url": webhook_url,
            "webhook_secret": contracts.DEMO_WEBHOOK_SECRET,
        }
        if webhook_url
        else {}
    )
    return contracts.DemoData(
        **webhook,
        created=created,
        provider_id=DEMO_PROVIDER_ID,
        provider_name=DEMO_PROVIDER_NAME,
        api_key=DEMO_API_KEY.plaintext,
        approved_course_id=APPROVED_COURSE_ID,
        approved_edition_id=APPROVED_ENDED_EDITION_ID,
        pending_course_id=PENDING_COURSE_ID,
        rejected_course_id=REJECTED_COURSE_ID,
        sandbox_api_key=DEMO_SANDBOX_KEY.plaintext,
    )


async def load_demo_data(ctx: AccreditationContext, command: contracts.LoadDemoData) -> contracts.DemoData:
    """Create the demo provider and courses unless they exist; link the given account either way.

    Refused (403 demo_commands_disabled) unless ACCREDITATION_ALLOW_DEMO_COMMANDS is on: the demo provider's API
    key is public, so in production it would be a provider anyone can post for."""
    if not ctx.allow_demo_commands:
        raise Forbidden("demo_commands_disabled", "Demo commands are switched off in this deployment.")
    created = False
    async with ctx.unit_of_work() as uow:
        if await provider_records.provider(uow.session, DEMO_PROVIDER_ID) is None:
            await _create(ctx, uow)
            # False when a concurrent LoadDemoData created it first: same fixed ids, so the data is there all the same.
            created = await commit_unless_duplicate(uow)
    await _ensure_sandbox_key(ctx)
    if command.webhook_url:
        await _ensure_demo_webhooks(ctx, command.webhook_url)
    try:
        await _load_people_extras(ctx)
    except Exception:  # demo extras are a nicety: never fail the demo for them
        log.exception("demo teaching claim / disputed attendance not loaded")
    if command.provider_account_id:
        await provider_cases.link_account(
            ctx,
            contracts.LinkProviderAccount(
                provider_id=DEMO_PROVIDER_ID, account_id=command.provider_account_id, linked_by=DEMO_ACTOR
            ),
        )
    return _receipt(created, command.webhook_url)


async def _ensure_demo_webhooks(ctx: AccreditationContext, url: str) -> None:
    """The demo provider's two endpoints (production and sandbox, every event) at ``url``, signed with the
    published demo secret; an existing one is pointed at ``url`` again (the receiver's port may change)."""
    url = webhook_rules.check_endpoint_url(url, local=ctx.webhooks_local)
    async with ctx.unit_of_work() as uow:
        for endpoint_id, sandbox in ((DEMO_WEBHOOK_ID, False), (DEMO_SANDBOX_WEBHOOK_ID, True)):
            if await webhook_records.endpoints_by_id(uow.session, [endpoint_id]):
                await webhook_records.update_endpoint(uow.session, endpoint_id, url=url)
                continue
            await webhook_records.insert_endpoint(
                uow.session,
                endpoint_id=endpoint_id,
                provider_id=DEMO_PROVIDER_ID,
                url=url,
                description="Demo-ontvanger (sandbox)" if sandbox else "Demo-ontvanger",
                events=list(contracts.WEBHOOK_EVENT_TYPES),
                sandbox=sandbox,
                secret=contracts.DEMO_WEBHOOK_SECRET,
                enabled=True,
                consecutive_failures=0,
                created_at=webhook_cases.wall_clock(),
                created_by=DEMO_ACTOR,
            )
        await commit_unless_duplicate(uow)  # False: a concurrent LoadDemoData added them first


async def _ensure_sandbox_key(ctx: AccreditationContext) -> None:
    """The demo provider's published sandbox key (also added to demo data loaded before sandboxes existed)."""
    async with ctx.unit_of_work() as uow:
        if await provider_records.api_key(uow.session, DEMO_SANDBOX_KEY_ID) is not None:
            return
        await provider_cases.insert_api_key(
            uow.session,
            provider_id=DEMO_PROVIDER_ID,
            material=DEMO_SANDBOX_KEY,
            label="Demo-sandboxsleutel (openbaar)",
            by=DEMO_ACTOR,
            ctx=ctx,
            key_id=DEMO_SANDBOX_KEY_ID,
            sandbox=True,
        )
        if not await commit_unless_duplicate(uow):
            # A concurrent LoadDemoData added it first: same fixed id, so the key is there all the same.
            log.info("demo sandbox key already added by a concurrent load")


async def _create(ctx: AccreditationContext, uow: UnitOfWork) -> None:
    """Insert every demo row in the caller's transaction (no commit)."""
    session = uow.session
    today = ctx.today()
    await provider_cases.insert_provider(
        session,
        provider_id=DEMO_PROVIDER_ID,
        name=DEMO_PROVIDER_NAME,
        contact_email="opleidingen@kenniscentrum-leerplicht.example",
        by=DEMO_ACTOR,
        ctx=ctx,
    )
    await provider_cases.insert_api_key(
        session,
        provider_id=DEMO_PROVIDER_ID,
        material=DEMO_API_KEY,
        label="Voorbeeldsleutel (openbaar bekend)",
        by=DEMO_ACTOR,
        ctx=ctx,
        key_id=DEMO_API_KEY_ID,
    )

    await _submit(
        uow,
        ctx,
        APPROVED_COURSE_ID,
        title="Motiverende gespreksvoering voor leerplichtambtenaren",
        description="Twee dagdelen oefenen met motiverende gespreksvoering bij dreigend schoolverzuim.",
        study_load_hours=Decimal(8),
        trainers=["drs. M. de Groot"],
        target_group="Leerplichtambtenaren en RMC-medewerkers",
        programme="Dagdeel 1: basishouding en technieken. Dagdeel 2: oefenen met acteurs.",
        allows_partial_attendance=True,
    )
    for edition_id, start in (
        (APPROVED_ENDED_EDITION_ID, today - timedelta(days=31)),
        (APPROVED_UPCOMING_EDITION_ID, today + timedelta(days=30)),
    ):
        await course_cases.insert_edition(
            uow,
            ctx,
            APPROVED_COURSE_ID,
            contracts.EditionInput(start_date=start, end_date=start + timedelta(days=1), location="Utrecht"),
            DEMO_ACTOR,
            edition_id=edition_id,
        )
    approved = await decision_cases.decide(uow, APPROVED_COURSE_ID, CommitteeDecision.APPROVE, by=DEMO_ACTOR)
    await decision_cases.apply_approval(
        uow,
        ctx,
        approved,
        points=Decimal(8),
        # Backdated a year, so the edition that already ran is covered (demo data only).
        validity=course_rules.decide_validity(
            submitted_on=today,
            validity_years=ctx.rules_on(today).accreditation.validity_years,
            valid_from=today - timedelta(days=365),
            valid_until=None,
        ),
        by=DEMO_COMMITTEE,
        reason="Voldoet aan de kwaliteitscriteria.",
    )

    await _submit(
        uow,
        ctx,
        PENDING_COURSE_ID,
        title="Jeugdrecht en de Leerplichtwet: actualiteiten",
        description="Een middag over recente jurisprudentie rond de Leerplichtwet en het jeugdstrafrecht.",
        study_load_hours=Decimal(4),
        editions=[contracts.EditionInput(start_date=today + timedelta(days=60), end_date=today + timedelta(days=60))],
        trainers=["mr. J. Smit"],
        target_group="Leerplichtambtenaren",
        programme="Actualiteiten, casuïstiek, vragen.",
    )

    await _submit(
        uow,
        ctx,
        REJECTED_COURSE_ID,
        title="Timemanagement voor iedereen",
        description="Algemene training timemanagement.",
        study_load_hours=Decimal(3),
        trainers=["A. Jansen"],
        target_group="Iedereen",
        programme="Plannen en prioriteren.",
    )
    rejected = await decision_cases.decide(uow, REJECTED_COURSE_ID, CommitteeDecision.REJECT, by=DEMO_ACTOR)
    await decision_cases.apply_simple_decision(
        uow,
        ctx,
        rejected,
        CommitteeDecision.REJECT,
        by=DEMO_COMMITTEE,
        reason="Niet gericht op de beroepsuitoefening van leerplichtambtenaren of RMC-medewerkers.",
    )


async def _submit(uow: UnitOfWork, ctx: AccreditationContext, course_id: uuid.UUID, **content: Any) -> None:
    """Insert a demo course (category A1) as the demo provider submits it."""
    submission = contracts.SubmitCourse(provider_id=DEMO_PROVIDER_ID, submitted_by=DEMO_ACTOR, category="A1", **content)
    await course_cases.insert_course(uow, ctx, submission, course_id=course_id)


async def _registered(ctx: AccreditationContext) -> list[tuple[uuid.UUID, str]]:
    """(person id, registration number) of the registered people, by number; waits briefly for the first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PEOPLE_WAIT_SECONDS
    while True:
        async with ctx.unit_of_work() as uow:
            people = await registration_records.registered_people_by_number(uow.session)
        if people or loop.time() > deadline:
            return people
        await asyncio.sleep(0.25)


async def _load_people_extras(ctx: AccreditationContext) -> None:
    """The teaching claim and the disputed attendance entry (see the module docstring); each once."""
    async with ctx.unit_of_work() as uow:
        claim_exists = await teaching_records.claim_exists(uow.session, DEMO_TEACHING_CLAIM_ID)
        dispute_exists = await attendance_records.provider_has_dispute(uow.session, DEMO_PROVIDER_ID)
    if claim_exists and dispute_exists:
        return
    people = await _registered(ctx)
    if not people:
        return
    today = ctx.today()
    if not claim_exists:
        person_id, number = people[0]
        async with ctx.unit_of_work() as uow:
            await teaching_records.insert_claim(
                uow.session,
                claim_id=DEMO_TEACHING_CLAIM_ID,
                person_id=person_id,
                registration_number=number,
                hours=Decimal(3),
                given_on=today - timedelta(days=14),
                description="Intervisiebijeenkomst over de verzuimaanpak gegeven aan nieuwe collega's in de regio.",
                course_title="Intervisie verzuimaanpak voor starters",
                status="submitted",
                submitted_at=ctx.now(),
                claimed_by=DEMO_ACTOR,
            )
            await commit_unless_duplicate(uow)  # False: a concurrent LoadDemoData added it first
    if not dispute_exists and len(people) > 1:
        person_id, number = people[-1]
        # Posted the way a provider posts (events included), with a fixed key: loading again replays it.
        result = await attendance_cases.post_attendance(
            ctx,
            contracts.PostAttendance(
                provider_id=DEMO_PROVIDER_ID,
                edition_id=APPROVED_ENDED_EDITION_ID,
                idempotency_key=DEMO_DISPUTED_POST_KEY,
                attendees=[contracts.AttendeeInput(registration_number=number)],
                channel="web",
                posted_by=DEMO_ACTOR,
            ),
        )
        row = result.rows[0]
        if row.attendance_id is None or row.outcome == "rejected":
            return
        async with ctx.unit_of_work() as uow:
            await attendance_records.insert_dispute(
                uow.session,
                attendance_id=row.attendance_id,
                provider_id=DEMO_PROVIDER_ID,
                person_id=person_id,
                reason="Ik heb deze cursus niet gevolgd; ik was die dagen met verlof.",
                disputed_at=ctx.now(),
            )
            await commit_unless_duplicate(uow)  # False: a concurrent LoadDemoData added it first
