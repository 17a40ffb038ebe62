"""How the batching consumer hands a batch to its handlers in order: runs of one contract, messages that share a
key in their arrival order, a message without keys passed by none (pure: no broker, no database)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

from lklr_shared.contracts.base import Message, MessageKind
from lklr_shared.contracts.envelope import wrap
from lklr_shared.kit.batch_consumer import _Delivery, _runs


class Granted(Message):
    wire_name: ClassVar[str] = "tests.OrderGranted"
    kind: ClassVar[MessageKind] = "event"
    owner: ClassVar[str] = "tests"

    person: str


class Opened(Message):
    wire_name: ClassVar[str] = "tests.OrderOpened"
    kind: ClassVar[MessageKind] = "event"
    owner: ClassVar[str] = "tests"

    person: str


def _deliveries(contracts: Sequence[Message]) -> list[_Delivery]:
    return [_Delivery(message=None, envelope=wrap(contract), contract=contract) for contract in contracts]  # type: ignore[arg-type]


def _by_person(contract: Any) -> set[Hashable] | None:
    return None if contract.person == "*" else {contract.person}


def _shape(runs: Any) -> list[tuple[str, list[str]]]:
    return [(contract_type.__name__, [event.person for event, _ in items]) for contract_type, items in runs]


def test_in_order_without_keys_every_change_of_contract_starts_a_run() -> None:
    batch = _deliveries([Granted(person="a"), Opened(person="a"), Granted(person="b"), Opened(person="b")])
    assert _shape(_runs(batch, in_order=True)) == [
        ("Granted", ["a"]),
        ("Opened", ["a"]),
        ("Granted", ["b"]),
        ("Opened", ["b"]),
    ]


def test_with_keys_unrelated_messages_gather_and_related_ones_keep_their_order() -> None:
    batch = _deliveries(
        [
            Granted(person="a"),
            Opened(person="a"),
            Granted(person="b"),
            Opened(person="b"),
            # a second grant of a: after a's cycle, so in a run after it
            Granted(person="a"),
            Opened(person="c"),
        ]
    )
    assert _shape(_runs(batch, in_order=True, order_key=_by_person)) == [
        ("Granted", ["a", "b"]),
        ("Opened", ["a", "b", "c"]),
        ("Granted", ["a"]),
    ]


def test_a_message_without_keys_is_passed_by_none_and_passes_none() -> None:
    batch = _deliveries([Granted(person="a"), Opened(person="*"), Granted(person="b"), Opened(person="c")])
    assert _shape(_runs(batch, in_order=True, order_key=_by_person)) == [
        ("Granted", ["a"]),
        ("Opened", ["*", "c"]),
        ("Granted", ["b"]),
    ]
