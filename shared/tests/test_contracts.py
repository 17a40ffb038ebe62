"""Contracts: envelopes round-trip, wire names are explicit, and no contract changes incompatibly."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from lklr_shared.contracts import registry
from lklr_shared.contracts.base import contract_for
from lklr_shared.contracts.compat import (
    SNAPSHOT_DIR,
    incompatibilities,
    published_contracts,
    schema_of,
    snapshot_name,
)
from lklr_shared.contracts.envelope import Envelope, wrap

pytestmark = pytest.mark.unit


def _granted() -> registry.RegistrationGranted:
    return registry.RegistrationGranted(
        person_id=uuid.uuid4(),
        registration_number="0000017",
        initials="A.B.",
        surname="Jansen",
        roles=["leerplichtambtenaar"],
        employer_id="gemeente-utrecht",
        registered_since=date(2026, 1, 5),
    )


def test_envelope_round_trips_through_the_wire_with_utc_time_and_ids():
    event = _granted()
    envelope = wrap(event)
    parsed = Envelope.from_bytes(envelope.to_bytes())
    assert parsed == envelope
    assert parsed.occurred_at.utcoffset().total_seconds() == 0
    assert parsed.open() == event


def test_a_caused_message_inherits_the_correlation_and_names_its_cause():
    first = wrap(_granted())
    second = wrap(_granted(), caused_by=first)
    assert second.correlation_id == first.correlation_id
    assert second.causation_id == first.message_id


def test_readers_ignore_unknown_fields_so_contracts_can_grow():
    payload = _granted().model_dump(mode="json") | {"added_in_a_later_release": 1}
    envelope = Envelope(type="registry.RegistrationGranted", payload=payload)
    assert isinstance(envelope.open(), registry.RegistrationGranted)


def test_wire_names_are_explicit_and_owned():
    for contract in published_contracts():
        owner, _, name = contract.wire_name.partition(".")
        assert owner == contract.owner and name
        assert contract_for(contract.wire_name, contract.wire_version) is contract


@pytest.mark.parametrize("contract", published_contracts(), ids=lambda c: f"{c.wire_name}.v{c.wire_version}")
def test_contract_is_compatible_with_its_snapshot(contract):
    path = SNAPSHOT_DIR / snapshot_name(contract)
    assert path.exists(), (
        f"no snapshot for {contract.wire_name} v{contract.wire_version}: "
        "run `uv run python -m lklr_shared.contracts.compat --update` and commit it"
    )
    old = json.loads(path.read_text())
    new = schema_of(contract)
    problems = incompatibilities(old, new)
    assert not problems, (
        f"{contract.wire_name} v{contract.wire_version} changed incompatibly: {problems}. "
        "Add a new version of the contract instead."
    )
    assert old == new, "compatible change: refresh the snapshots with `python -m lklr_shared.contracts.compat --update`"


def test_every_snapshot_still_has_its_contract():
    known = {snapshot_name(c) for c in published_contracts()}
    orphans = sorted(p.name for p in SNAPSHOT_DIR.glob("*.json") if p.name not in known)
    assert not orphans, f"contracts disappeared (readers may still depend on them): {orphans}"


BASE = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (BASE | {"properties": BASE["properties"] | {"c": {"type": "string", "default": ""}}}, []),
        ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, ["$.b: field removed"]),
        (BASE | {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}, ["$.a: schema changed"]),
        (BASE | {"required": ["a", "b"]}, ["$.b: now required"]),
    ],
    ids=["optional-field-added", "field-removed", "type-changed", "field-made-required"],
)
def test_compatibility_rule_allows_only_additive_changes(new, expected):
    assert incompatibilities(BASE, new) == expected
