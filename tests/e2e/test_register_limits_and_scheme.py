"""Two cross-process properties of the register:

- the public register's rate limit holds across gateway processes: it is counted by the registry for the client,
  not per gateway, so two gateways together allow the limit once;
- the FAQ and the application rules follow a changed scheme file without a code change, in the gateway and the
  registry alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from lklr_shared.contracts import registry as contracts
from lklr_shared.scheme import default_scheme_path
from tests.support.system import start_system
from tests.support.web import WebUser

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LIMIT = 10


async def test_the_register_rate_limit_holds_across_two_gateway_processes(amqp_url, databases, broker_names, tmp_path):
    env = {
        "REGISTRY_REGISTER_LOOKUPS_PER_WINDOW": str(LIMIT),
        # A long window, so the burst below never straddles a window boundary (the sliding estimate is exact then).
        "REGISTRY_REGISTER_LOOKUP_WINDOW_SECONDS": "3600",
    }
    async with start_system(
        amqp_url, databases, broker_names, tmp_path, services=("registry",), gateways=2, env=env
    ) as system:
        first, second = system.gateway_urls
        statuses: list[tuple[str, int]] = []
        async with httpx.AsyncClient(timeout=10) as client:
            for index in range(3 * LIMIT):
                url = (first, second)[index % 2]
                path = "/api/v1/register" if index % 3 else "/register"  # the page counts too
                response = await client.get(f"{url}{path}", params={"q": "Jansen"})
                statuses.append((url, response.status_code))
                if response.status_code == 429:
                    assert int(response.headers["retry-after"]) >= 1
            allowed = [url for url, status in statuses if status == 200]
            assert len(allowed) == LIMIT, statuses
            assert {first, second} <= set(allowed), "both gateways served lookups before the shared limit"
            assert all(status == 429 for _, status in statuses[LIMIT:]), statuses

            # Over the limit on both gateways, with a polite page and Problem Details.
            page = await client.get(f"{second}/register", params={"q": "Jansen"})
            assert page.status_code == 429 and "Probeer het over" in page.text
            problem = await client.get(f"{first}/api/v1/register", params={"q": "Jansen"})
            assert problem.status_code == 429 and problem.json()["code"] == "rate_limited"

            # The limit is per client: another address (through the trusted local proxy header) still gets answers.
            other = await client.get(
                f"{second}/api/v1/register", params={"q": "Jansen"}, headers={"X-Forwarded-For": "203.0.113.7"}
            )
            assert other.status_code == 200


def _changed_scheme(folder: Path) -> Path:
    """A copy of the scheme with a higher minimum of hours and points (in every version)."""
    text = Path(default_scheme_path()).read_text(encoding="utf-8")
    changed = text.replace("min_hours_per_week = 16", "min_hours_per_week = 20").replace(
        "min_total_points = 160", "min_total_points = 175"
    )
    assert changed != text
    scheme = folder / "scheme.toml"
    scheme.write_text(changed, encoding="utf-8")
    return scheme


async def test_the_faq_and_the_application_rules_follow_a_changed_scheme_file(
    amqp_url, databases, broker_names, tmp_path
):
    scheme = _changed_scheme(tmp_path)
    env = {"GATEWAY_SCHEME_PATH": str(scheme), "REGISTRY_SCHEME_PATH": str(scheme)}
    async with start_system(amqp_url, databases, broker_names, tmp_path, services=("registry",), env=env) as system:
        async with httpx.AsyncClient(base_url=system.gateway_url) as client:
            faq = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (await client.get("/vragen")).text))
        assert "ten minste 175 punten" in faq
        assert "ten minste 20 uur per week" in faq
        assert "160" not in faq

        ready = await system.rpc(
            "registry",
            contracts.CreateDemoAccount(
                email="nieuw@example.nl", password="wachtwoord-2026", initials="N.", surname="Nieuw"
            ),
        )
        assert isinstance(ready, contracts.DemoAccountReady)
        async with WebUser(system.gateway_url) as user:
            await user.sign_in("nieuw@example.nl", "wachtwoord-2026")
            form = await user.get("/mijn/aanvraag")
            assert "ten minste 20 uur per week" in form.text
            refused = await user.post_form(
                "/mijn/aanvraag",
                {
                    "role": "leerplichtambtenaar",
                    "employer_name": "Gemeente Epe",
                    "employer_kind": "municipality",
                    "hours_per_week": "18",
                    "declaration": "yes",
                },
                csrf_page="/mijn/aanvraag",
            )
            # 18 hours met the old minimum (16); the registry applies the file's 20, and the page says so.
            assert refused.status_code == 422
            assert "ten minste 20 uur per week in deze functie" in refused.text
