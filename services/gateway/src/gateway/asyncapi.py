"""An AsyncAPI 3.0 document of the broker topology, built from the shared message contracts.

Pure: a function of the contracts and the deployment's name prefix, so the document always matches the code.

- Events: one channel per event on the durable topic exchange `<prefix>.events`; the routing key is the event's
  wire name.
- Queries and commands: one channel per service RPC queue `<prefix>.<service>.rpc`; every service also answers
  the `system.*` queries (Ping). Replies travel over RabbitMQ's direct reply-to pseudo-queue.
- Every message body on the wire is an envelope (`components.schemas.Envelope`) whose `payload` field holds the
  contract; message payload schemas below are those contracts (pydantic's JSON schema, with nested models
  hoisted to `components.schemas` so every `$ref` resolves within this document).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.rpc import REPLY_TO

ASYNCAPI_VERSION = "3.0.0"
SERVICE_OWNERS = ("registry", "portfolio", "accreditation", "audit")
SYSTEM_OWNER = "system"
DOCUMENTED_OWNERS = frozenset((*SERVICE_OWNERS, SYSTEM_OWNER))
AMQP_BINDING_VERSION = "0.3.0"
REPLIES_CHANNEL = "rpc.replies"
_SCHEMA_REF = "#/components/schemas/{model}"


def _summary(contract: type[Message]) -> str:
    doc = (contract.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else contract.wire_name


def _hoist(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Move a JSON schema's `$defs` into the components (refs already point there); reject name clashes."""
    for name, definition in schema.pop("$defs", {}).items():
        if name in schemas and schemas[name] != definition:
            raise ValueError(f"two different nested schemas are both named {name!r}")
        schemas[name] = definition
    return schema


def _message(contract: type[Message], schemas: dict[str, Any]) -> dict[str, Any]:
    payload = _hoist(contract.model_json_schema(ref_template=_SCHEMA_REF), schemas)
    return {
        "name": contract.wire_name,
        "title": contract.__name__,
        "summary": _summary(contract),
        "contentType": "application/json",
        "payload": payload,
        "bindings": {"amqp": {"messageType": contract.wire_name, "bindingVersion": AMQP_BINDING_VERSION}},
        "x-wire-version": contract.wire_version,
        "x-kind": contract.kind,
        "x-owner": contract.owner,
    }


def _reply_for(request: type[Message], replies: list[type[Message]]) -> list[type[Message]]:
    """Pair a request with its reply.

    The contracts carry no explicit link, so the reply is the one of the same owner whose docstring names the
    request ("Reply to GetStatistics", "A service's answer to Ping"); when none does, every reply of that owner
    is listed rather than guessing one.
    """
    same_owner = [reply for reply in replies if reply.owner == request.owner]
    named = [reply for reply in same_owner if re.search(rf"\b{re.escape(request.__name__)}\b", reply.__doc__ or "")]
    return named or same_owner


def _ref(*parts: str) -> dict[str, str]:
    # JSON pointer escaping: wire names contain dots (fine) but never '/' or '~'.
    return {"$ref": "#/" + "/".join(parts)}


def build_asyncapi(contracts: Iterable[type[Message]], prefix: str) -> dict[str, Any]:
    """Return the AsyncAPI 3.0 document (a JSON-ready dict) for `contracts` deployed under `prefix`.

    Contracts of owners other than the services and `system` (e.g. test-only contracts) are skipped.
    """
    documented = sorted(
        (c for c in contracts if c.owner in DOCUMENTED_OWNERS and c.wire_name),
        key=lambda c: (c.wire_name, c.wire_version),
    )
    events = [c for c in documented if c.kind == "event"]
    requests = [c for c in documented if c.kind in ("query", "command")]
    replies = [c for c in documented if c.kind == "reply"]
    services = [owner for owner in SERVICE_OWNERS if any(c.owner == owner for c in documented)]

    # A breaking change is a new version of the same wire name: give it its own key.
    keys = {c: (c.wire_name if c.wire_version == 1 else f"{c.wire_name}.v{c.wire_version}") for c in documented}
    schemas: dict[str, Any] = {}
    messages = {keys[c]: _message(c, schemas) for c in documented}
    schemas["Envelope"] = _hoist(Envelope.model_json_schema(ref_template=_SCHEMA_REF), schemas)

    exchange = f"{prefix}.events"
    exchange_binding = {
        "name": exchange,
        "type": "topic",
        "durable": True,
        "autoDelete": False,
        "vhost": "/",
    }
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}

    for event in events:
        key = keys[event]
        channels[key] = {
            "address": event.routing_key(),
            "title": event.__name__,
            "description": f"{_summary(event)} Published by {event.owner} on the topic exchange {exchange}.",
            "messages": {key: _ref("components", "messages", key)},
            "bindings": {
                "amqp": {"is": "routingKey", "exchange": exchange_binding, "bindingVersion": AMQP_BINDING_VERSION}
            },
            "x-owner": event.owner,
        }
        operations[f"publish.{key}"] = {
            "action": "send",
            "title": f"{event.owner} publishes {event.__name__}",
            "channel": _ref("channels", key),
            "messages": [_ref("channels", key, "messages", key)],
            "bindings": {"amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": AMQP_BINDING_VERSION}},
        }

    channels[REPLIES_CHANNEL] = {
        "address": None,
        "title": "RPC replies",
        "description": (
            f"Replies travel over RabbitMQ's direct reply-to pseudo-queue ({REPLY_TO}); the AMQP correlation id "
            "is the request envelope's message id. The reply body is "
            '{"ok": true, "type", "version", "payload"} or {"ok": false, "error": {"code", "message", "status"}}.'
        ),
        "messages": {keys[r]: _ref("components", "messages", keys[r]) for r in replies},
    }

    for service in services:
        handled = [r for r in requests if r.owner in (service, SYSTEM_OWNER)]
        channel_key = f"{service}.rpc"
        queue = f"{prefix}.{service}.rpc"
        channels[channel_key] = {
            "address": queue,
            "title": f"{service} RPC queue",
            "description": f"Queries and commands for {service} (competing consumers: replicas share the queue).",
            "messages": {keys[r]: _ref("components", "messages", keys[r]) for r in handled},
            "bindings": {
                "amqp": {
                    "is": "queue",
                    "queue": {
                        "name": queue,
                        "durable": True,
                        "exclusive": False,
                        "autoDelete": False,
                        "vhost": "/",
                    },
                    "bindingVersion": AMQP_BINDING_VERSION,
                }
            },
            "x-owner": service,
        }
        for request in handled:
            reply = {
                "address": {
                    "location": "$message.header#/reply_to",
                    "description": f"RabbitMQ direct reply-to ({REPLY_TO}).",
                },
                "channel": _ref("channels", REPLIES_CHANNEL),
                "messages": [
                    _ref("channels", REPLIES_CHANNEL, "messages", keys[r]) for r in _reply_for(request, replies)
                ],
            }
            operations[f"{service}.{keys[request]}"] = {
                "action": "receive",
                "title": f"{service} answers {request.__name__}",
                "summary": _summary(request),
                "channel": _ref("channels", channel_key),
                "messages": [_ref("channels", channel_key, "messages", keys[request])],
                "reply": reply,
            }

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": f"urn:lklr:{prefix}",
        "info": {
            "title": "LKLR messaging",
            "version": "1",
            "description": (
                "Events and request/reply between the services of the Landelijk Kwaliteitsregister Leerplicht & "
                "RMC. Every message body is an Envelope (see components.schemas.Envelope) whose `payload` holds "
                "the contract described by the message. Events are persistent and published with confirms; each "
                f"consuming service reads them from its own quorum queue `{prefix}.<consumer>.events`, bound to "
                f"{exchange} with the routing keys it handles."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
