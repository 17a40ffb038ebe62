"""The sandbox's registration numbers: a fixed, published set of test people that sandbox keys post against.

Each test number has a valid check digit and a sequence above 990000, which the register does not reach (it has a
few thousand professionals), so a test number is never a real person. In the sandbox only these people exist: a
real number is `unknown_number` there, exactly as production answers a number it does not know.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from accreditation.domain.attendance import Person
from accreditation.domain.registrations import StatusEntry
from lklr_shared.contracts.accreditation import SANDBOX_REGISTRATION_NUMBERS

_NAMESPACE: Final = uuid.UUID("5e4d1b7a-0f7e-4c55-9a0e-5a2dbb0c0001")
# The name the sandbox's attendance list shows for every test person (production shows the person's initials and name).
TEST_PERSON_NAME: Final = "T. Testpersoon"
_SINCE: Final = date(2000, 1, 1)
_AT: Final = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TestPerson:
    """A published test registration number and how production would answer it."""

    registration_number: str
    answer: str
    history: tuple[StatusEntry, ...]

    def person(self) -> Person:
        return Person(
            person_id=uuid.uuid5(_NAMESPACE, self.registration_number),
            registration_number=self.registration_number,
            history=self.history,
        )


_HISTORIES: Final[dict[str, tuple[StatusEntry, ...]]] = {
    "recorded": (StatusEntry(_SINCE, "registered", _AT),),
    "not_registered_on_date": (
        StatusEntry(_SINCE, "registered", _AT),
        StatusEntry(date(2001, 1, 1), "struck_off", _AT),
    ),
}
TEST_PEOPLE: Final[tuple[TestPerson, ...]] = tuple(
    TestPerson(number, answer, _HISTORIES[answer]) for number, answer in SANDBOX_REGISTRATION_NUMBERS.items()
)
"""The published test numbers (sequences 990001-990003), in the order the documentation lists them."""


def sandbox_people() -> dict[str, Person]:
    """The sandbox's people by registration number."""
    return {test.registration_number: test.person() for test in TEST_PEOPLE}
