"""A proof of registration end to end over HTTP against the running system: a registered professional downloads
the credential from Mijn LKLR, an employer verifies it with the offline command (from downloaded key set and status
list) and on `/verifieren`; one changed character is forged; after the office strikes the registration off, the
fresh status list makes both report it revoked."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
import pytest
import pytest_asyncio

from lklr_shared import verify
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import utcnow
from lklr_shared.credentials import unverified_claims
from tests.support.norm import meet_the_norm, registered_professional
from tests.support.system import RunningSystem, start_system
from tests.support.web import WebUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "wachtwoord-voor-de-test"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(amqp_url, databases, broker_names, tmp_path_factory) -> AsyncIterator[RunningSystem]:
    async with start_system(amqp_url, databases, broker_names, tmp_path_factory.mktemp("credentials")) as running:
        yield running


async def _account(system: RunningSystem, surname: str, roles: list[contracts.AccountRole], **extra: str):
    email = f"{surname.lower()}-{uuid.uuid4().hex[:8]}@example.nl"
    ready = await system.rpc(
        "registry",
        contracts.CreateDemoAccount(
            email=email, password=PASSWORD, initials="T.", surname=surname, account_roles=roles, **extra
        ),
    )
    assert isinstance(ready, contracts.DemoAccountReady)
    return email, ready.account_id


async def _verify_on_page(user: WebUser, token: str) -> str:
    response = await user.post_form("/verifieren", {"credential": token}, csrf_page="/verifieren")
    assert response.status_code == 200, response.text
    marker = 'data-outcome="'
    start = response.text.index(marker) + len(marker)
    return response.text[start : response.text.index('"', start)]


def _offline(tmp: Path, credential: str) -> int:
    return verify.main(
        [str(tmp / credential), "--jwks", str(tmp / "jwks.json"), "--status-list", str(tmp / "status-1.jwt")]
    )


async def test_download_verify_offline_and_on_the_page_then_revoked_after_strike_off(
    system: RunningSystem, tmp_path: Path
) -> None:
    email, account_id = await _account(system, "Bewijs", ["professional"])
    _office_email, office_id = await _account(system, "Bureau", ["office"], totp_secret=pyotp.random_base32())
    application = await system.rpc(
        "registry",
        contracts.ApplyForRegistration(
            actor_account_id=account_id,
            roles=["leerplichtambtenaar", "rmc_medewerker"],
            employer_name="Gemeente Deventer",
            employer_kind="municipality",
            hours_per_week=Decimal("24"),
            declaration_accepted=True,
        ),
    )
    assert isinstance(application, contracts.ApplicationView)
    decided = await system.rpc(
        "registry",
        contracts.DecideApplication(
            actor_account_id=office_id, application_id=application.application_id, decision="approve"
        ),
    )
    assert isinstance(decided, contracts.ApplicationView) and decided.registration_number
    number = decided.registration_number

    async with WebUser(system.gateway_url) as professional, WebUser(system.gateway_url) as employer:
        await professional.sign_in(email, PASSWORD)
        assert 'href="/mijn/bewijs"' in (await professional.get("/mijn")).text
        page = await professional.get("/mijn/bewijs")
        assert page.status_code == 200 and "<svg" in page.text
        assert f'data-url="{system.gateway_url}/register?q={number}"' in page.text
        download = await professional.get("/mijn/bewijs.jwt")
        assert download.status_code == 200
        token = download.text
        (tmp_path / "credential.jwt").write_text(token)
        (tmp_path / "jwks.json").write_text((await employer.get("/.well-known/jwks.json")).text)
        (tmp_path / "status-1.jwt").write_text((await employer.get("/status/1")).text)

        # Offline, in a process of its own: nothing but the three files.
        command = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "lklr_shared.verify", str(tmp_path / "credential.jwt"),
            "--jwks", str(tmp_path / "jwks.json"), "--status-list", str(tmp_path / "status-1.jwt"),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        output, _ = await command.communicate()
        assert command.returncode == 0, output.decode()
        assert output.decode().startswith("valid: ") and number in output.decode()
        assert await _verify_on_page(employer, token) == "valid"

        middle = len(token) // 2
        forged = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
        (tmp_path / "forged.jwt").write_text(forged)
        assert _offline(tmp_path, "forged.jwt") == verify.EXIT_CODES["forged"]
        assert await _verify_on_page(employer, forged) == "forged"

        await system.rpc(
            "registry",
            contracts.ChangeRegistrationStatus(
                actor_account_id=office_id, registration_number=number, new_status="struck_off", reason="tucht"
            ),
        )
        # The old download still says "valid"; a fresh status list says revoked.
        assert _offline(tmp_path, "credential.jwt") == verify.EXIT_CODES["valid"]
        (tmp_path / "status-1.jwt").write_text((await employer.get("/status/1")).text)
        assert _offline(tmp_path, "credential.jwt") == verify.EXIT_CODES["revoked"]
        assert await _verify_on_page(employer, token) == "revoked"
        assert (await professional.get("/mijn/bewijs")).status_code == 409


async def _until_ok(user: WebUser, path: str, *, timeout: float = 60) -> str:
    """GET `path` until it answers 200 (the portfolio's announcement reaches the registry through the broker)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await user.get(path)
        if response.status_code == 200:
            return response.text
        assert response.status_code == 409, response.text
        assert asyncio.get_running_loop().time() < deadline, f"{path} never became available"
        await asyncio.sleep(0.3)


async def test_a_met_norm_gives_a_second_credential_that_is_revoked_with_the_registration(
    system: RunningSystem,
) -> None:
    today = utcnow().astimezone(ZoneInfo("Europe/Amsterdam")).date()
    person = await registered_professional(system, today, PASSWORD)
    _office_email, office_id = await _account(system, "Bureau", ["office"], totp_secret=pyotp.random_base32())

    async with WebUser(system.gateway_url) as professional, WebUser(system.gateway_url) as employer:
        await professional.sign_in(person.email, PASSWORD)
        assert (await professional.get("/mijn/bewijs-norm.jwt")).status_code == 409
        assert 'data-testid="norm-credential-pending"' in (await professional.get("/mijn/bewijs")).text

        await meet_the_norm(system, person, today)
        token = await _until_ok(professional, "/mijn/bewijs-norm.jwt")
        subject = unverified_claims(token)["credentialSubject"]
        assert subject["achievement"]["id"].endswith("/credentials/norm-met")
        assert subject["registrationNumber"] == person.registration_number
        assert subject["cycle"]["normMetOn"] == today.isoformat()
        assert 'data-testid="norm-credential-download"' in (await professional.get("/mijn/bewijs")).text
        assert await _verify_on_page(employer, token) == "valid"
        assert any("U voldoet aan de norm" in mail and person.registration_number in mail for mail in system.mails()), (
            "the mail that the norm-met credential is ready"
        )

        await system.rpc(
            "registry",
            contracts.ChangeRegistrationStatus(
                actor_account_id=office_id,
                registration_number=person.registration_number,
                new_status="struck_off",
                reason="tucht",
            ),
        )
        assert await _verify_on_page(employer, token) == "revoked"
