"""A cross-service test's set-up through the services' own RPC requests (the demo commands and what a provider
or the office would ask): accounts, registrations, an accredited course, a provider's attendance post.

Every helper takes an `Ask`, so it serves a test whichever way that test talks to the services:
`RunningSystem.rpc`, `RpcClient.call` or a test's own wrapper around one of them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pyotp

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.errors import RpcError

Ask = Callable[[str, Message], Awaitable[Message]]
# What the portfolio answers while it has not yet applied the registration's events (no person, no cycle yet).
PORTFOLIO_NOT_YET_REGISTERED = frozenset({"not_registered", "no_cycle"})


async def call_when_ready(
    ask: Ask, service: str, request: Message, waiting_for: Collection[str], *, timeout: float = 60
) -> Message:
    """Ask, and ask again while the service answers one of the `waiting_for` codes: the events the request needs
    are still on their way to it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await ask(service, request)
        except RpcError as exc:
            if exc.code not in waiting_for or asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.3)


async def record_activity(
    ask: Ask, actor: portfolio_contracts.Actor, activity: portfolio_contracts.ActivityInput
) -> portfolio_contracts.ActivitySaved:
    """The professional `actor` records a self-entered activity in their portfolio, once the portfolio knows of
    their registration and cycle."""
    saved = await call_when_ready(
        ask,
        "portfolio",
        portfolio_contracts.RecordActivity(person_id=actor.person_id, actor=actor, activity=activity),
        PORTFOLIO_NOT_YET_REGISTERED,
    )
    assert isinstance(saved, portfolio_contracts.ActivitySaved), saved
    return saved


async def demo_account(
    ask: Ask,
    email: str,
    password: str,
    *,
    initials: str,
    surname: str,
    account_roles: Sequence[registry_contracts.AccountRole] = ("professional",),
    totp_secret: str | None = None,
) -> registry_contracts.DemoAccountReady:
    """A confirmed account with a known password (and, for staff, a TOTP secret)."""
    ready = await ask(
        "registry",
        registry_contracts.CreateDemoAccount(
            email=email,
            password=password,
            initials=initials,
            surname=surname,
            account_roles=list(account_roles),
            totp_secret=totp_secret,
        ),
    )
    assert isinstance(ready, registry_contracts.DemoAccountReady), ready
    return ready


@dataclass(frozen=True)
class StaffAccount:
    account_id: uuid.UUID
    totp_secret: str


async def staff_account(
    ask: Ask, email: str, password: str, *, initials: str, surname: str, role: registry_contracts.AccountRole
) -> StaffAccount:
    """A staff account with `role` and a fresh TOTP secret (staff sign in with a code besides the password)."""
    secret = pyotp.random_base32()
    ready = await demo_account(
        ask, email, password, initials=initials, surname=surname, account_roles=[role], totp_secret=secret
    )
    return StaffAccount(ready.account_id, secret)


async def registered_account(
    ask: Ask,
    email: str,
    password: str,
    *,
    initials: str,
    surname: str,
    employer_id: str,
    registered_since: date,
    roles: Sequence[registry_contracts.Role] = ("leerplichtambtenaar",),
) -> registry_contracts.RegistrationReceipt:
    """A professional's account, registered since `registered_since` (the receipt's person id is the account's)."""
    account = await demo_account(ask, email, password, initials=initials, surname=surname)
    return await grant_registration(
        ask,
        initials=initials,
        surname=surname,
        employer_id=employer_id,
        registered_since=registered_since,
        roles=roles,
        person_id=account.account_id,
    )


async def grant_registration(
    ask: Ask,
    *,
    initials: str,
    surname: str,
    employer_id: str,
    registered_since: date,
    roles: Sequence[registry_contracts.Role] = ("leerplichtambtenaar",),
    person_id: uuid.UUID | None = None,
) -> registry_contracts.RegistrationReceipt:
    """Register a person directly, skipping the application: the person with `person_id` (an account), or a new
    person without an account."""
    receipt = await ask(
        "registry",
        registry_contracts.GrantDemoRegistration(
            initials=initials,
            surname=surname,
            roles=list(roles),
            employer_id=employer_id,
            registered_since=registered_since,
            person_id=person_id,
        ),
    )
    assert isinstance(receipt, registry_contracts.RegistrationReceipt), receipt
    return receipt


async def provider_with_contact(ask: Ask, name: str, contact: uuid.UUID, *, by: str) -> uuid.UUID:
    """A new training provider `name` with the account `contact` linked to it (so that account works for the
    provider in the portal); `by` registers and links. Returns the provider's id."""
    provider = await ask("accreditation", accreditation_contracts.RegisterProvider(name=name, registered_by=by))
    assert isinstance(provider, accreditation_contracts.ProviderDetails), provider
    linked = await ask(
        "accreditation",
        accreditation_contracts.LinkProviderAccount(
            provider_id=provider.provider_id, account_id=str(contact), linked_by=by
        ),
    )
    assert isinstance(linked, accreditation_contracts.ProviderDetails), linked
    return provider.provider_id


async def provider_with_api_key(
    ask: Ask, *, registered_by: str, label: str, created_by: str, name: str | None = None
) -> tuple[uuid.UUID, str]:
    """A new training provider (named `name`, or a unique name) with an API key for its systems; returns the
    provider's id and the key."""
    provider = await ask(
        "accreditation",
        accreditation_contracts.RegisterProvider(
            name=name or f"Aanbieder {uuid.uuid4().hex[:8]}", registered_by=registered_by
        ),
    )
    assert isinstance(provider, accreditation_contracts.ProviderDetails), provider
    key = await ask(
        "accreditation",
        accreditation_contracts.CreateApiKey(provider_id=provider.provider_id, label=label, created_by=created_by),
    )
    assert isinstance(key, accreditation_contracts.ApiKeyCreated), key
    return provider.provider_id, key.api_key


async def accredited_edition(
    ask: Ask, today: date, *, points: Decimal, title: str, description: str, registered_by: str = "office:e2e"
) -> tuple[uuid.UUID, uuid.UUID]:
    """A new provider with an approved A1 course of `points` whose one edition ended 40 days ago (so its
    attendance counts in a cycle that runs now); returns the provider's and the edition's ids."""
    provider = await ask(
        "accreditation",
        accreditation_contracts.RegisterProvider(name=f"Aanbieder {uuid.uuid4().hex[:8]}", registered_by=registered_by),
    )
    assert isinstance(provider, accreditation_contracts.ProviderDetails), provider
    ended = today - timedelta(days=40)
    course = await ask(
        "accreditation",
        accreditation_contracts.SubmitCourse(
            provider_id=provider.provider_id,
            submitted_by="provider:e2e",
            title=title,
            description=description,
            category="A1",
            study_load_hours=points,
            editions=[accreditation_contracts.EditionInput(start_date=ended - timedelta(days=1), end_date=ended)],
        ),
    )
    assert isinstance(course, accreditation_contracts.CourseDetails), course
    approved = await ask(
        "accreditation",
        accreditation_contracts.ApproveCourse(
            course_id=course.course_id,
            decided_by="committee:e2e",
            reason="Voldoet.",
            points=points,
            valid_from=ended - timedelta(days=400),
        ),
    )
    assert isinstance(approved, accreditation_contracts.CourseDetails), approved
    return provider.provider_id, course.editions[0].edition_id


async def place_attendance(
    ask: Ask, edition: tuple[uuid.UUID, uuid.UUID], registration_number: str, *, posted_by: str, timeout: float = 60
) -> None:
    """The provider of `edition` (provider id, edition id) posts the professional's attendance, and posts it again
    while accreditation answers that it does not know the number: it learns of registrations from an event."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await ask(
            "accreditation",
            accreditation_contracts.PostAttendance(
                provider_id=edition[0],
                edition_id=edition[1],
                idempotency_key=uuid.uuid4().hex,
                attendees=[accreditation_contracts.AttendeeInput(registration_number=registration_number)],
                channel="api",
                posted_by=posted_by,
            ),
        )
        assert isinstance(result, accreditation_contracts.AttendancePostResult), result
        row = result.rows[0]
        if row.outcome != "rejected":
            return
        assert row.reason_code == "unknown_number", row
        assert asyncio.get_running_loop().time() < deadline, "the registration never reached accreditation"
        await asyncio.sleep(0.3)
