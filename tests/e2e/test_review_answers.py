"""A reviewer asks for more information and reads the file the professional answers with, through the pages, on
the real processes. The portfolio serves the answer's file to the assigned reviewer only after the audit
granted it (EvidenceAccessGranted); another reviewer gets 404, as for a file that does not exist."""

from __future__ import annotations

import re

import pytest

from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.clock import register_today, system_clock
from lklr_shared.kit.rpc import RpcClient
from scripts.demo_audit import accredited_edition, call, prepare_dossier, register_reviewer
from tests.support.rpc_setup import demo_account
from tests.support.scheme import scheme_sampling_every_dossier
from tests.support.system import RunningSystem, start_system
from tests.support.waiting import until
from tests.support.web import WebUser, csrf_from

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "een veilig wachtwoord 2026"
ANSWER_FILE = b"%PDF-1.4\n% verslag van de regiodag\n" + b"0" * 300_000 + b"\n%%EOF\n"


async def _account(
    system: RunningSystem, email: str, roles: list[contracts.AccountRole], secret: str | None = None
) -> contracts.DemoAccountReady:
    return await demo_account(
        system.rpc,
        email,
        PASSWORD,
        initials="X.",
        surname=email.split("@")[0],
        account_roles=roles,
        totp_secret=secret,
    )


async def test_the_reviewer_reads_the_file_sent_with_an_answer_and_nobody_else_does(
    amqp_url, databases, broker_names, tmp_path
):
    scheme = scheme_sampling_every_dossier(tmp_path)
    async with start_system(
        amqp_url, databases, broker_names, tmp_path, env={"AUDIT_SCHEME_PATH": str(scheme)}
    ) as system:
        reviewer = await _account(
            system, "r1@lklr.example", ["assessment_committee"], "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        )
        colleague = await _account(
            system, "r2@lklr.example", ["assessment_committee"], "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
        )
        professional = await _account(system, "prof@gemeente.example", ["professional"])
        broker = await connect_broker(amqp_url)
        try:
            client = RpcClient(broker, system.topology, timeout=20, credentials=operator_credentials())
            await register_reviewer(client, reviewer.account_id, "Eerste beoordelaar")
            today = register_today(system_clock)
            prepared = await prepare_dossier(
                client,
                await accredited_edition(client, today),
                initials="X.",
                surname="Prof",
                today=today,
                person_id=professional.account_id,
            )

            async def assigned() -> bool:
                cases = await call(
                    client,
                    "audit",
                    audit_contracts.ListMyCases(reviewer_id=reviewer.account_id),
                    audit_contracts.CaseList,
                )
                return bool(cases.cases)

            await until(assigned, "the case was not assigned", timeout=30, interval=0.5)
            # Registered after the case was assigned: the colleague has no case and no grant.
            await register_reviewer(client, colleague.account_id, "Tweede beoordelaar")
        finally:
            await broker.stop()

        async with (
            WebUser(system.gateway_url) as staff,
            WebUser(system.gateway_url) as other,
            WebUser(system.gateway_url) as prof,
        ):
            await staff.sign_in("r1@lklr.example", PASSWORD, totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
            await other.sign_in("r2@lklr.example", PASSWORD, totp_secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
            await prof.sign_in("prof@gemeente.example", PASSWORD)

            async def case_link() -> str | None:
                found = re.search(r'href="(/beoordeling/zaken/[0-9a-f-]{36})"', (await staff.get("/beoordeling")).text)
                return found.group(1) if found else None

            case_path = await until(case_link, "the case was not assigned", timeout=30, interval=0.5)
            case_page = (await staff.get(case_path)).text
            assert prepared.registration_number in case_page
            articles = case_page[case_page.index("Artikelen in het vakblad") :]
            action = re.search(r'action="(/beoordeling/zaken/[0-9a-f-]{36}/activiteiten/[0-9a-f-]{36})"', articles)
            assert action is not None
            asked = await staff.client.post(
                action.group(1),
                data={
                    "csrf_token": csrf_from(case_page),
                    "verdict": "more_information_needed",
                    "reason": "Stuur de artikelen mee.",
                },
            )
            assert asked.status_code == 303, asked.text[:500]

            # The professional answers on their page, with a file.
            async def question() -> str | None:
                page = (await prof.get("/mijn/herregistratie")).text
                return page if "Stuur de artikelen mee." in page else None

            page = await until(question, "the question did not reach the professional", timeout=30, interval=0.5)
            # The form posts to its action URL, which carries the CSRF token (a multipart body is never parsed for it).
            answer_action = re.search(
                r'action="(/mijn/herregistratie/vragen/[0-9a-f-]{36}/[0-9a-f-]{36}\?csrf_token=[\w-]+)"', page
            )
            assert answer_action is not None
            answered = await prof.client.post(
                answer_action.group(1),
                data={"answer": "In de bijlage staan de vier artikelen."},
                files={"evidence": ("artikelen.pdf", ANSWER_FILE, "application/pdf")},
            )
            assert answered.status_code == 303, answered.text[:500]

            # The reviewer sees the answer and downloads its file once the portfolio has the grant.
            case_page = (await staff.get(case_path)).text
            assert "In de bijlage staan de vier artikelen." in case_page
            link = re.search(
                r'href="(/beoordeling/zaken/[0-9a-f-]{36}/bewijs/[0-9a-f-]{36})"[^>]*answer-evidence-link', case_page
            )
            assert link is not None

            async def downloaded() -> bytes | None:
                response = await staff.get(link.group(1))
                return response.content if response.status_code == 200 else None

            assert (
                await until(downloaded, "the reviewer could not read the answer's file", timeout=30, interval=0.5)
                == ANSWER_FILE
            )
            assert (await other.get(link.group(1))).status_code == 404
            assert (await other.get(case_path)).status_code == 403
            assert (await prof.get(link.group(1))).status_code == 403  # not a reviewer at all
