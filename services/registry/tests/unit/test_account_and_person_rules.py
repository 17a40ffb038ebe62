"""Rules moved out of the service layer: the mail-request window, stored professional roles and hours precision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from registry.domain.accounts import MAIL_REQUEST_INTERVAL, AccountRole, mail_window_start, removes_last_administrator
from registry.domain.people import Role, roles_of
from registry.domain.person_changes import hours_have_cents_at_most

pytestmark = pytest.mark.unit


def test_a_mail_sent_within_the_last_minute_holds_back_another() -> None:
    now = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)
    assert timedelta(minutes=1) == MAIL_REQUEST_INTERVAL
    assert mail_window_start(now) == now - timedelta(minutes=1)


def test_stored_roles_parse_and_an_unknown_one_is_refused() -> None:
    assert roles_of(None) == frozenset()
    assert roles_of(["rmc_medewerker", "leerplichtambtenaar"]) == {Role.RMC_MEDEWERKER, Role.LEERPLICHTAMBTENAAR}
    with pytest.raises(ValueError):
        roles_of(["wizard"])


@pytest.mark.parametrize(("hours", "allowed"), [("32", True), ("32.5", True), ("32.25", True), ("32.125", False)])
def test_hours_have_at_most_two_decimals(hours: str, allowed: bool) -> None:
    assert hours_have_cents_at_most(Decimal(hours)) is allowed


def test_the_administrator_role_cannot_be_taken_from_the_last_account_holding_it() -> None:
    admin, office, professional = AccountRole.ADMINISTRATOR, AccountRole.OFFICE, AccountRole.PROFESSIONAL
    before, after = {professional, admin}, {professional, office}
    assert removes_last_administrator(before, after, others=[frozenset({professional, office})])
    assert not removes_last_administrator(before, after, others=[frozenset({admin})])
    assert not removes_last_administrator({professional, office}, {professional}, others=[])
