"""The audit's demo data (scripts/demo_audit.py) on the real processes with the register's own scheme (10 % sample):
the demo reviewer ends up with a sampled case whose evidence they may read, and its professional's application is
pending; loading again adds nothing."""

from __future__ import annotations

import base64

import httpx
import pytest

from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.rpc import RpcClient
from scripts.demo_audit import CERTIFICATE_PDF, call, load_demo_audit
from tests.support.system import start_system

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


async def test_the_demo_reviewer_gets_a_sampled_case_with_readable_evidence(
    amqp_url, databases, broker_names, tmp_path
):
    async with start_system(amqp_url, databases, broker_names, tmp_path) as system:
        reviewer = await system.rpc(
            "registry",
            contracts.CreateDemoAccount(
                email="beoordeling@lklr.example",
                password="lklr-demo-2026",
                initials="R.",
                surname="Mulder",
                account_roles=["assessment_committee"],
                totp_secret="EMFBQ4RC7F57UHYKC6GMKOALI53U4K2B",
            ),
        )
        assert isinstance(reviewer, contracts.DemoAccountReady)
        broker = await connect_broker(amqp_url)
        try:
            client = RpcClient(broker, system.topology, timeout=20, credentials=operator_credentials())
            summary = await load_demo_audit(client, reviewer.account_id)
            cases = await call(
                client, "audit", audit_contracts.ListMyCases(reviewer_id=reviewer.account_id), audit_contracts.CaseList
            )
            assert cases.cases, summary
            case = await call(
                client,
                "audit",
                audit_contracts.GetCase(case_id=cases.cases[0].case_id, reviewer_id=reviewer.account_id),
                audit_contracts.CaseView,
            )
            (evidence,) = [file for activity in case.activities for file in activity.evidence]
            actor = portfolio_contracts.Actor(person_id=reviewer.account_id, role="reviewer")
            chunk = await call(
                client,
                "portfolio",
                portfolio_contracts.ReadReviewEvidenceChunk(
                    reviewer_id=reviewer.account_id, case_id=case.case_id, actor=actor, evidence_id=evidence.evidence_id
                ),
                portfolio_contracts.EvidenceChunk,
            )
            assert base64.b64decode(chunk.data) == CERTIFICATE_PDF
            # The professional's application is pending: the public register shows them still registered.
            async with httpx.AsyncClient(base_url=system.gateway_url, timeout=15) as http:
                entry = await http.get(f"/api/v1/register/{case.registration_number}")
            assert entry.status_code == 200, entry.text
            assert entry.json()["status"] in {"registered", "reregistration_pending"}
            again = await load_demo_audit(client, reviewer.account_id)
            assert "open case" in again
            after = await call(
                client, "audit", audit_contracts.ListMyCases(reviewer_id=reviewer.account_id), audit_contracts.CaseList
            )
            assert len(after.cases) == len(cases.cases)
        finally:
            await broker.stop()
