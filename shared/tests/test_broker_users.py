"""The broker users' rights, derived from the topology: each pattern names exactly one service's own resources."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from lklr_shared.kit.broker_users import (
    DEFAULT_EXCHANGE,
    QUEUE_SERVICES,
    broker_users,
    definitions,
    load_or_create_passwords,
    main,
    password_hash,
    url_for,
    vhost_of,
)
from lklr_shared.kit.topology import Topology

pytestmark = pytest.mark.unit

TOPOLOGY = Topology(prefix="lklr")


def _users() -> dict[str, object]:
    return {user.service: user for user in broker_users(TOPOLOGY)}


def _all_queues() -> list[str]:
    names = []
    for service in QUEUE_SERVICES:
        events = TOPOLOGY.consumer_queue(service)
        names += [events, TOPOLOGY.dead_letter_queue(events), TOPOLOGY.rpc_queue(service)]
        # Retry queues and exchange (one queue per delay, declared when a message first needs it).
        names += [TOPOLOGY.retry_exchange(events), TOPOLOGY.retry_queue(events, 5), TOPOLOGY.retry_queue(events, 0.2)]
    return names


@pytest.mark.parametrize("service", QUEUE_SERVICES)
def test_broker_users_finding_a_service_reads_and_configures_only_its_own_queues(service: str) -> None:
    user = {u.service: u for u in broker_users(TOPOLOGY)}[service]
    for queue in _all_queues():
        own = queue.startswith(f"lklr.{service}.")
        for pattern in (user.permissions.configure, user.permissions.read, user.permissions.write):
            assert bool(re.search(pattern, queue)) == own, (pattern, queue)
    assert re.search(user.permissions.write, DEFAULT_EXCHANGE)
    assert not re.search(user.permissions.configure, "lklr.registryXevents"), "dots are escaped"
    (topic,) = user.topic_permissions
    assert topic.exchange == TOPOLOGY.events_exchange
    assert re.search(topic.write, f"{service}.SomethingHappened")
    others = [other for other in QUEUE_SERVICES if other != service]
    assert not any(re.search(topic.write, f"{other}.SomethingHappened") for other in others)


def test_broker_users_finding_the_gateway_may_only_publish_through_the_default_exchange() -> None:
    gateway = {u.service: u for u in broker_users(TOPOLOGY)}["gateway"]
    for name in [*_all_queues(), TOPOLOGY.events_exchange, TOPOLOGY.dead_letter_exchange]:
        for pattern in (gateway.permissions.configure, gateway.permissions.read, gateway.permissions.write):
            assert not re.search(pattern, name), (pattern, name)
    assert re.search(gateway.permissions.write, DEFAULT_EXCHANGE)
    assert not re.search(gateway.topic_permissions[0].write, "registry.RegistrationGranted")


def test_password_hash_is_rabbitmqs_salted_sha256() -> None:
    salt = b"\x01\x02\x03\x04"
    decoded = base64.b64decode(password_hash("secret", salt))
    assert decoded == salt + hashlib.sha256(salt + b"secret").digest()


def test_definitions_refuse_a_user_without_a_password() -> None:
    with pytest.raises(ValueError, match="gateway"):
        definitions(broker_users(TOPOLOGY), {service: "pw" for service in QUEUE_SERVICES})


def test_service_urls_keep_the_address_and_vhost_with_the_users_credentials() -> None:
    assert url_for("amqp://guest:guest@127.0.0.1:5673/lklr", "lklr-registry", "a/b@c") == (
        "amqp://lklr-registry:a%2Fb%40c@127.0.0.1:5673/lklr"
    )
    assert vhost_of("amqp://guest:guest@127.0.0.1:5672/") == "/"
    assert vhost_of("amqp://guest:guest@127.0.0.1:5672/%2F") == "/"
    assert vhost_of("amqp://h/lklr") == "lklr"


def test_local_passwords_are_generated_once_and_kept_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broker-users.json"
    first = load_or_create_passwords(path, ["registry", "gateway"])
    assert load_or_create_passwords(path, ["registry", "gateway"]) == first
    assert path.stat().st_mode & 0o077 == 0


def test_definitions_command_prints_every_user_with_its_permissions(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    for service in (*QUEUE_SERVICES, "gateway", "admin"):
        monkeypatch.setenv(f"LKLR_BROKER_PASSWORD_{service.upper()}", f"pw-{service}")
    assert main(["--prefix", "lklr", "definitions", "--admin-user", "lklr"]) == 0
    document = json.loads(capsys.readouterr().out)
    names = [user["name"] for user in document["users"]]
    assert names == [f"lklr-{s}" for s in (*QUEUE_SERVICES, "gateway")] + ["lklr"]
    assert {p["user"] for p in document["permissions"]} == set(names)
    assert {t["user"] for t in document["topic_permissions"]} == set(names) - {"lklr"}
    assert "pw-registry" not in json.dumps(document), "only salted hashes"
