"""The AsyncAPI document FastStream generates from the kit's publishers and subscribers, checked against the contracts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest

from lklr_shared.contracts import all_contracts
from lklr_shared.contracts.base import Message, MessageKind
from lklr_shared.kit.asyncapi import build_asyncapi, key, main, rpc_operations
from lklr_shared.kit.topology import Topology

pytestmark = pytest.mark.unit

KEY_PATTERN = re.compile(r"^[A-Za-z0-9.\-_:]+$")
SERVICES = ("registry", "portfolio", "accreditation", "audit")


class _TestOnlyEvent(Message):
    """A contract a test suite registers; it is not part of the deployed topology."""

    wire_name: ClassVar[str] = "tests.KitAsyncApiProbe"
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


def _payload_refs(document: dict[str, Any], channel: dict[str, Any]) -> list[str]:
    """The schema names of every payload a channel carries."""
    names: list[str] = []
    for message_ref in channel["messages"].values():
        payload = _resolve(document, message_ref["$ref"])["payload"]
        options = payload.get("oneOf", [payload])
        names += [option["$ref"].rsplit("/", 1)[-1] for option in options]
    return names


def _documented(kind: tuple[str, ...]) -> list[type[Message]]:
    return [c for c in all_contracts() if c.kind in kind and c.owner in (*SERVICES, "system")]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_asyncapi("lklr")


def test_document_is_asyncapi_3_with_resolvable_references(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "LKLR messaging"
    assert document["defaultContentType"] == "application/json"
    for section in ("channels", "operations"):
        assert all(KEY_PATTERN.match(name) for name in document[section]), section
    refs = _refs(document)
    assert refs
    for ref in refs:
        _resolve(document, ref)


def test_every_event_is_published_on_the_events_exchange_with_its_contracts_payload_schema(
    document: dict[str, Any],
) -> None:
    events = _documented(("event",))
    assert events
    for event in events:
        channel = document["channels"][key(event)]
        assert channel["address"] == event.routing_key()
        binding = channel["bindings"]["amqp"]
        assert binding["is"] == "routingKey"
        assert binding["exchange"] == {
            "name": "lklr.events",
            "type": "topic",
            "durable": True,
            "autoDelete": False,
            "vhost": "/",
        }
        operation = document["operations"][key(event)]
        assert operation["action"] == "send"
        assert operation["bindings"]["amqp"]["deliveryMode"] == 2, "persistent"
        assert operation["bindings"]["amqp"]["mandatory"] is True
        [schema_name] = _payload_refs(document, channel)
        schema = document["components"]["schemas"][schema_name]
        expected = event.model_json_schema()
        assert set(schema["properties"]) == set(expected["properties"])
        assert schema.get("required") == expected.get("required")


def test_every_rpc_queue_is_listed_with_every_request_its_service_answers(document: dict[str, Any]) -> None:
    requests = _documented(("query", "command"))
    for service in SERVICES:
        channel = document["channels"][f"{service}.rpc"]
        assert channel["address"] == f"lklr.{service}.rpc"
        queue = channel["bindings"]["amqp"]["queue"]
        assert (queue["durable"], queue["exclusive"], queue["autoDelete"]) == (True, False, False)
        assert document["operations"][f"{service}.rpc"]["action"] == "receive"
        carried = set(_payload_refs(document, channel))
        expected = {key(r) for r in requests if r.owner in (service, "system")}
        assert carried == expected, service
        for request in (r for r in requests if r.owner in (service, "system")):
            schema = document["components"]["schemas"][key(request)]
            assert set(schema.get("properties", {})) == set(request.model_json_schema().get("properties", {}))
    assert "system.Ping" in _payload_refs(document, document["channels"]["registry.rpc"])


def test_two_owners_contracts_of_the_same_class_name_keep_their_own_schemas(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "audit.ExportPersonData" in schemas
    assert "accreditation.ExportPersonData" in schemas


def test_replies_are_paired_with_their_requests() -> None:
    operations = {(o.service, o.request.wire_name): o for o in rpc_operations(Topology())}
    assert [r.wire_name for r in operations[("registry", "system.Ping")].replies] == ["system.Pong"]
    assert [r.wire_name for r in operations[("registry", "registry.GetStatistics")].replies] == ["registry.Statistics"]


def test_contracts_of_other_owners_are_left_out(document: dict[str, Any]) -> None:
    assert _TestOnlyEvent in all_contracts()
    assert not any(name.startswith("tests.") for name in document["channels"])
    assert not any(name.startswith("tests.") for name in document["components"]["schemas"])


def test_the_prefix_names_every_exchange_and_queue() -> None:
    document = build_asyncapi("acme-test")
    assert document["channels"]["registry.rpc"]["address"] == "acme-test.registry.rpc"
    binding = document["channels"]["registry.RegistrationGranted"]["bindings"]["amqp"]
    assert binding["exchange"]["name"] == "acme-test.events"


def test_the_command_writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "asyncapi.json"
    assert main(["--prefix", "lklr", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == build_asyncapi("lklr")
