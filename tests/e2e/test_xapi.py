"""The xAPI endpoint end to end: a real xAPI client (`tincan`, which speaks 1.0.3) and raw 2.0.0 requests against
the gateway's /xapi, with the accreditation and portfolio services on PostgreSQL and RabbitMQ between them (the
running system of test_provider_api: providers, keys, an approved course with an ended edition, registrations).
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from tincan import Activity, Agent, AgentAccount, RemoteLRS, Statement, StatementRef, Verb

from lklr_shared.contracts import accreditation as accreditation_contracts
from tests.e2e import test_provider_api
from tests.e2e.test_provider_api import Provider, System

# The provider API's running system (one per module) and its per-test view, as this module's fixtures.
running_system = test_provider_api.running_system
system = test_provider_api.system

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ATTENDED = "http://adlnet.gov/expapi/verbs/attended"


def basic(provider: Provider) -> dict[str, str]:
    """HTTP Basic: username `lklr_<prefix>`, password the rest of the key."""
    username, _, password = provider.api_key.rpartition("_")
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "2.0.0"}


def base_url(system: System) -> str:
    return str(system.http.base_url).rstrip("/")


def attended(system: System, number: str, edition: uuid.UUID, statement_id: uuid.UUID) -> dict[str, Any]:
    return {
        "id": str(statement_id),
        "actor": {"objectType": "Agent", "account": {"homePage": base_url(system), "name": number}},
        "verb": {"id": ATTENDED, "display": {"en-US": "attended"}},
        "object": {"objectType": "Activity", "id": f"{base_url(system)}/xapi/activities/editions/{edition}"},
    }


async def active_entries(system: System, edition: uuid.UUID) -> list[Any]:
    return [row for row in await system.placed(edition) if row["state"] != "voided"]


async def test_tincan_1_0_3_attended_statement_lands_once_and_voiding_removes_it(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    (person,) = await system.register(1)
    username, _, password = provider.api_key.rpartition("_")
    lrs = RemoteLRS(endpoint=f"{base_url(system)}/xapi/", version="1.0.3", username=username, password=password)
    # tincan's About refuses to parse a version list naming 2.0.0, so the about resource is read raw.
    about = await system.http.get("/xapi/about")
    assert about.json()["version"] == ["1.0.3", "2.0.0"]

    statement_id = uuid.uuid4()
    statement = Statement(
        id=str(statement_id),
        actor=Agent(account=AgentAccount(home_page=base_url(system), name=person.number)),
        verb=Verb(id=ATTENDED),
        object=Activity(id=f"{base_url(system)}/xapi/activities/editions/{edition}"),
    )
    saved = await asyncio.to_thread(lrs.save_statement, statement)
    assert saved.success, saved.data
    again = await asyncio.to_thread(lrs.save_statement, statement)
    assert again.success, again.data  # same id, same content: accepted, nothing added

    async def placed_once() -> bool:
        return len(await active_entries(system, edition)) == 1

    await system.eventually(placed_once, timeout=60, interval=0.2, message="attendance placed")
    rows = await system.fetch(system.accreditation_dsn, "SELECT channel FROM attendance WHERE edition_id = $1", edition)
    assert [row["channel"] for row in rows] == ["xapi"]

    read = await asyncio.to_thread(lrs.retrieve_statement, str(statement_id))
    assert read.success and read.content.verb.id == ATTENDED
    assert read.content.authority is not None and read.content.stored is not None

    void = Statement(
        actor=Agent(account=AgentAccount(home_page=base_url(system), name=person.number)),
        verb=Verb(id="http://adlnet.gov/expapi/verbs/voided"),
        object=StatementRef(id=str(statement_id)),
    )
    voided = await asyncio.to_thread(lrs.save_statement, void)
    assert voided.success, voided.data

    async def removed() -> bool:
        return not await active_entries(system, edition)

    await system.eventually(removed, timeout=60, interval=0.2, message="attendance voided")
    gone = await asyncio.to_thread(lrs.retrieve_statement, str(statement_id))
    assert gone.response.status == 404
    kept = await asyncio.to_thread(lrs.retrieve_voided_statement, str(statement_id))
    assert kept.success


async def test_raw_2_0_0_statements_conflicts_filters_and_another_providers_key(system: System) -> None:
    provider = await system.provider()
    other = await system.provider()
    _course, edition = await system.course(provider)
    first, second = await system.register(2)
    http = system.http

    no_version = await http.get("/xapi/statements", headers={"Authorization": basic(provider)["Authorization"]})
    assert no_version.status_code == 400
    assert no_version.headers["X-Experience-API-Version"] == "2.0.0"
    unauthenticated = await http.get("/xapi/statements", headers={"X-Experience-API-Version": "2.0.0"})
    assert unauthenticated.status_code == 401 and unauthenticated.headers["WWW-Authenticate"].startswith("Basic")

    ids = [uuid.uuid4(), uuid.uuid4()]
    batch = [attended(system, first.number, edition, ids[0]), attended(system, second.number, edition, ids[1])]
    stored = await http.post("/xapi/statements", json=batch, headers=basic(provider))
    assert stored.status_code == 200, stored.text
    assert stored.json() == [str(i) for i in ids]

    changed = dict(batch[0], verb={"id": "http://adlnet.gov/expapi/verbs/completed"})
    conflict = await http.put(f"/xapi/statements?statementId={ids[0]}", json=changed, headers=basic(provider))
    assert conflict.status_code == 409
    same = await http.put(f"/xapi/statements?statementId={ids[0]}", json=batch[0], headers=basic(provider))
    assert same.status_code == 204

    # Another provider's key: sees none of it, and its attended statement on this edition places nothing.
    theirs = await http.get(f"/xapi/statements?statementId={ids[0]}", headers=basic(other))
    assert theirs.status_code == 404
    listed = await http.get("/xapi/statements", headers=basic(other))
    assert listed.json()["statements"] == []
    (third,) = await system.register(1)
    foreign_id = uuid.uuid4()
    foreign = await http.post(
        "/xapi/statements", json=attended(system, third.number, edition, foreign_id), headers=basic(other)
    )
    assert foreign.status_code == 200
    outcome = await system.fetch(
        system.accreditation_dsn, "SELECT effect, reason_code FROM xapi_statements WHERE statement_id = $1", foreign_id
    )
    assert [(row["effect"], row["reason_code"]) for row in outcome] == [("rejected", "not_your_course")]

    async def two_placed() -> bool:
        return {row["person_id"] for row in await active_entries(system, edition)} == {
            first.person_id,
            second.person_id,
        }

    await system.eventually(two_placed, timeout=60, interval=0.2, message="two entries")

    # Filters and `more` paging.
    page = await http.get(
        "/xapi/statements",
        params={"verb": ATTENDED, "limit": "1", "ascending": "true"},
        headers=basic(provider),
    )
    assert page.status_code == 200 and "X-Experience-API-Consistent-Through" in page.headers
    body = page.json()
    assert [s["id"] for s in body["statements"]] == [str(ids[0])] and body["more"]
    following = await http.get(body["more"], headers=basic(provider))
    assert [s["id"] for s in following.json()["statements"]] == [str(ids[1])]
    agent = f'{{"account": {{"homePage": "{base_url(system)}", "name": "{second.number}"}}}}'
    by_agent = await http.get("/xapi/statements", params={"agent": agent}, headers=basic(provider))
    assert [s["id"] for s in by_agent.json()["statements"]] == [str(ids[1])]
    assert by_agent.json()["statements"][0]["version"] == "2.0.0"

    not_offered = await http.get("/xapi/activities/state", headers=basic(provider))
    assert not_offered.status_code == 501


async def test_head_format_and_attachments_of_get_statements_answer_as_the_standard_says(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    (person,) = await system.register(1)
    http = system.http
    statement_id = uuid.uuid4()
    stored = await http.post(
        "/xapi/statements", json=attended(system, person.number, edition, statement_id), headers=basic(provider)
    )
    assert stored.status_code == 200, stored.text

    head = await http.head("/xapi/statements", params={"statementId": str(statement_id)}, headers=basic(provider))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["X-Experience-API-Version"] == "2.0.0" and "X-Experience-API-Consistent-Through" in head.headers
    about = await http.head("/xapi/about")
    assert about.status_code == 200 and about.content == b""

    ids = await http.get(
        "/xapi/statements", params={"statementId": str(statement_id), "format": "ids"}, headers=basic(provider)
    )
    assert ids.json()["verb"] == {"id": ATTENDED}
    assert set(ids.json()["actor"]) == {"objectType", "account"} and "name" not in ids.json()["authority"]
    canonical = await http.get(
        "/xapi/statements",
        params={"statementId": str(statement_id), "format": "canonical"},
        headers=basic(provider) | {"Accept-Language": "en-US"},
    )
    assert canonical.json()["verb"]["display"] == {"en-US": "attended"}

    # More pages keep the format they were asked in.
    second_id = uuid.uuid4()
    await http.post(
        "/xapi/statements", json=attended(system, person.number, edition, second_id), headers=basic(provider)
    )
    first_page = await http.get("/xapi/statements", params={"limit": "1", "format": "ids"}, headers=basic(provider))
    following = await http.get(first_page.json()["more"], headers=basic(provider))
    assert following.json()["statements"][0]["verb"] == {"id": ATTENDED}

    multipart = await http.get(
        "/xapi/statements", params={"statementId": str(statement_id), "attachments": "true"}, headers=basic(provider)
    )
    assert multipart.status_code == 200
    assert multipart.headers["content-type"].startswith("multipart/mixed; boundary=")
    assert str(statement_id) in multipart.text


async def test_sandbox_key_attended_statement_answers_as_production_and_touches_no_portfolio(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    (person,) = await system.register(1)
    created = await system.call(
        "accreditation",
        accreditation_contracts.CreateApiKey(provider_id=provider.provider_id, created_by="e2e", sandbox=True),
    )
    sandbox = Provider(provider.provider_id, created.api_key)
    recorded_number, struck_off_number = "9900018", "9900039"
    http = system.http

    production_id, sandbox_id, rejected_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    production = await http.post(
        "/xapi/statements", json=attended(system, person.number, edition, production_id), headers=basic(provider)
    )
    in_sandbox = await http.post(
        "/xapi/statements",
        json=[
            attended(system, recorded_number, edition, sandbox_id),
            attended(system, struck_off_number, edition, rejected_id),
        ],
        headers=basic(sandbox),
    )
    assert (production.status_code, in_sandbox.status_code) == (200, 200), in_sandbox.text
    assert production.json() == [str(production_id)] and in_sandbox.json() == [str(sandbox_id), str(rejected_id)]
    again = await http.post(
        "/xapi/statements", json=attended(system, recorded_number, edition, sandbox_id), headers=basic(sandbox)
    )
    assert again.status_code == 200  # the same id and content: accepted, nothing applied again

    # Read back like production's, each key seeing only its own side.
    read = await http.get("/xapi/statements", params={"statementId": str(sandbox_id)}, headers=basic(sandbox))
    real = await http.get("/xapi/statements", params={"statementId": str(production_id)}, headers=basic(provider))
    assert read.status_code == real.status_code == 200
    assert set(read.json()) == set(real.json()) and read.json()["authority"]["objectType"] == "Agent"
    assert (
        await http.get("/xapi/statements", params={"statementId": str(sandbox_id)}, headers=basic(provider))
    ).status_code == 404
    assert (
        await http.get("/xapi/statements", params={"statementId": str(production_id)}, headers=basic(sandbox))
    ).status_code == 404

    effects = await system.fetch(
        system.accreditation_dsn,
        "SELECT statement_id, effect, reason_code FROM sandbox_xapi_statements WHERE provider_id = $1",
        provider.provider_id,
    )
    production_effect = await system.fetch(
        system.accreditation_dsn, "SELECT effect FROM xapi_statements WHERE statement_id = $1", production_id
    )
    assert {row["statement_id"]: (row["effect"], row["reason_code"]) for row in effects} == {
        sandbox_id: (production_effect[0]["effect"], None),
        rejected_id: ("rejected", "not_registered_on_date"),
    }

    async def production_placed() -> bool:
        return len(await active_entries(system, edition)) == 1

    await system.eventually(production_placed, timeout=60, interval=0.2, message="production attendance placed")
    assert [row["person_id"] for row in await system.placed(edition)] == [person.person_id]
    rows = await system.fetch(
        system.accreditation_dsn, "SELECT registration_number FROM attendance WHERE edition_id = $1", edition
    )
    assert [row["registration_number"] for row in rows] == [person.number]

    # Each key lists its own side of the edition: the sandbox's records, or the register's.
    listed = await http.get(f"/api/v1/provider/editions/{edition}/attendance", headers=sandbox.auth)
    real_list = await http.get(f"/api/v1/provider/editions/{edition}/attendance", headers=provider.auth)
    assert listed.status_code == real_list.status_code == 200, listed.text
    assert [(e["registration_number"], e["channel"]) for e in listed.json()["entries"]] == [(recorded_number, "xapi")]
    assert [(e["registration_number"], e["channel"]) for e in real_list.json()["entries"]] == [(person.number, "xapi")]

    # Voiding in the sandbox voids the sandbox record only.
    void = {
        "actor": {"objectType": "Agent", "account": {"homePage": base_url(system), "name": recorded_number}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": str(sandbox_id)},
    }
    assert (await http.post("/xapi/statements", json=void, headers=basic(sandbox))).status_code == 200
    voided = await system.fetch(
        system.accreditation_dsn,
        "SELECT voided_at FROM sandbox_attendance WHERE edition_id = $1 AND registration_number = $2",
        edition,
        recorded_number,
    )
    assert [row["voided_at"] is not None for row in voided] == [True]
    relisted = await http.get(f"/api/v1/provider/editions/{edition}/attendance", headers=sandbox.auth)
    assert relisted.json()["entries"][0]["voided_at"] is not None
    assert len(await active_entries(system, edition)) == 1


def alternate(fields: dict[str, str], provider: Provider, version: str) -> dict[str, str]:
    """The form of an alternate-syntax request: headers as fields, the rest as given."""
    return {"Authorization": basic(provider)["Authorization"], "X-Experience-API-Version": version} | fields


async def test_alternate_request_syntax_works_in_1_0_3_and_is_refused_in_2_0_0(system: System) -> None:
    provider = await system.provider()
    _course, edition = await system.course(provider)
    (person,) = await system.register(1)
    http = system.http
    statement_id = uuid.uuid4()
    content = json.dumps(attended(system, person.number, edition, statement_id))

    put = await http.post(
        "/xapi/statements?method=PUT",
        data=alternate(
            {"statementId": str(statement_id), "Content-Type": "application/json", "content": content},
            provider,
            "1.0.3",
        ),
    )
    assert put.status_code == 204, put.text
    assert put.headers["X-Experience-API-Version"] == "1.0.3"
    got = await http.post(
        "/xapi/statements?method=GET", data=alternate({"statementId": str(statement_id)}, provider, "1.0.3")
    )
    assert got.status_code == 200 and got.json()["id"] == str(statement_id)
    assert "X-Experience-API-Consistent-Through" in got.headers

    async def placed() -> bool:
        return len(await active_entries(system, edition)) == 1

    await system.eventually(placed, timeout=60, interval=0.2, message="attendance placed")

    # As IE's XDomainRequest sends it: the form under a text/plain Content-Type.
    plain = await http.post(
        "/xapi/statements?method=GET",
        content=urlencode(alternate({"statementId": str(statement_id)}, provider, "1.0.3")),
        headers={"Content-Type": "text/plain"},
    )
    assert plain.status_code == 200 and plain.json()["id"] == str(statement_id)
    about = await http.post("/xapi/about?method=GET", data={"X-Experience-API-Version": "1.0.3"})
    assert about.status_code == 200 and about.json()["version"] == ["1.0.3", "2.0.0"]
    state = await http.post("/xapi/activities/state?method=GET", data=alternate({}, provider, "1.0.3"))
    assert state.status_code == 501
    extra_query = await http.post(
        f"/xapi/statements?method=GET&statementId={statement_id}", data=alternate({}, provider, "1.0.3")
    )
    assert extra_query.status_code == 400
    unauthenticated = await http.post(
        "/xapi/statements?method=GET", data={"X-Experience-API-Version": "1.0.3", "statementId": str(statement_id)}
    )
    assert unauthenticated.status_code == 401

    # xAPI 2.0.0 removed the syntax: refused, and nothing stored.
    refused_id = uuid.uuid4()
    refused = await http.post(
        "/xapi/statements?method=POST",
        data=alternate(
            {"content": json.dumps(attended(system, person.number, edition, refused_id))}, provider, "2.0.0"
        ),
    )
    assert refused.status_code == 400 and "2.0.0" in refused.json()["error"]
    assert refused.headers["X-Experience-API-Version"] == "2.0.0"
    header_version = await http.post(
        "/xapi/statements?method=GET",
        data={"Authorization": basic(provider)["Authorization"]},
        headers={"X-Experience-API-Version": "2.0.0"},
    )
    assert header_version.status_code == 400
    missing = await http.get("/xapi/statements", params={"statementId": str(refused_id)}, headers=basic(provider))
    assert missing.status_code == 404
