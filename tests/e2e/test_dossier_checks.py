"""One rule set for the professional's self-check and the audit's automatic review checks, on the real processes.

With a sample that draws every dossier (a scheme whose sample share is 1, a seeded draw like any other), a dossier
whose self-check passes reaches its reviewer without an automatic finding; a dossier with an activity whose
evidence file is missing is flagged for that activity by the self-check and again on the reviewer's case."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from registry.domain.cycles import add_years
from scripts.demo_audit import CERTIFICATE_PDF, accredited_edition, call, register_reviewer
from scripts.demo_portfolio import upload_evidence
from tests.support.rpc_setup import demo_account, place_attendance, record_activity, registered_account
from tests.support.scheme import scheme_sampling_every_dossier
from tests.support.system import start_system
from tests.support.waiting import until
from tests.support.web import WebUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"
REVIEWER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def _professional_with_a_dossier_to_be(
    client: RpcClient, edition: tuple[uuid.UUID, uuid.UUID], surname: str, *, evidence_everywhere: bool
) -> tuple[portfolio_contracts.Actor, str, uuid.UUID]:
    """A professional whose cycle ends in 60 days with the norm met: an accredited course (placed by its provider,
    confirmed), a self-entered A1 course, articles and a presentation; every self-entered entry with its evidence
    file, or all but the presentation. Returns the actor, the registration number and the presentation's id."""
    today = register_today(system_clock)
    email = f"{surname.lower()}-{uuid.uuid4().hex[:6]}@example.nl"
    receipt = await registered_account(
        client.call,
        email,
        PASSWORD,
        initials="Z.",
        surname=surname,
        employer_id="gemeente-zwolle",
        registered_since=add_years(today + timedelta(days=61), -5),
    )
    actor = portfolio_contracts.Actor(person_id=receipt.person_id, origin="e2e")
    await place_attendance(client.call, edition, receipt.registration_number, posted_by="e2e")
    entries = [
        ("A1", "Leergang jeugdrecht", {"study_load_hours": Decimal(80)}, 20),
        ("A2", "Artikelen in het vakblad", {"a2_type": "article", "quantity": Decimal(4)}, 12),
        ("A2", "Presentaties op de regiodag", {"a2_type": "presentation", "quantity": Decimal(2)}, 8),
    ]
    ids: list[uuid.UUID] = []
    for category, title, fields, days_ago in entries:
        saved = await record_activity(
            client.call,
            actor,
            portfolio_contracts.ActivityInput(
                category=category,  # type: ignore[arg-type]
                title=title,
                completion_date=today - timedelta(days=days_ago),
                **fields,
            ),
        )
        ids.append(saved.activity.activity_id)
    for activity_id in ids if evidence_everywhere else ids[:-1]:
        await upload_evidence(client, actor, "bewijs.pdf", CERTIFICATE_PDF, activity_id)

    async def placed_entry() -> uuid.UUID | None:
        portfolio = await call(
            client, "portfolio", portfolio_contracts.GetPortfolio(person_id=actor.person_id, actor=actor),
            portfolio_contracts.Portfolio,
        )  # fmt: skip
        return next((a.activity_id for a in portfolio.activities if a.source == "provider_placed"), None)

    await call(
        client,
        "portfolio",
        portfolio_contracts.ConfirmActivity(
            person_id=actor.person_id, actor=actor, activity_id=await until(placed_entry, "the placed course")
        ),
        portfolio_contracts.ActivitySaved,
    )
    return actor, receipt.registration_number, ids[-1]


async def _self_check(client: RpcClient, actor: portfolio_contracts.Actor) -> portfolio_contracts.DossierCheck:
    reply = await call(
        client,
        "portfolio",
        portfolio_contracts.SelfCheckDossier(person_id=actor.person_id, actor=actor),
        portfolio_contracts.SelfCheckResult,
    )
    return reply.check


async def test_the_self_check_and_the_audits_automatic_checks_find_the_same(
    amqp_url: str, databases: Any, broker_names: Any, tmp_path: Path
) -> None:
    scheme = scheme_sampling_every_dossier(tmp_path)
    async with start_system(
        amqp_url, databases, broker_names, tmp_path, env={"AUDIT_SCHEME_PATH": str(scheme)}
    ) as system:
        broker = await connect_broker(amqp_url)
        try:
            client = RpcClient(broker, system.topology, timeout=20, credentials=operator_credentials())
            reviewer = await demo_account(
                client.call,
                "checker@lklr.example",
                PASSWORD,
                initials="C.",
                surname="Checker",
                account_roles=["assessment_committee"],
                totp_secret=REVIEWER_SECRET,
            )
            await register_reviewer(client, reviewer.account_id, "C. Checker")
            edition = await accredited_edition(client, register_today(system_clock))
            complete, complete_number, _ = await _professional_with_a_dossier_to_be(
                client, edition, "Compleet", evidence_everywhere=True
            )
            missing, missing_number, presentation = await _professional_with_a_dossier_to_be(
                client, edition, "Onvolledig", evidence_everywhere=False
            )

            passed = await _self_check(client, complete)
            assert (passed.passed, passed.findings, passed.sample_flag_share) == (True, [], Decimal(0))
            flagged = await _self_check(client, missing)
            assert not flagged.passed
            assert [(f.code, f.activity_id) for f in flagged.findings] == [("evidence_missing", presentation)]
            assert (flagged.self_entered_count, flagged.flagged_self_entered_count) == (3, 1)
            assert flagged.sample_flag_share == Decimal("0.33")

            for actor in (complete, missing):
                await call(
                    client,
                    "portfolio",
                    portfolio_contracts.ApplyForReregistration(person_id=actor.person_id, actor=actor),
                    portfolio_contracts.DossierView,
                )

            async def both_assigned() -> dict[str, uuid.UUID] | None:
                cases = await call(
                    client,
                    "audit",
                    audit_contracts.ListMyCases(reviewer_id=reviewer.account_id),
                    audit_contracts.CaseList,
                )
                found = {case.registration_number: case.case_id for case in cases.cases}
                return found if {complete_number, missing_number} <= found.keys() else None

            cases = await until(both_assigned, "both dossiers sampled and assigned")
            views = {
                number: await call(
                    client,
                    "audit",
                    audit_contracts.GetCase(case_id=cases[number], reviewer_id=reviewer.account_id),
                    audit_contracts.CaseView,
                )
                for number in (complete_number, missing_number)
            }
        finally:
            await broker.stop()

        clean = views[complete_number].automatic_check
        assert clean is not None and clean == passed
        audited = views[missing_number].automatic_check
        assert audited is not None and audited == flagged

        # The reviewer sees it on the case page, with the flagged activity named.
        async with WebUser(system.gateway_url) as staff:
            await staff.sign_in("checker@lklr.example", PASSWORD, totp_secret=REVIEWER_SECRET)
            page = (await staff.get(f"/beoordeling/zaken/{cases[missing_number]}")).text
            assert 'data-testid="automatic-check"' in page and 'data-finding="evidence_missing"' in page
            assert "Presentaties op de regiodag" in page
            clean_page = (await staff.get(f"/beoordeling/zaken/{cases[complete_number]}")).text
            assert 'data-testid="automatic-check-passed"' in clean_page
