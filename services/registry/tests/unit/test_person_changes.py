from __future__ import annotations

from decimal import Decimal

import pytest

from registry.domain.people import EmployerKind, Role
from registry.domain.person_changes import (
    InvalidPersonChange,
    PersonChange,
    WorkDetails,
    apply_change,
    dropped_below_minimum,
    is_below_minimum,
)

pytestmark = pytest.mark.unit

MINIMUM = Decimal(16)
CURRENT = WorkDetails(
    initials="A.",
    surname="Jansen",
    roles=frozenset({Role.LEERPLICHTAMBTENAAR}),
    employer_name="Gemeente Utrecht",
    employer_kind=EmployerKind.MUNICIPALITY,
    hours_per_week=Decimal(24),
)


def test_only_the_named_fields_change() -> None:
    outcome = apply_change(
        CURRENT,
        PersonChange(employer_name=" Regio  West ", employer_kind=EmployerKind.REGION),
        minimum_hours_per_week=MINIMUM,
        registered=True,
    )
    assert outcome.details == WorkDetails(
        initials="A.",
        surname="Jansen",
        roles=CURRENT.roles,
        employer_name="Regio West",
        employer_kind=EmployerKind.REGION,
        hours_per_week=Decimal(24),
    )
    assert not outcome.dropped_below_minimum


def test_going_below_the_minimum_is_accepted_and_reported_once() -> None:
    below = apply_change(
        CURRENT, PersonChange(hours_per_week=Decimal(12)), minimum_hours_per_week=MINIMUM, registered=True
    )
    assert below.details.hours_per_week == Decimal(12) and below.dropped_below_minimum
    still_below = apply_change(
        below.details, PersonChange(hours_per_week=Decimal(8)), minimum_hours_per_week=MINIMUM, registered=True
    )
    assert not still_below.dropped_below_minimum


@pytest.mark.parametrize(
    ("before", "after", "dropped"),
    [
        (Decimal(24), Decimal(15), True),
        (None, Decimal(15), True),
        (Decimal(24), Decimal(16), False),
        (Decimal(10), Decimal(12), False),
        (Decimal(24), None, False),
    ],
)
def test_a_drop_is_from_at_or_above_or_unknown_to_below(
    before: Decimal | None, after: Decimal | None, dropped: bool
) -> None:
    assert dropped_below_minimum(before, after, MINIMUM) is dropped


def test_unknown_hours_are_not_judged_below() -> None:
    assert not is_below_minimum(None, MINIMUM)
    assert is_below_minimum(Decimal("15.99"), MINIMUM)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (PersonChange(roles=frozenset()), "roles"),
        (PersonChange(hours_per_week=Decimal(0)), "hours_per_week"),
        (PersonChange(hours_per_week=Decimal(169)), "hours_per_week"),
        (PersonChange(hours_per_week=Decimal("NaN")), "hours_per_week"),
        (PersonChange(employer_name="  "), "employer_name"),
        (PersonChange(initials=""), "initials"),
        (PersonChange(surname=" "), "surname"),
    ],
)
def test_bad_changes_name_the_field(change: PersonChange, field: str) -> None:
    with pytest.raises(InvalidPersonChange) as caught:
        apply_change(CURRENT, change, minimum_hours_per_week=MINIMUM, registered=True)
    assert caught.value.field == field


def test_someone_not_yet_registered_may_have_no_role() -> None:
    outcome = apply_change(CURRENT, PersonChange(roles=frozenset()), minimum_hours_per_week=MINIMUM, registered=False)
    assert outcome.details.roles == frozenset()
