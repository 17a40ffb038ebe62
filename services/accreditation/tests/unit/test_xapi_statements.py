"""xAPI statements: the structural rules, and which statements claim attendance (and with how many hours)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from accreditation.domain import xapi
from lklr_shared.errors import InvalidRequest

pytestmark = pytest.mark.unit

HOME = "https://lklr.example"
PREFIX = f"{HOME}/xapi/activities/editions/"
EDITION = uuid.uuid4()


def statement(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": "123456789"}},
        "verb": {"id": xapi.ATTENDED},
        "object": {"objectType": "Activity", "id": f"{PREFIX}{EDITION}"},
    }
    base.update(changes)
    return base


def claim(data: dict[str, Any]) -> xapi.AttendanceClaim | None:
    xapi.check_statement(data)
    return xapi.attendance_claim(data, home_page=HOME, edition_prefix=PREFIX)


def test_an_attended_statement_of_a_register_account_on_an_edition_claims_full_attendance() -> None:
    assert claim(statement()) == xapi.AttendanceClaim("123456789", EDITION, None)


def test_a_trailing_slash_on_the_home_page_does_not_matter() -> None:
    data = statement(actor={"account": {"homePage": HOME + "/", "name": "123456789"}})
    assert claim(data) == xapi.AttendanceClaim("123456789", EDITION, None)


@pytest.mark.parametrize(
    ("duration", "hours"),
    [("PT3H", Decimal(3)), ("PT2H30M", Decimal("2.5")), ("PT90M", Decimal("1.5")), ("P1D", "P1D")],
)
def test_a_result_duration_gives_the_hours_and_any_other_duration_is_passed_on_to_be_rejected(
    duration: str, hours: Decimal | str
) -> None:
    found = claim(statement(result={"duration": duration}))
    assert found is not None and found.hours == hours


@pytest.mark.parametrize(
    "changes",
    [
        {"verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}},
        {"actor": {"mbox": "mailto:someone@example.org"}},
        {"actor": {"account": {"homePage": "https://elsewhere.example", "name": "123456789"}}},
        {"object": {"id": "https://lms.example/course/1"}},
        {"object": {"id": f"{PREFIX}not-a-uuid"}},
    ],
)
def test_other_statements_claim_nothing(changes: dict[str, Any]) -> None:
    assert claim(statement(**changes)) is None


def test_a_voiding_statement_names_its_target() -> None:
    target = uuid.uuid4()
    data = statement(verb={"id": xapi.VOIDED}, object={"objectType": "StatementRef", "id": str(target)})
    xapi.check_statement(data)
    assert xapi.voided_target(data) == target
    assert xapi.attendance_claim(data, home_page=HOME, edition_prefix=PREFIX) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "not-a-uuid"},
        {"actor": {"mbox": "someone@example.org"}},
        {"actor": {"mbox": "mailto:a@example.org", "openid": "https://id.example/a"}},
        {"actor": {"objectType": "Agent"}},
        {"verb": {"id": "attended"}},
        {"object": {"objectType": "Thing", "id": "https://x.example"}},
        {"timestamp": "2026-01-01T10:00:00"},
        {"timestamp": "2026-01-01T10:00:00-00:00"},
        {"verb": {"id": xapi.VOIDED}},
        {"result": {"score": {"scaled": 2}}},
        {"unknown": True},
    ],
)
def test_malformed_statements_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequest):
        xapi.check_statement(statement(**changes))


def test_agents_compare_by_their_inverse_functional_identifier() -> None:
    assert xapi.agent_key({"mbox": "mailto:A@Example.org", "name": "A"}) == "mbox:mailto:a@example.org"
    assert xapi.agent_key({"account": {"homePage": HOME, "name": "1"}}) == f"account:{HOME}|1"
    anonymous_group = {"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]}
    assert xapi.agent_key(anonymous_group) is None


def test_the_content_digest_ignores_key_order() -> None:
    assert xapi.content_digest({"a": 1, "b": 2}) == xapi.content_digest({"b": 2, "a": 1})
