"""The AsyncAPI 3.0 document of the broker topology, generated from the shared contracts."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pytest
from litestar.testing import AsyncTestClient

from gateway.asyncapi import build_asyncapi
from lklr_shared.contracts import all_contracts
from lklr_shared.contracts.base import Message, MessageKind

from .conftest import FakeCaller, make_app

pytestmark = pytest.mark.unit

KEY_PATTERN = re.compile(r"^[A-Za-z0-9.\-_]+$")


class _TestOnlyEvent(Message):
    """A contract a test suite registers; it is not part of the deployed topology."""

    wire_name: ClassVar[str] = "tests.GatewayAsyncApiProbe"
    owner: ClassVar[str] = "tests"
    kind: ClassVar[MessageKind] = "event"

    value: int


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
        node = node[part]
    # A channel's message is itself a reference to components.messages: follow it.
    if isinstance(node, dict) and set(node) == {"$ref"}:
        return _resolve(document, node["$ref"])
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_asyncapi(all_contracts(), "lklr")


def test_document_is_asyncapi_3(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"]
    assert document["info"]["version"] == "1"
    assert document["defaultContentType"] == "application/json"
    for section in ("channels", "operations"):
        assert all(KEY_PATTERN.match(key) for key in document[section]), section
    for section in ("messages", "schemas"):
        assert all(KEY_PATTERN.match(key) for key in document["components"][section]), section


def test_every_reference_resolves_inside_the_document(document: dict[str, Any]) -> None:
    refs = _refs(document)
    assert refs
    for ref in refs:
        _resolve(document, ref)


def test_every_event_has_a_channel_on_the_events_exchange_keyed_by_its_wire_name(document: dict[str, Any]) -> None:
    events = [c for c in all_contracts() if c.kind == "event" and c.owner != "tests"]
    assert events
    addresses = {channel["address"] for channel in document["channels"].values()}
    for event in events:
        assert event.routing_key() in addresses
        channel = document["channels"][event.wire_name]
        binding = channel["bindings"]["amqp"]
        assert binding["is"] == "routingKey"
        assert binding["exchange"] == {
            "name": "lklr.events",
            "type": "topic",
            "durable": True,
            "autoDelete": False,
            "vhost": "/",
        }
        operation = document["operations"][f"publish.{event.wire_name}"]
        assert operation["action"] == "send"
        assert _resolve(document, operation["channel"]["$ref"]) is channel
        assert _resolve(document, operation["messages"][0]["$ref"])["name"] == event.wire_name


def test_message_payloads_are_the_contracts_json_schemas(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    for contract in all_contracts():
        if contract.owner == "tests":
            continue
        payload = messages[contract.wire_name]["payload"]
        expected = contract.model_json_schema()
        assert payload["title"] == expected["title"]
        assert set(payload["properties"]) == set(expected["properties"])
        assert payload.get("required") == expected.get("required")
        assert "$defs" not in payload  # nested models live in components.schemas


def test_envelope_schema_is_documented(document: dict[str, Any]) -> None:
    envelope = document["components"]["schemas"]["Envelope"]
    assert {"message_id", "type", "version", "occurred_at", "correlation_id", "causation_id", "payload"} <= set(
        envelope["properties"]
    )


def test_each_service_has_an_rpc_queue_with_its_queries_and_ping(document: dict[str, Any]) -> None:
    for service in ("registry", "portfolio", "accreditation", "audit"):
        channel = document["channels"][f"{service}.rpc"]
        assert channel["address"] == f"lklr.{service}.rpc"
        assert channel["bindings"]["amqp"]["queue"]["durable"] is True
        assert "system.Ping" in channel["messages"]
        ping = document["operations"][f"{service}.system.Ping"]
        assert ping["action"] == "receive"
        assert [_resolve(document, m["$ref"])["name"] for m in ping["reply"]["messages"]] == ["system.Pong"]

    statistics = document["operations"]["registry.registry.GetStatistics"]
    replies = [_resolve(document, m["$ref"])["name"] for m in statistics["reply"]["messages"]]
    assert replies == ["registry.Statistics"]
    assert "registry.GrantDemoRegistration" in document["channels"]["registry.rpc"]["messages"]


def test_contracts_of_other_owners_are_left_out(document: dict[str, Any]) -> None:
    assert _TestOnlyEvent in all_contracts()
    assert "tests.GatewayAsyncApiProbe" not in document["components"]["messages"]
    assert not any(key.startswith("tests.") for key in document["channels"])


def test_the_prefix_names_every_exchange_and_queue() -> None:
    document = build_asyncapi(all_contracts(), "acme-test")
    assert document["channels"]["registry.rpc"]["address"] == "acme-test.registry.rpc"
    binding = document["channels"]["registry.RegistrationGranted"]["bindings"]["amqp"]
    assert binding["exchange"]["name"] == "acme-test.events"


async def test_asyncapi_is_served_as_json_and_as_a_readable_page() -> None:
    async with AsyncTestClient(app=make_app(FakeCaller())) as client:
        response = await client.get("/asyncapi.json")
        page = await client.get("/asyncapi")
    assert response.status_code == 200
    assert response.json()["asyncapi"] == "3.0.0"
    events = [c for c in all_contracts() if c.kind == "event" and c.owner != "tests"]
    for event in events:
        assert event.routing_key() in response.json()["channels"]
        assert f"<code>{event.routing_key()}</code>" in page.text
    assert "lklr.registry.rpc" in page.text
