"""Request and response bodies of the provider API and the public catalogue API (a contract for outside
clients: fields are only ever added). The generated OpenAPI document is built from these models.

Hours and points are JSON numbers. Dates are ISO dates (`2025-06-01`), times ISO date-times in UTC.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from gateway.domain.xapi_iris import edition_iri
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.accreditation import MAX_ATTENDEES_PER_POST


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value: object) -> object:
    # Pydantic's lax mode reads a number as a Unix timestamp (0 became 1970-01-01); the API takes ISO dates only.
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("a date is written as YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


class FromReply(BaseModel):
    """A response model read from the service's reply by field name (its other fields stay inside the register);
    the reply's decimals become the API's numbers."""

    model_config = ConfigDict(from_attributes=True)


# --- Problem Details (documentation of the error bodies) -------------------------------------------------------


class ProblemDetails(BaseModel):
    """An error (RFC 9457, `application/problem+json`). `code` is stable: program against it, not the text."""

    type: str = Field(description="`urn:lklr:problem:<code>`.")
    title: str = Field(description="The HTTP status phrase.")
    status: int
    detail: str = Field(description="What went wrong, for a person.")
    code: str = Field(description="Stable machine-readable reason, e.g. `idempotency_key_reused`.")
    instance: str = Field(description="The request path.")


# --- Courses and editions --------------------------------------------------------------------------------------


class EditionIn(BaseModel):
    """A run of the course. Its end date is the completion date of its attendees."""

    start_date: IsoDate
    end_date: IsoDate
    location: str = ""


class CourseIn(BaseModel):
    """A course submitted for accreditation (the committee decides on points and validity)."""

    title: str
    description: str
    category: Literal["A1", "A2"]
    study_load_hours: float = Field(gt=0, description="Study-load hours of the whole course.")
    editions: list[EditionIn] = Field(default_factory=list)
    trainers: list[str] = Field(default_factory=list)
    target_group: str = ""
    programme: str = ""
    allows_partial_attendance: bool = Field(
        default=False, description="Whether attendance rows may carry fewer hours than the study load."
    )


class EditionOut(BaseModel):
    edition_id: uuid.UUID
    course_id: uuid.UUID
    start_date: date
    end_date: date
    location: str
    created_at: datetime
    xapi_activity_id: str = Field(
        default="",
        description=(
            'The edition\'s IRI: the `object.id` of an xAPI "attended" statement about this edition (see '
            "/aanbieders/koppelen)."
        ),
    )

    @classmethod
    def of(cls, edition: contracts.EditionDetails, base_url: str = "") -> EditionOut:
        return cls(
            edition_id=edition.edition_id,
            course_id=edition.course_id,
            start_date=edition.start_date,
            end_date=edition.end_date,
            location=edition.location,
            created_at=edition.created_at,
            xapi_activity_id=edition_iri(base_url, edition.edition_id) if base_url else "",
        )


class CourseHistoryOut(FromReply):
    """One step in the course's history (submitted, approved, changes_requested, rejected, ...) and why."""

    step: str
    at: datetime
    reason: str
    points: float | None = None
    valid_from: date | None = None
    valid_until: date | None = None


class CourseOut(FromReply):
    """One of the provider's courses. `points` and `valid_from`/`valid_until` are set once approved."""

    course_id: uuid.UUID
    title: str
    description: str
    category: Literal["A1", "A2"]
    study_load_hours: float
    trainers: list[str]
    target_group: str
    programme: str
    allows_partial_attendance: bool
    status: Literal["submitted", "changes_requested", "approved", "rejected", "withdrawn"]
    points: float | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    withdrawn_on: date | None = None
    submitted_at: datetime
    objection_open: bool
    objection_deadline: date | None = Field(default=None, description="Last day to object to the latest decision.")
    editions: list[EditionOut]
    history: list[CourseHistoryOut]

    @classmethod
    def of(cls, course: contracts.CourseDetails, base_url: str = "") -> CourseOut:
        # Who decided stays inside the register: the history's fields of this model leave that out.
        return cls.model_validate(
            {**dict(course), "editions": [EditionOut.of(edition, base_url) for edition in course.editions]}
        )


class CourseListOut(BaseModel):
    """The provider's own courses, newest first."""

    courses: list[CourseOut]


# --- Attendance ------------------------------------------------------------------------------------------------


class AttendeeIn(BaseModel):
    """One person who completed the edition."""

    registration_number: str = Field(description="As the person gave it at enrolment (7 digits, check digit last).")
    hours: float | str | None = Field(
        default=None,
        description=(
            "Hours attended, for partial attendance where the course allows it; absent for the full course. "
            "A number (a string is parsed too: a value that is not a number rejects only its own row)."
        ),
    )


class AttendancePostIn(BaseModel):
    """Who completed one edition of one of your approved courses."""

    edition_id: uuid.UUID
    attendees: list[AttendeeIn] = Field(
        description=f"1 to {MAX_ATTENDEES_PER_POST:,} rows; each gets its own result, in the order sent.",
        json_schema_extra={"minItems": 1, "maxItems": MAX_ATTENDEES_PER_POST},
    )


class AttendanceRowOut(BaseModel):
    """The result of one row.

    - `recorded`: a new attendance (`attendance_id`, with the `hours` and `points` it earned);
    - `duplicate`: the person was already recorded on this edition (by any post, key or channel);
      `attendance_id` is the existing record;
    - `rejected`: nothing recorded; `reason_code` and `message` say why. Codes: `malformed_number`,
      `mistyped_number`, `unknown_number`, `not_registered_on_date`, `duplicate_in_post`, `invalid_hours`,
      `hours_exceed_course`, `partial_attendance_not_allowed`.
    """

    index: int = Field(description="Position of the row in `attendees` (from 0).")
    registration_number: str = Field(description="The registration number as the row gave it.")
    outcome: Literal["recorded", "duplicate", "rejected"]
    attendance_id: uuid.UUID | None = Field(
        default=None, description="The new record (`recorded`) or the existing one (`duplicate`)."
    )
    reason_code: str | None = Field(default=None, description="Why the row was rejected: one of the codes above.")
    message: str | None = Field(default=None, description="The reason in words (English), for a person to read.")
    hours: float | None = Field(default=None, description="Hours recorded (`recorded` rows).")
    points: float | None = Field(default=None, description="Points the attendance earned (`recorded` rows).")


class AttendanceCountsOut(BaseModel):
    """received = recorded + duplicate + rejected."""

    received: int = Field(description="Rows in the post.")
    recorded: int = Field(description="Rows recorded now.")
    duplicate: int = Field(description="Rows whose person was already recorded on the edition.")
    rejected: int = Field(description="Rows refused; nothing recorded for them.")


class AttendancePostOut(BaseModel):
    """The result of an attendance post. A replay (same Idempotency-Key, same body) returns exactly this body
    again, with the header `Idempotent-Replayed: true`."""

    post_id: uuid.UUID
    course_id: uuid.UUID
    edition_id: uuid.UUID
    completion_date: date
    idempotency_key: str
    received_at: datetime
    counts: AttendanceCountsOut
    rows: list[AttendanceRowOut]

    @classmethod
    def of(cls, result: contracts.AttendancePostResult) -> AttendancePostOut:
        # model_construct: the service's reply was validated on arrival; re-validating 5,000 rows costs time.
        rows = [
            AttendanceRowOut.model_construct(
                index=row.index,
                registration_number=row.registration_number,
                outcome=row.outcome,
                attendance_id=row.attendance_id,
                reason_code=row.reason_code,
                message=row.message,
                hours=_number(row.hours),
                points=_number(row.points),
            )
            for row in result.rows
        ]
        counts = result.counts
        return cls.model_construct(
            post_id=result.post_id,
            course_id=result.course_id,
            edition_id=result.edition_id,
            completion_date=result.completion_date,
            idempotency_key=result.idempotency_key,
            received_at=result.received_at,
            counts=AttendanceCountsOut(
                received=counts.received, recorded=counts.recorded, duplicate=counts.duplicate, rejected=counts.rejected
            ),
            rows=rows,
        )


class AttendanceVoidIn(BaseModel):
    reason: str = Field(description="Why the entry is voided (kept with the entry, shown to the professional).")


class AttendanceVoidOut(BaseModel):
    """The entry is voided. Voiding it again changes nothing (`newly_voided` false, the first reason stays)."""

    attendance_id: uuid.UUID
    voided_at: datetime
    reason: str
    newly_voided: bool


class AttendanceEntryOut(FromReply):
    attendance_id: uuid.UUID
    post_id: uuid.UUID
    registration_number: str
    person_name: str
    hours: float
    points: float
    completion_date: date
    channel: Literal["api", "web", "xapi"]
    recorded_at: datetime
    voided_at: datetime | None = None
    void_reason: str | None = None


class AttendanceListOut(FromReply):
    """Everything recorded on one edition (voided entries included), by registration number."""

    course_id: uuid.UUID
    course_title: str
    edition_id: uuid.UUID
    completion_date: date
    entries: list[AttendanceEntryOut]

    @classmethod
    def of(cls, listing: contracts.AttendanceList) -> AttendanceListOut:
        return cls.model_validate(listing)


# --- The public catalogue --------------------------------------------------------------------------------------


class CatalogueEditionOut(FromReply):
    edition_id: uuid.UUID
    start_date: date
    end_date: date
    location: str


class CatalogueCourseOut(FromReply):
    """An accredited course as the public sees it."""

    course_id: uuid.UUID
    title: str
    description: str
    provider_id: uuid.UUID
    provider_name: str
    category: Literal["A1", "A2"]
    study_load_hours: float
    points: float
    valid_from: date
    valid_until: date
    target_group: str
    trainers: list[str]
    programme: str
    editions: list[CatalogueEditionOut]

    @classmethod
    def of(cls, entry: contracts.CatalogueEntry) -> CatalogueCourseOut:
        return cls.model_validate(entry)


class CatalogueOut(BaseModel):
    """One page of accredited courses valid today (by title) and the number of matches in all."""

    total: int
    limit: int
    offset: int
    courses: list[CatalogueCourseOut]
