from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from registry.domain.cycles import Cycle, Extension, ExtensionReason
from registry.domain.registration_number import issue_number
from registry.domain.registrations import Registration
from registry.domain.status import IllegalStatusTransition, RegistrationStatus

pytestmark = pytest.mark.unit

S = RegistrationStatus
NOW = datetime(2030, 1, 10, 12, tzinfo=UTC)


def _registration(status: RegistrationStatus = S.REGISTERED) -> Registration:
    return Registration(
        person_id=uuid4(),
        number=issue_number(7),
        status=status,
        registered_since=date(2025, 1, 1),
        cycle=Cycle.starting(date(2025, 1, 1)),
    )


def test_status_change_appends_to_the_history() -> None:
    registration = _registration()
    pending = registration.change_status(S.REREGISTRATION_PENDING, at=NOW, by="person:1")
    assert pending.status is S.REREGISTRATION_PENDING
    assert [(c.from_status, c.to_status) for c in pending.history] == [(S.REGISTERED, S.REREGISTRATION_PENDING)]
    assert registration.history == ()


def test_granting_re_registration_opens_the_next_cycle_the_day_after_the_old_one_ends() -> None:
    pending = _registration(S.REREGISTRATION_PENDING)
    renewed = pending.renew(at=NOW, by="office:1")
    assert renewed.status is S.REGISTERED
    assert renewed.cycle.start == date(2030, 1, 1)
    assert renewed.cycle.end == date(2034, 12, 31)
    assert renewed.registered_since == date(2025, 1, 1)


def test_lifting_a_suspension_is_not_a_re_registration() -> None:
    with pytest.raises(IllegalStatusTransition):
        _registration(S.SUSPENDED).renew(at=NOW, by="office:1")


def test_valid_until_is_the_cycle_end_even_when_expired_but_none_when_struck_off() -> None:
    registration = _registration()
    assert registration.valid_until == date(2029, 12, 31)
    assert registration.change_status(S.EXPIRED, at=NOW, by="system").valid_until == date(2029, 12, 31)
    struck = registration.change_status(S.STRUCK_OFF, at=NOW, by="office:1", reason="fraud")
    assert struck.valid_until is None


def test_extending_the_cycle_moves_valid_until() -> None:
    extended = _registration().extend_cycle(Extension(case="c1", reason=ExtensionReason.PREGNANCY, weeks=2))
    assert extended.valid_until == date(2030, 1, 14)
