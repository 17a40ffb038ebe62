"""Erasure on request through Mijn LKLR (an account without registration goes, a registered person is refused
with the reason), and erasure after retention across every service: a professional with a provider-placed course, a self-entered
activity with its evidence file, struck off; when the short periods pass (portfolio, attendance, audit, logs) the
scheduled job has those erased in every service, evidence bytes included; when the registration's period passes,
the rest goes. Afterwards no database of any service holds the name or the registration number in any table, the
public register does not find them, and every service's security log records the erasure under the pseudonym
only. Retention periods are shortened by settings and the register's clock is moved.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from scripts.demo_audit import CERTIFICATE_PDF, accredited_edition, call
from scripts.demo_portfolio import upload_evidence
from tests.support.rpc_setup import (
    demo_account,
    place_attendance,
    record_activity,
    registered_account,
    staff_account,
)
from tests.support.system import RunningSystem, start_system
from tests.support.waiting import until
from tests.support.web import WebUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"
SHORT_DAYS = 10
REGISTRATION_DAYS = 30
SERVICES = ("registry", "portfolio", "accreditation", "audit")


async def _connect(url: str) -> asyncpg.Connection:
    parsed = make_url(url).set(drivername="postgresql")
    return await asyncpg.connect(parsed.render_as_string(hide_password=False))


async def _tables_mentioning(url: str, needles: list[str]) -> list[str]:
    """Every table (and which needle) of a service's database in which any row, read as text, contains a needle;
    binary columns are read too (escaped), so an event body in the outbox counts."""
    connection = await _connect(url)
    try:
        columns = await connection.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'"
        )
        binary: dict[str, list[str]] = {}
        tables: set[str] = set()
        for row in columns:
            tables.add(row["table_name"])
            if row["data_type"] == "bytea":
                binary.setdefault(row["table_name"], []).append(row["column_name"])
        found = []
        for table in sorted(tables):
            for needle in needles:
                extra = "".join(f" OR encode(t.\"{column}\", 'escape') ILIKE $1" for column in binary.get(table, []))
                count = await connection.fetchval(
                    f'SELECT count(*) FROM "{table}" AS t WHERE t::text ILIKE $1{extra}', f"%{needle}%"
                )
                if count:
                    found.append(f"{table}: {needle}")
        return found
    finally:
        await connection.close()


async def _fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await _connect(url)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def _confirmed(system: RunningSystem, erasures: int) -> bool:
    rows = await _fetch(
        system.database_urls["registry"],
        "SELECT e.erasure_id, count(c.service) AS services FROM erasures e "
        "LEFT JOIN erasure_confirmations c ON c.erasure_id = e.erasure_id GROUP BY e.erasure_id",
    )
    return len(rows) == erasures and all(row["services"] == 3 for row in rows)


async def test_a_person_past_retention_is_erased_in_every_service_and_logged_under_a_pseudonym(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path: Path
) -> None:
    blobs = tmp_path / "blobs"
    settings = {
        "PORTFOLIO_BLOB_DIR": str(blobs),
        "REGISTRY_SCHEDULED_JOBS_ENABLED": "false",
        "REGISTRY_RETENTION_PORTFOLIO_DAYS": str(SHORT_DAYS),
        "REGISTRY_RETENTION_ATTENDANCE_DAYS": str(SHORT_DAYS),
        "REGISTRY_RETENTION_AUDIT_DOSSIERS_DAYS": str(SHORT_DAYS),
        "REGISTRY_RETENTION_LOGS_DAYS": str(SHORT_DAYS),
        "REGISTRY_RETENTION_REGISTRATION_DAYS": str(REGISTRATION_DAYS),
    }
    surname = f"Vergeetmij{uuid.uuid4().hex[:6]}"
    async with start_system(
        amqp_url, databases, broker_names, tmp_path, env=settings, clock_offset_file=True
    ) as system:
        broker = await connect_broker(amqp_url)
        try:
            client = RpcClient(broker, system.topology, timeout=20, credentials=operator_credentials())
            today = register_today(system_clock)
            office = await staff_account(
                client.call, f"bureau-{uuid.uuid4().hex[:6]}@example.nl", PASSWORD, initials="B.", surname="Bureau",
                role="office",
            )  # fmt: skip
            # The addresses contain the surname, so the final scan also finds one left in a sign-in log or trail.
            email = f"{surname.lower()}@example.nl"
            receipt = await registered_account(
                client.call, email, PASSWORD, initials="V.", surname=surname, employer_id="gemeente-ede",
                registered_since=today - timedelta(days=400),
            )  # fmt: skip
            number = receipt.registration_number
            actor = portfolio_contracts.Actor(person_id=receipt.person_id, origin="e2e")
            edition = await accredited_edition(client, today)
            await place_attendance(client.call, edition, number, posted_by="e2e")
            saved = await record_activity(
                client.call,
                actor,
                portfolio_contracts.ActivityInput(
                    category="A1", title=f"Cursus van {surname}", completion_date=today - timedelta(days=20),
                    study_load_hours=Decimal(8),
                ),
            )  # fmt: skip
            await upload_evidence(client, actor, f"{surname}.pdf", CERTIFICATE_PDF, saved.activity.activity_id)
            stored = [path for path in blobs.rglob("*") if path.is_file()]
            assert stored, "the evidence file is in the blob store"

            async def placed_in_portfolio() -> bool:
                rows = await _fetch(
                    system.database_urls["portfolio"],
                    "SELECT 1 FROM activities WHERE person_id = $1 AND source = 'provider_placed'",
                    actor.person_id,
                )
                return bool(rows)

            await until(placed_in_portfolio, "the placed course in the portfolio")
            # The probe finds the person where they are (so its empty answer at the end means something).
            for service in ("registry", "portfolio", "accreditation"):
                assert await _tables_mentioning(system.database_urls[service], [surname, number]), service
            # On request, in the browser: the registered professional is refused with the reason; an account
            # without registration is erased (every service confirms) and its browser signed out.
            visitor_email = f"weg.{surname.lower()}@example.nl"
            visitor = await demo_account(client.call, visitor_email, PASSWORD, initials="W.", surname=f"Weg{surname}")
            async with WebUser(system.gateway_url) as professional, WebUser(system.gateway_url) as web_visitor:
                await professional.sign_in(email, PASSWORD)
                refused = await professional.post_form(
                    "/mijn/account-verwijderen", {"confirm": "yes"}, csrf_page="/mijn/account-verwijderen"
                )
                assert refused.status_code == 409 and 'data-reason="registration_running"' in refused.text
                await web_visitor.sign_in(visitor_email, PASSWORD)
                erased = await web_visitor.post_form(
                    "/mijn/account-verwijderen", {"confirm": "yes"}, csrf_page="/mijn/account-verwijderen"
                )
                assert erased.status_code == 303 and erased.headers["location"] == "/account/verwijderd"
                assert 'data-testid="erased"' in (await web_visitor.get("/account/verwijderd")).text
                signed_out = await web_visitor.get("/mijn")
                assert signed_out.status_code == 303 and "/inloggen" in signed_out.headers["location"]
            await until(lambda: _confirmed(system, 1), "every service confirms the erasure on request")
            assert (
                await _fetch(
                    system.database_urls["registry"], "SELECT 1 FROM people WHERE person_id = $1", visitor.account_id
                )
                == []
            )

            await call(
                client,
                "registry",
                registry_contracts.ChangeRegistrationStatus(
                    actor_account_id=office.account_id, registration_number=number, new_status="struck_off",
                    reason="tuchtmaatregel",
                ),
                registry_contracts.RegistrationView,
            )  # fmt: skip
            jobs = registry_contracts.RunScheduledJobs()
            assert (await call(client, "registry", jobs, registry_contracts.ScheduledJobsReport)).erasures == 0

            # The short periods pass: the portfolio (evidence bytes too) and attendance go; the registration stays.
            await system.move_clock(SHORT_DAYS + 1)
            assert (await call(client, "registry", jobs, registry_contracts.ScheduledJobsReport)).erasures == 1
            await until(lambda: _confirmed(system, 2), "every service confirms the first erasure")
            assert [path for path in blobs.rglob("*") if path.is_file()] == []
            assert await _fetch(system.database_urls["accreditation"], "SELECT 1 FROM attendance") == []
            assert await _fetch(
                system.database_urls["registry"], "SELECT 1 FROM registrations WHERE registration_number = $1", number
            )
            assert (await call(client, "registry", jobs, registry_contracts.ScheduledJobsReport)).erasures == 0

            # The registration's period passes: everything else goes.
            await system.move_clock(REGISTRATION_DAYS - SHORT_DAYS)
            assert (await call(client, "registry", jobs, registry_contracts.ScheduledJobsReport)).erasures == 1
            await until(lambda: _confirmed(system, 3), "every service confirms the second erasure")

            for service in SERVICES:
                found = await _tables_mentioning(system.database_urls[service], [surname, number])
                assert found == [], f"{service} still holds the person: {found}"
            async with httpx.AsyncClient(base_url=system.gateway_url) as web:
                by_number = await web.get("/api/v1/register", params={"q": number})
                by_name = await web.get("/api/v1/register", params={"q": surname})
                assert by_number.status_code == 200 and by_name.status_code == 200
                assert number not in by_number.text and surname not in by_name.text
                assert (await web.get(f"/api/v1/register/{number}")).status_code == 404

            pseudonyms = await _fetch(
                system.database_urls["registry"],
                "SELECT subject, detail FROM audit_trail WHERE action = 'erase_person' ORDER BY entry_id",
            )
            assert len(pseudonyms) == 3
            assert pseudonyms[1]["subject"] == pseudonyms[2]["subject"] != pseudonyms[0]["subject"]
            pseudonym = pseudonyms[1]["subject"]
            assert pseudonym.startswith("pseudonym:") and str(actor.person_id) not in pseudonym
            for service in ("portfolio", "accreditation", "audit"):
                logged = await _fetch(
                    system.database_urls[service],
                    "SELECT object FROM kit_security_log WHERE action = 'person.erased' ORDER BY at",
                )
                expected = [pseudonyms[0]["subject"], pseudonym, pseudonym]
                assert [row["object"] for row in logged] == expected, service
        finally:
            await broker.stop()
