"""Demo data for a local run, loaded through the services' own request handlers (never their databases).

Loaded once: accounts are created by e-mail only when missing, the public-register professionals only into an
empty register, and the pending application only together with its (new) account. The summary is printed at
every start, so the credentials are always at hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.topology import Topology
from scripts.demo_audit import load_demo_audit
from scripts.demo_portfolio import load_demo_portfolio

DEMO_PASSWORD = "lklr-demo-2026"

# The public register; the first one is also the demo professional's account (A. Jansen, 0000013).
DEMO_PROFESSIONALS = [
    ("A.", "Jansen", ["leerplichtambtenaar"], "gemeente-utrecht", date(2022, 3, 1)),
    ("B.C.", "de Vries", ["rmc_medewerker"], "regio-west-brabant", date(2023, 9, 15)),
    ("D.", "Bakker", ["leerplichtambtenaar", "rmc_medewerker"], "rbl-zuid-limburg", date(2021, 12, 1)),
    ("E.", "Visser", ["leerplichtambtenaar"], "gemeente-amsterdam", date(2025, 5, 20)),
]


@dataclass(frozen=True)
class DemoAccount:
    key: str
    label: str
    email: str
    initials: str
    surname: str
    account_roles: tuple[contracts.AccountRole, ...]
    # Fixed TOTP secrets (base32) for the staff accounts: add them to an authenticator app, or compute the
    # code with `python -c "import pyotp; print(pyotp.TOTP('<secret>').now())"`.
    totp_secret: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("professional", "professional (registered)", "jansen@lklr.example", "A.", "Jansen", ("professional",)),
    DemoAccount(
        "applicant", "professional (application pending)", "smit@lklr.example", "F.", "Smit", ("professional",)
    ),
    # Someone who signed up and never applied: the account Mijn LKLR lets its owner erase (a new start makes it
    # again when it was erased).
    DemoAccount(
        "visitor", "account without registration (erasable)", "bos@lklr.example", "K.", "Bos", ("professional",)
    ),
    DemoAccount(
        "objector", "professional (objection running)", "dewit@lklr.example", "K.", "de Wit", ("professional",)
    ),
    DemoAccount(
        "office",
        "register office (beheerder)",
        "beheer@lklr.example",
        "L.",
        "Meijer",
        ("office",),
        "5IGBYJZPBQ6Y4AURJ2ISBPPEOSI3SILR",
    ),
    DemoAccount(
        "accreditation",
        "accreditation committee",
        "accreditatie@lklr.example",
        "S.",
        "de Boer",
        ("accreditation_committee",),
        "GTTJEQ7XIUI7SZWX5SKJ3DFP3M2JS2DG",
    ),
    DemoAccount(
        "assessment",
        "assessment committee",
        "beoordeling@lklr.example",
        "R.",
        "Mulder",
        ("assessment_committee",),
        "EMFBQ4RC7F57UHYKC6GMKOALI53U4K2B",
    ),
    DemoAccount(
        "administrator",
        "administrator",
        "admin@lklr.example",
        "H.",
        "de Groot",
        ("administrator",),
        "BP7BWSKQKA6JS6CGK4ANDGMAASQYFE6D",
    ),
    # A plain account (no registry role) for the training provider's contact person; what it may do for the
    # provider is the accreditation service's business (it links the account to the demo provider).
    DemoAccount("provider", "training provider contact", "opleider@lklr.example", "P.", "de Opleider", ()),
]


async def load_demo_data(amqp_url: str, prefix: str, webhook_url: str = "") -> str:
    """Create the demo accounts and registrations where missing; return a printable summary. With
    ``webhook_url`` (the gateway's development receiver) the demo provider gets webhook endpoints there."""
    broker = await connect_broker(amqp_url)
    try:
        client = RpcClient(broker, Topology(prefix=prefix), timeout=10, credentials=operator_credentials())
        stats = await client.call("registry", contracts.GetStatistics())
        assert isinstance(stats, contracts.Statistics)
        accounts: dict[str, contracts.DemoAccountReady] = {}
        for account in DEMO_ACCOUNTS:
            ready = await client.call(
                "registry",
                contracts.CreateDemoAccount(
                    email=account.email,
                    password=DEMO_PASSWORD,
                    initials=account.initials,
                    surname=account.surname,
                    account_roles=list(account.account_roles),
                    totp_secret=account.totp_secret,
                ),
            )
            assert isinstance(ready, contracts.DemoAccountReady)
            accounts[account.key] = ready

        professional = accounts["professional"]
        lines = []
        if stats.registered == 0:
            lines.append("Demo data loaded. Registered professionals (public register):")
            for index, (initials, surname, roles, employer, since) in enumerate(DEMO_PROFESSIONALS):
                person_id = professional.account_id if index == 0 else None
                number = await _grant(client, initials, surname, roles, employer, since, person_id)
                lines.append(f"  {number}  {initials} {surname}  ({', '.join(roles)})")
        elif professional.created:
            # A register filled by an older version of this script: give the new account its registration.
            initials, surname, roles, employer, since = DEMO_PROFESSIONALS[0]
            await _grant(client, initials, surname, roles, employer, since, professional.account_id)
            lines.append(f"Demo accounts added to existing demo data ({stats.registered} registered professionals).")
        else:
            lines.append(f"Demo data already present ({stats.registered} registered professionals).")
        if professional.created:
            await client.call(
                "registry",
                contracts.UpdateMyPerson(
                    actor_account_id=professional.account_id,
                    employer_name="Gemeente Utrecht",
                    employer_kind="municipality",
                    hours_per_week=Decimal(24),
                ),
            )
        if accounts["applicant"].created:
            await client.call(
                "registry",
                contracts.ApplyForRegistration(
                    actor_account_id=accounts["applicant"].account_id,
                    roles=["rmc_medewerker"],
                    employer_name="Regio Twente",
                    employer_kind="region",
                    hours_per_week=Decimal(32),
                    declaration_accepted=True,
                ),
            )
        if accounts["objector"].created:
            await _objection(client, accounts["objector"].account_id, accounts["office"].account_id)
        registration = await client.call(
            "registry", contracts.GetMyRegistration(actor_account_id=professional.account_id)
        )
        assert isinstance(registration, contracts.RegistrationView)

        lines.append(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            extra = f"  TOTP secret {account.totp_secret}" if account.totp_secret else ""
            if account.key == "professional":
                extra = f"  registration {registration.registration_number}"
            lines.append(f"  {account.label:<36} {account.email:<28}{extra}".rstrip())
        # Provider data belongs to the accreditation service; it links the provider contact's account itself.
        provider = await client.call(
            "accreditation",
            accreditation_contracts.LoadDemoData(
                provider_account_id=str(accounts["provider"].account_id), webhook_url=webhook_url
            ),
        )
        assert isinstance(provider, accreditation_contracts.DemoData)
        lines.append(f"Demo training provider: {provider.provider_name}")
        lines.append(f"  API key (Authorization: Bearer ...): {provider.api_key}")
        username, _, secret = provider.api_key.rpartition("_")
        lines.append(
            f"  xAPI at /xapi/ (X-Experience-API-Version: 2.0.0): HTTP Basic user {username}, password {secret}; "
            f"edition IRI /xapi/activities/editions/{provider.approved_edition_id}"
        )
        lines.append(f"  approved course {provider.approved_course_id}, ended edition {provider.approved_edition_id}")
        if provider.sandbox_api_key:
            numbers = ", ".join(accreditation_contracts.SANDBOX_REGISTRATION_NUMBERS)
            lines.append(
                f"  sandbox key: {provider.sandbox_api_key} (test numbers {numbers}; nothing reaches a portfolio); "
                "webhooks, sandbox and examples: /aanbieder/webhooks, /aanbieders/koppelen"
            )
        if provider.webhook_url:
            lines.append(
                f"  webhooks: every event (production and sandbox endpoint) goes to {provider.webhook_url}, signed with "
                f"{provider.webhook_secret}; what arrived, with the signature checked: /dev/webhooks"
            )
        lines.append(
            f"  (a course awaiting review: {provider.pending_course_id}; a rejected one: {provider.rejected_course_id})"
        )
        # The digital portfolio: the demo professional's activities in several states.
        lines.extend(await load_demo_portfolio(client, professional.account_id, provider))
        # Re-registration and the audit: the demo reviewer with a sampled case, an application pending.
        lines.append(await load_demo_audit(client, accounts["assessment"].account_id))
        lines.append(
            "Security: staff sign in with their TOTP code (a password alone gives no staff page); the administrator "
            "reads every service's security log at /beheer/beveiligingslog; giving a role on /beheer/accounts mails "
            "a one-time enrolment link (see /dev/mail)."
        )
        lines.append(
            "Objections: dewit@lklr.example objected to a suspension (/mijn/bezwaar); the office handles it at "
            "/beheer/bezwaren (acknowledge, hearing, extension, decision; the mails in /dev/mail)."
        )
        lines.append(
            "Credentials: jansen@lklr.example downloads a signed registration credential at /mijn/bewijs; anyone checks "
            "one at /verifieren (or offline: uv run python -m lklr_shared.verify FILE)."
        )
        lines.append(
            "Operations: the administrator sees every service's queues, dead letters and outbox at /beheer/systeem; "
            "Prometheus metrics at /metrics (gateway) and on each service's health port."
        )
        return "\n".join(lines)
    finally:
        await broker.stop()


async def _grant(
    client: RpcClient,
    initials: str,
    surname: str,
    roles: list[contracts.Role],
    employer: str,
    since: date,
    person_id: uuid.UUID | None,
) -> str:
    receipt = await client.call(
        "registry",
        contracts.GrantDemoRegistration(
            initials=initials,
            surname=surname,
            roles=roles,
            employer_id=employer,
            registered_since=since,
            person_id=person_id,
        ),
    )
    assert isinstance(receipt, contracts.RegistrationReceipt)
    return receipt.registration_number


async def _objection(client: RpcClient, person_id: uuid.UUID, office_id: uuid.UUID) -> None:
    """A registered professional whom the office suspended, and who objected to it: the objection waits in the
    office's queue for its acknowledgement."""
    number = await _grant(
        client, "K.", "de Wit", ["leerplichtambtenaar"], "gemeente-zwolle", date(2020, 6, 1), person_id
    )
    await client.call(
        "registry",
        contracts.ChangeRegistrationStatus(
            actor_account_id=office_id,
            registration_number=number,
            new_status="suspended",
            reason="Geen bewijs van dienstverband ontvangen",
        ),
    )
    mine = await client.call("registry", contracts.GetMyObjections(actor_account_id=person_id))
    assert isinstance(mine, contracts.MyObjections) and mine.decisions
    await client.call(
        "registry",
        contracts.FileObjection(
            actor_account_id=person_id,
            decision_kind=mine.decisions[0].decision_kind,
            decision_reference=mine.decisions[0].reference,
            reasons="Mijn werkgever heeft de verklaring op tijd gestuurd; ik werk 28 uur per week bij de gemeente.",
        ),
    )
