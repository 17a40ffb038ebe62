"""The RPC server's reply bytes: the payload serialised once by pydantic carries the same JSON values as the
contract's `model_dump(mode="json")` through `json.dumps` (what the server sent before)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from lklr_shared.contracts import portfolio as p
from lklr_shared.contracts import registry as r
from lklr_shared.contracts.base import Message
from lklr_shared.kit.rpc import _reply_bytes

pytestmark = pytest.mark.unit

REPLIES: list[Message] = [
    r.RegisterEntry(
        registration_number="0000013",
        name='A. Jänsen "de Ûltieme" \\ \u2028',
        roles=["leerplichtambtenaar", "rmc_medewerker"],
        status="registered",
        registered_since=date(2020, 1, 1),
        valid_until=None,
    ),
    r.RegisterSearchResults(entries=[], truncated=True),
    p.NormProgress(
        scheme_version="2018.1",
        met=False,
        constraints=[
            p.ConstraintProgressView(
                constraint="total",
                label="Totaal",
                earned=Decimal("7.5"),
                minimum=Decimal("60"),
                missing=Decimal("52.5"),
                met=False,
            )
        ],
        min_additional_points=Decimal("52.5"),
        days_left=1825,
        buffer_points=Decimal("0"),
        at_risk_points=Decimal("0.5"),
        disputed_points=Decimal("0"),
        per_year=[p.YearPointsView(year=2026, total=Decimal("7.5"), accredited=Decimal("0"), a2=Decimal("7.5"))],
    ),
]


@pytest.mark.parametrize("reply", REPLIES, ids=lambda reply: type(reply).__name__)
def test_the_reply_carries_the_same_json_as_before(reply: Message) -> None:
    body = {"ok": True, "type": "x.Reply", "version": 1}
    before = json.dumps({**body, "payload": reply.model_dump(mode="json")}).encode()
    assert json.loads(_reply_bytes(body, reply.model_dump_json())) == json.loads(before)


def test_an_error_reply_is_the_body_alone() -> None:
    body = {"ok": False, "error": {"code": "not_found", "message": "x", "status": 404}}
    assert json.loads(_reply_bytes(body, None)) == body
