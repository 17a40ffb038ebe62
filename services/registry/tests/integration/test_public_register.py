"""The public register over the real wiring: only the allowlisted fields ever leave, lookups by name and number,
and a rate limit that holds for a client whose requests come through several gateways."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import operator_credentials
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.rpc import RpcClient
from registry.domain.public_register import PUBLIC_FIELDS

from .conftest import PASSWORD, Registry, RegistryFactory, raw_reply, rpc_error

pytestmark = pytest.mark.integration

ALLOWED = set(PUBLIC_FIELDS)

# Names as people have them: particles, accents, apostrophes, hyphens.
_letters = st.sampled_from("abcdefghijklmnopqrstuvwxyzéëïöüçñ")
surnames = st.builds(
    lambda particle, first, rest: f"{particle}{first.upper()}{rest}",
    st.sampled_from(["", "de ", "van der ", "van ", "ter "]),
    _letters,
    st.text(_letters | st.sampled_from("'-"), min_size=2, max_size=15).filter(lambda s: s[-1] not in "'-"),
)
initials = st.lists(st.sampled_from("ABCDEFGHIJKLMNOPRSTVWY"), min_size=1, max_size=3).map(
    lambda letters: "".join(f"{letter}." for letter in letters)
)
people = st.fixed_dictionaries(
    {
        "initials": initials,
        "surname": surnames,
        "roles": st.lists(st.sampled_from(["leerplichtambtenaar", "rmc_medewerker"]), min_size=1, unique=True),
        "employer_kind": st.sampled_from(["municipality", "region", "rbl"]),
        "hours": st.decimals(min_value=16, max_value=40, places=1),
        "registered_since": st.dates(min_value=date(2013, 1, 1), max_value=date(2026, 1, 1)),
    }
)


async def _register_person(registry: Registry, person: dict[str, Any]) -> tuple[str, str, str]:
    """An account with private data (e-mail, employer, hours) and a registration; returns
    (registration number, e-mail, employer name)."""
    marker = uuid.uuid4().hex[:10]
    email = f"private-{marker}@example.nl"
    employer = f"Werkgever {marker}"
    ready = await registry.call(
        contracts.CreateDemoAccount(
            email=email, password=PASSWORD, initials=person["initials"], surname=person["surname"]
        )
    )
    receipt = await registry.call(
        contracts.GrantDemoRegistration(
            person_id=ready.account_id,
            initials=person["initials"],
            surname=person["surname"],
            roles=person["roles"],
            employer_id=f"werkgever-{marker}",
            registered_since=person["registered_since"],
        )
    )
    await registry.call(
        contracts.UpdateMyPerson(
            actor_account_id=ready.account_id,
            employer_name=employer,
            employer_kind=person["employer_kind"],
            hours_per_week=person["hours"],
        )
    )
    return receipt.registration_number, email, employer


def _assert_only_public(payload: dict[str, Any], private: list[str]) -> None:
    assert set(payload) == ALLOWED, f"fields outside the allowlist: {set(payload) - ALLOWED}"
    text = json.dumps(payload)
    for secret in private:
        assert secret not in text


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(person=people)
async def test_the_public_api_never_returns_a_field_outside_the_allowlist(
    registry: Registry, person: dict[str, Any]
) -> None:
    number, email, employer = await _register_person(registry, person)
    private = [email, employer, "hours_per_week", "employer", "email", str(Decimal(person["hours"]))]
    client_key = f"hypothesis-{uuid.uuid4().hex}"

    by_number = await raw_reply(registry, contracts.GetRegisterEntry(registration_number=number, client_key=client_key))
    assert by_number["ok"], by_number
    _assert_only_public(by_number["payload"], private)
    assert by_number["payload"]["registration_number"] == number
    assert by_number["payload"]["name"] == f"{person['initials']} {person['surname']}"

    for query in (person["surname"], number):
        found = await raw_reply(registry, contracts.SearchRegister(q=query, client_key=client_key))
        assert found["ok"], found
        assert set(found["payload"]) == {"entries", "truncated"}
        assert number in [entry["registration_number"] for entry in found["payload"]["entries"]]
        for entry in found["payload"]["entries"]:
            _assert_only_public(entry, private)


async def test_a_name_search_is_partial_and_case_insensitive_and_a_number_search_exact(registry: Registry) -> None:
    surname = f"Öztürk-{uuid.uuid4().hex[:6]}"
    number, _email, _employer = await _register_person(
        registry,
        {
            "initials": "J.P.",
            "surname": surname,
            "roles": ["leerplichtambtenaar", "rmc_medewerker"],
            "employer_kind": "municipality",
            "hours": Decimal(24),
            "registered_since": date(2024, 2, 29),
        },
    )
    key = uuid.uuid4().hex
    for query in (surname.lower(), surname.upper()[:9], f"j.p. {surname[:5].lower()}", f"  {surname}  "):
        found = await registry.call(contracts.SearchRegister(q=query, client_key=key))
        assert [entry.registration_number for entry in found.entries] == [number], query
    entry = (await registry.call(contracts.SearchRegister(q=number, client_key=key))).entries[0]
    assert entry == contracts.RegisterEntry(
        registration_number=number,
        name=f"J.P. {surname}",
        roles=["leerplichtambtenaar", "rmc_medewerker"],
        status="registered",
        registered_since=date(2024, 2, 29),
        valid_until=date(2029, 2, 28),
    )

    mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)
    error = await rpc_error(registry, contracts.GetRegisterEntry(registration_number=mistyped, client_key=key))
    assert (error.status, error.code) == (422, "invalid_registration_number")
    assert [problem.code for problem in error.problems] == ["mistyped"]
    short = await rpc_error(registry, contracts.SearchRegister(q="x", client_key=key))
    assert (short.status, short.code) == (422, "invalid_search")
    wildcard = await registry.call(contracts.SearchRegister(q="%_", client_key=key))
    assert wildcard.entries == []


async def test_an_applicant_is_not_in_the_public_register(registry: Registry, office: uuid.UUID) -> None:
    surname = f"Aanvraag{uuid.uuid4().hex[:6]}"
    account_id, _email = await registry.sign_up_and_confirm(surname=surname)
    await registry.apply(account_id)
    found = await registry.call(contracts.SearchRegister(q=surname, client_key=uuid.uuid4().hex))
    assert found.entries == []


async def test_the_rate_limit_holds_across_two_gateway_connections_sharing_a_client_key(
    start_registry: RegistryFactory, amqp_url: str
) -> None:
    registry = await start_registry(register_lookups_per_window=5, register_lookup_window_seconds=60)
    # Two gateways: separate broker connections, separate clients, the same client address.
    gateways = [await connect_broker(amqp_url, name=f"gateway-{n}") for n in range(2)]
    try:
        clients = [
            RpcClient(broker, registry.topology, timeout=15, credentials=operator_credentials()) for broker in gateways
        ]
        client_key = "203.0.113.50"
        for turn in range(5):
            await clients[turn % 2].call("registry", contracts.SearchRegister(q="nobody-here", client_key=client_key))
        for client in clients:
            with pytest.raises(RpcError) as caught:
                await client.call("registry", contracts.SearchRegister(q="nobody-here", client_key=client_key))
            assert (caught.value.status, caught.value.code) == (429, "rate_limited")
            retry_after = caught.value.retry_after
            assert retry_after is not None and 1 <= retry_after <= 120
        # Another client is not affected, and number lookups count against the same limit.
        await clients[0].call("registry", contracts.SearchRegister(q="nobody-here", client_key="203.0.113.51"))
        with pytest.raises(RpcError):
            await clients[1].call(
                "registry", contracts.GetRegisterEntry(registration_number="0000013", client_key=client_key)
            )
        # After the window has slid past, the client may look up again.
        registry.clock.advance(seconds=125)
        await clients[1].call("registry", contracts.SearchRegister(q="nobody-here", client_key=client_key))
    finally:
        for gateway in gateways:
            await gateway.stop()
