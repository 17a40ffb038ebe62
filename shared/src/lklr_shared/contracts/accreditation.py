"""Contracts owned by the accreditation service: providers, courses, attendance and teaching claims.

Events come first (what other services consume), then the request/reply contracts the gateway calls on
`<prefix>.accreditation.rpc`. Conventions of the request/reply contracts:

- Identity comes from the gateway, which authenticated the caller: `provider_id` is the provider the acting
  account or API key belongs to (from `FindProviderForAccount` or `AuthenticateApiKey`); the `*_by` fields are
  the acting account id (or `api-key:<key_id>`), kept with the change for the record.
- Role checks (committee, office) are the gateway's: the registry owns roles. Provider scoping is enforced
  here: a provider's request about another provider's course, edition or attendance is refused with 403.
- Every refusal is an `RpcError` with a 4xx status and a stable `code` (listed in services/accreditation/README.md).
- Dates are calendar dates in the Netherlands; times are UTC. Hours and points are decimals (JSON strings).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Final, Literal

from pydantic import Field

from lklr_shared.contracts.access import PUBLIC, Access, provider, signed_in, staff
from lklr_shared.contracts.base import Command, Event, Message, Query, Reply
from lklr_shared.contracts.objections import ObjectionSteps, ObjectionYearCounts

Category = Literal["A1", "A2"]
CourseStatus = Literal["submitted", "changes_requested", "approved", "rejected", "withdrawn"]
AttendanceChannel = Literal["api", "web", "xapi"]
RowOutcome = Literal["recorded", "duplicate", "rejected"]
TeachingClaimStatus = Literal["submitted", "approved", "rejected"]

MAX_ATTENDEES_PER_POST = 5_000
"""The most rows one attendance post may carry (a larger post is refused whole with `too_many_rows`)."""


class PersonErased(Event):
    """The accreditation service forgot a person as registry.PersonErasureRequested asked: attendance rows, disputes, teaching claims and the read model of the registration.
    ``erasure_id`` is the request's; ``rows`` and ``files`` count what this delivery removed (0 on a repeat)."""

    wire_name: ClassVar[str] = "accreditation.PersonErased"

    erasure_id: uuid.UUID
    kinds: list[str]
    rows: int = 0
    files: int = 0


class CourseAccredited(Event):
    """The committee approved a course: it enters the catalogue and earns accredited points."""

    wire_name: ClassVar[str] = "accreditation.CourseAccredited"

    course_id: uuid.UUID
    provider_id: uuid.UUID
    title: str
    category: Literal["A1", "A2"]
    study_load_hours: Decimal
    points: Decimal
    valid_from: date
    valid_until: date
    # Added later (optional for old messages): who the registry tells of the decision, and why it was taken.
    provider_name: str = ""
    provider_contact_email: str | None = None
    reason: str = ""


class AccreditationWithdrawn(Event):
    """An accreditation was withdrawn; points earned before `withdrawn_on` stay."""

    wire_name: ClassVar[str] = "accreditation.AccreditationWithdrawn"

    course_id: uuid.UUID
    withdrawn_on: date
    reason: str
    # Added later (optional for old messages): the course and who the registry tells of the withdrawal.
    provider_id: uuid.UUID | None = None
    title: str = ""
    provider_name: str = ""
    provider_contact_email: str | None = None


CourseObjectionStep = Literal["received", "acknowledged", "hearing", "extended", "decided"]


class CourseObjectionStepped(Event):
    """A step in a provider's objection against a course decision (the register's one objection flow): received,
    receipt acknowledged, invited to a hearing, decision term extended, decided. The registry mails the provider.

    ``decision_due_on`` is the decision deadline in force; ``hearing_at``/``hearing_place`` are set for a hearing;
    ``reasons`` is the extension's reason or the decision's reasons; ``outcome`` is set once decided.
    """

    wire_name: ClassVar[str] = "accreditation.CourseObjectionStepped"

    objection_id: uuid.UUID
    course_id: uuid.UUID
    provider_id: uuid.UUID
    title: str
    provider_name: str
    provider_contact_email: str | None = None
    step: CourseObjectionStep
    decided_on: date
    decision_due_on: date
    hearing_at: datetime | None = None
    hearing_place: str | None = None
    reasons: str | None = None
    outcome: Literal["upheld", "not_upheld"] | None = None


class AttendanceRow(Message):
    """One recorded attendance inside a batch (a nested value, not a message of its own)."""

    attendance_id: uuid.UUID
    registration_number: str
    person_id: uuid.UUID
    hours: Decimal
    points: Decimal


class AttendanceRecorded(Event):
    """A batch of attendance rows recorded for one course edition (one message per batch, not per row)."""

    wire_name: ClassVar[str] = "accreditation.AttendanceRecorded"

    batch_id: uuid.UUID
    provider_id: uuid.UUID
    provider_name: str
    course_id: uuid.UUID
    course_title: str
    edition_id: uuid.UUID
    category: Literal["A1", "A2"]
    completion_date: date
    rows: list[AttendanceRow]
    # Added after v1 was first published (optional, so older writers stay valid): the post this batch came from.
    post_id: uuid.UUID | None = None


class AttendanceVoided(Event):
    """A provider voided one of its own attendance posts, with a reason."""

    wire_name: ClassVar[str] = "accreditation.AttendanceVoided"

    attendance_id: uuid.UUID
    provider_id: uuid.UUID
    person_id: uuid.UUID
    reason: str
    voided_at: datetime
    # Added after v1 was first published: where the voided row was recorded.
    edition_id: uuid.UUID | None = None
    course_id: uuid.UUID | None = None


class TeachingApproved(Event):
    """The committee approved a professional's claim of having given a training: accredited A2 points."""

    wire_name: ClassVar[str] = "accreditation.TeachingApproved"

    claim_id: uuid.UUID
    person_id: uuid.UUID
    hours: Decimal
    points: Decimal
    completion_date: date
    description: str


# ---------------------------------------------------------------------------------------------------------------
# Request/reply contracts (gateway -> accreditation). Nested values subclass Message without a wire name.


# --- Providers, their accounts and API keys --------------------------------------------------------------------


class ProviderDetails(Reply):
    """A training provider and the accounts (registry account ids) that act for it."""

    wire_name: ClassVar[str] = "accreditation.ProviderDetails"

    provider_id: uuid.UUID
    name: str
    contact_email: str
    created_at: datetime
    account_ids: list[str]


class ProviderList(Reply):
    """Reply to ListProviders."""

    wire_name: ClassVar[str] = "accreditation.ProviderList"

    providers: list[ProviderDetails]


class RegisterProvider(Command[ProviderDetails]):
    """Register a training provider (office). Names are unique (case-insensitive): 409 `provider_name_taken`."""

    wire_name: ClassVar[str] = "accreditation.RegisterProvider"
    access: ClassVar[Access] = staff({"office", "accreditation_committee", "administrator"}, "registered_by")

    name: str
    contact_email: str = ""
    registered_by: str


class GetProvider(Query[ProviderDetails]):
    """One provider → ProviderDetails (404 `provider_not_found`)."""

    wire_name: ClassVar[str] = "accreditation.GetProvider"
    access: ClassVar[Access] = provider()

    provider_id: uuid.UUID


class ListProviders(Query[ProviderList]):
    """Every provider, by name → ProviderList."""

    wire_name: ClassVar[str] = "accreditation.ListProviders"
    access: ClassVar[Access] = staff({"office", "accreditation_committee", "administrator"})


class LinkProviderAccount(Command[ProviderDetails]):
    """Let a registry account act for a provider → ProviderDetails.

    An account acts for at most one provider: linking it to a second is 409 `account_linked_elsewhere`.
    Linking an account already linked to this provider changes nothing.
    """

    wire_name: ClassVar[str] = "accreditation.LinkProviderAccount"
    access: ClassVar[Access] = staff({"office", "accreditation_committee", "administrator"}, "linked_by")

    provider_id: uuid.UUID
    account_id: str
    linked_by: str


class UnlinkProviderAccount(Command[ProviderDetails]):
    """Stop an account acting for a provider → ProviderDetails (404 `account_not_linked`)."""

    wire_name: ClassVar[str] = "accreditation.UnlinkProviderAccount"
    access: ClassVar[Access] = staff({"office", "accreditation_committee", "administrator"}, "unlinked_by")

    provider_id: uuid.UUID
    account_id: str
    unlinked_by: str


class FindProviderForAccount(Query[ProviderDetails]):
    """The provider an account acts for → ProviderDetails (404 `no_provider_for_account`)."""

    wire_name: ClassVar[str] = "accreditation.FindProviderForAccount"
    access: ClassVar[Access] = signed_in("account_id")

    account_id: str


class ApiKeyInfo(Reply):
    """An API key as listed: never the key itself, only its public prefix (`lklr_<prefix>_…`)."""

    wire_name: ClassVar[str] = "accreditation.ApiKeyInfo"

    key_id: uuid.UUID
    provider_id: uuid.UUID
    label: str
    display_prefix: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    active: bool
    # Added later: a sandbox key runs every call against the published test registration numbers only.
    sandbox: bool = False


class ApiKeyCreated(Reply):
    """Reply to CreateApiKey. `api_key` is the plaintext key: shown once, never stored, never retrievable."""

    wire_name: ClassVar[str] = "accreditation.ApiKeyCreated"
    kept_for_retries: ClassVar[bool] = False  # the plaintext key is never stored

    key: ApiKeyInfo
    api_key: str


class ApiKeyList(Reply):
    """Reply to ListApiKeys: active and revoked keys, newest first."""

    wire_name: ClassVar[str] = "accreditation.ApiKeyList"

    keys: list[ApiKeyInfo]


class CreateApiKey(Command[ApiKeyCreated]):
    """Create an API key for a provider → ApiKeyCreated (with the plaintext key, once)."""

    wire_name: ClassVar[str] = "accreditation.CreateApiKey"
    access: ClassVar[Access] = provider("created_by")

    provider_id: uuid.UUID
    label: str = ""
    created_by: str
    # A sandbox key: full validation against the test registration numbers, never a real portfolio.
    sandbox: bool = False


class ListApiKeys(Query[ApiKeyList]):
    """A provider's API keys → ApiKeyList."""

    wire_name: ClassVar[str] = "accreditation.ListApiKeys"
    access: ClassVar[Access] = provider()

    provider_id: uuid.UUID


class RevokeApiKey(Command[ApiKeyInfo]):
    """Revoke one of the provider's keys at once → ApiKeyInfo (revoking a revoked key changes nothing).

    Another provider's key is 404 `api_key_not_found` (a key id is not something to confirm to strangers).
    """

    wire_name: ClassVar[str] = "accreditation.RevokeApiKey"
    access: ClassVar[Access] = provider("revoked_by")

    provider_id: uuid.UUID
    key_id: uuid.UUID
    revoked_by: str


class AuthenticateApiKey(Query["ApiKeyIdentity"]):
    """Which provider a presented key belongs to → ApiKeyIdentity; 401 `invalid_api_key` when it is malformed,
    unknown or revoked (one answer for all three, so the reply tells an attacker nothing)."""

    wire_name: ClassVar[str] = "accreditation.AuthenticateApiKey"
    access: ClassVar[Access] = PUBLIC

    api_key: str


class ApiKeyIdentity(Reply):
    """Reply to AuthenticateApiKey: act as this provider; record `actor` (`api-key:<key_id>`) as the `*_by`."""

    wire_name: ClassVar[str] = "accreditation.ApiKeyIdentity"

    provider_id: uuid.UUID
    provider_name: str
    key_id: uuid.UUID
    actor: str
    sandbox: bool = False


# --- Courses, editions, decisions and the catalogue ------------------------------------------------------------


class EditionInput(Message):
    """An edition (a run of the course) as submitted: the end date is the completion date of its attendees."""

    start_date: date
    end_date: date
    location: str = ""


class EditionDetails(Reply):
    """One edition of a course (reply to AddEdition, and nested in CourseDetails)."""

    wire_name: ClassVar[str] = "accreditation.EditionDetails"

    edition_id: uuid.UUID
    course_id: uuid.UUID
    start_date: date
    end_date: date
    location: str
    created_at: datetime


class CourseHistoryEntry(Message):
    """One step in a course's history: who did what, when and why (nothing is overwritten)."""

    step: Literal[
        "submitted",
        "revised",
        "approved",
        "changes_requested",
        "rejected",
        "objected",
        "objection_dismissed",
        "withdrawn",
    ]
    at: datetime
    by: str
    reason: str
    points: Decimal | None = None
    valid_from: date | None = None
    valid_until: date | None = None


class CourseBasics(Message):
    """What every view of a course starts with: the course, its provider and what it is."""

    course_id: uuid.UUID
    provider_id: uuid.UUID
    provider_name: str
    title: str
    description: str
    category: Category
    study_load_hours: Decimal


class CourseObjectionView(ObjectionSteps):
    """A provider's objection against a course decision, with the flow's deadlines and steps (a nested value);
    the fields mean what they mean in the registry's ObjectionView. ``decision_step`` is the decision objected to
    (approved, changes_requested, rejected) of ``decided_on``."""

    objection_id: uuid.UUID
    course_id: uuid.UUID
    course_title: str
    provider_id: uuid.UUID
    provider_name: str
    decision_step: str
    decided_on: date
    filed_on: date
    filing_deadline: date
    reasons: str
    state: Literal["received", "acknowledged", "hearing_scheduled", "decided"]
    original_decision_due_on: date
    decision_due_on: date


class CourseDetails(Reply, CourseBasics):
    """A course with its editions, its current accreditation and its full history.

    `points` and `valid_from`/`valid_until` are set once approved. `objection_open` puts the course in the
    committee's queue; `objection_deadline` is the last day the provider may object to the latest decision
    (None when there is nothing to object to, or an objection was already made against it).
    """

    wire_name: ClassVar[str] = "accreditation.CourseDetails"

    trainers: list[str]
    target_group: str
    programme: str
    allows_partial_attendance: bool
    status: CourseStatus
    points: Decimal | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    withdrawn_on: date | None = None
    submitted_at: datetime
    objection_open: bool
    objection_deadline: date | None = None
    editions: list[EditionDetails]
    history: list[CourseHistoryEntry]
    # Added later: the provider's latest objection in the register's objection flow (its state and deadlines, the
    # hearing, the decision with reasons); None when there is none.
    objection: CourseObjectionView | None = None


class CourseList(Reply):
    """Reply to ListProviderCourses and ListCoursesForReview."""

    wire_name: ClassVar[str] = "accreditation.CourseList"

    courses: list[CourseDetails]


class SubmitCourse(Command[CourseDetails]):
    """A provider submits a course for accreditation → CourseDetails (status `submitted`).

    `allows_partial_attendance`: whether attendance rows may carry fewer hours than the study load (partial
    attendance earns proportional points). Without it, a row's `hours` must be absent or the full study load.
    """

    wire_name: ClassVar[str] = "accreditation.SubmitCourse"
    access: ClassVar[Access] = provider("submitted_by")

    provider_id: uuid.UUID
    submitted_by: str
    title: str
    description: str
    category: Category
    study_load_hours: Decimal
    editions: list[EditionInput] = []
    trainers: list[str] = []
    target_group: str = ""
    programme: str = ""
    allows_partial_attendance: bool = False


class ReviseCourse(Command[CourseDetails]):
    """The provider answers a request for changes with the revised course → CourseDetails (back to
    `submitted`). Only while the status is `changes_requested` (else 409 `course_not_revisable`)."""

    wire_name: ClassVar[str] = "accreditation.ReviseCourse"
    access: ClassVar[Access] = provider("revised_by")

    provider_id: uuid.UUID
    course_id: uuid.UUID
    revised_by: str
    title: str
    description: str
    category: Category
    study_load_hours: Decimal
    trainers: list[str] = []
    target_group: str = ""
    programme: str = ""
    allows_partial_attendance: bool = False
    note: str = ""


class AddEdition(Command[EditionDetails]):
    """Add an edition to one of the provider's courses → EditionDetails (not to a rejected or withdrawn one)."""

    wire_name: ClassVar[str] = "accreditation.AddEdition"
    access: ClassVar[Access] = provider("added_by")

    provider_id: uuid.UUID
    course_id: uuid.UUID
    added_by: str
    start_date: date
    end_date: date
    location: str = ""


class GetCourse(Query[CourseDetails]):
    """One course → CourseDetails. With `provider_id` (a provider asking) another provider's course is 403;
    without it (committee, office) any course is returned."""

    wire_name: ClassVar[str] = "accreditation.GetCourse"
    access: ClassVar[Access] = provider()

    course_id: uuid.UUID
    provider_id: uuid.UUID | None = None


class ListProviderCourses(Query[CourseList]):
    """A provider's own courses, newest first → CourseList."""

    wire_name: ClassVar[str] = "accreditation.ListProviderCourses"
    access: ClassVar[Access] = provider()

    provider_id: uuid.UUID


class ListCoursesForReview(Query[CourseList]):
    """The committee's queue → CourseList: submitted courses and courses with an open objection, oldest first."""

    wire_name: ClassVar[str] = "accreditation.ListCoursesForReview"
    access: ClassVar[Access] = staff({"accreditation_committee"}, "requested_by")

    requested_by: str = ""


class ListOpenCourseObjections(Query[CourseList]):
    """The providers' open objections to course decisions → CourseList (courses with `objection_open`), oldest
    submission first: for the register office's objection queue, beside the registry's own objections (the
    accreditation committee decides them)."""

    wire_name: ClassVar[str] = "accreditation.ListOpenCourseObjections"
    access: ClassVar[Access] = staff({"office", "accreditation_committee"}, "requested_by")

    requested_by: str = ""


class ListCourseObjections(Query["CourseObjections"]):
    """The providers' objections against course decisions for the register office's one objection queue: open ones
    first by decision deadline, then decided ones (newest first) → CourseObjections."""

    wire_name: ClassVar[str] = "accreditation.ListCourseObjections"
    access: ClassVar[Access] = staff({"office", "accreditation_committee"}, "requested_by")

    requested_by: str = ""
    include_decided: bool = True
    limit: int = Field(default=200, ge=1, le=1000)


class CourseObjections(Reply):
    """Reply to ListCourseObjections."""

    wire_name: ClassVar[str] = "accreditation.CourseObjections"

    objections: list[CourseObjectionView]
    truncated: bool = False


class CourseObjectionYear(ObjectionYearCounts):
    """Providers' objections filed in one year and what became of them (a nested value)."""


class GetCourseObjectionStatistics(Query["CourseObjectionStatistics"]):
    """Query (public): providers' objections against course decisions per year of filing and their outcomes
    (anonymous counts; the public statistics add them to the registry's)."""

    wire_name: ClassVar[str] = "accreditation.GetCourseObjectionStatistics"
    access: ClassVar[Access] = PUBLIC


class CourseObjectionStatistics(Reply):
    """Reply to GetCourseObjectionStatistics: years in ascending order."""

    wire_name: ClassVar[str] = "accreditation.CourseObjectionStatistics"

    years: list[CourseObjectionYear]


class AcknowledgeCourseObjection(Command["CourseObjectionUpdated"]):
    """The office acknowledges receipt of a provider's objection; the provider is mailed with the decision
    deadline. Refusals: 404 objection_not_found; 409 already_acknowledged."""

    wire_name: ClassVar[str] = "accreditation.AcknowledgeCourseObjection"
    access: ClassVar[Access] = staff({"office"}, "decided_by")

    objection_id: uuid.UUID
    decided_by: str


class InviteToCourseObjectionHearing(Command["CourseObjectionUpdated"]):
    """The office invites the provider to a hearing at ``hearing_at`` (local time of the register without a zone)
    and ``place``; mailed. Refusals: 404 objection_not_found; 409 objection_decided; 422 hearing_in_past,
    hearing_after_deadline, place_required."""

    wire_name: ClassVar[str] = "accreditation.InviteToCourseObjectionHearing"
    access: ClassVar[Access] = staff({"office"}, "decided_by")

    objection_id: uuid.UUID
    decided_by: str
    hearing_at: datetime
    place: str = Field(max_length=300)


class ExtendCourseObjectionTerm(Command["CourseObjectionUpdated"]):
    """The office extends the decision term once (6 weeks by default), with the reason; mailed. Refusals: 404
    objection_not_found; 409 objection_decided, already_extended; 422 reasons_required."""

    wire_name: ClassVar[str] = "accreditation.ExtendCourseObjectionTerm"
    access: ClassVar[Access] = staff({"office"}, "decided_by")

    objection_id: uuid.UUID
    decided_by: str
    reason: str = Field(max_length=2000)


class DecideCourseObjection(Command["CourseObjectionUpdated"]):
    """The office decides a provider's objection, with reasons; mailed. Not upheld: the course decision stands (as
    DismissCourseObjection). Upheld: the course stays in the committee's queue, which takes the new decision
    (approve, ask for changes, reject). Refusals: 404 objection_not_found; 409 objection_decided;
    422 reasons_required."""

    wire_name: ClassVar[str] = "accreditation.DecideCourseObjection"
    access: ClassVar[Access] = staff({"office"}, "decided_by")

    objection_id: uuid.UUID
    decided_by: str
    outcome: Literal["upheld", "not_upheld"]
    reasons: str = Field(max_length=10_000)


class CourseObjectionUpdated(Reply):
    """Reply to the office's commands on a provider's objection: the objection as it now stands."""

    wire_name: ClassVar[str] = "accreditation.CourseObjectionUpdated"

    objection: CourseObjectionView


class ApproveCourse(Command[CourseDetails]):
    """The committee approves → CourseDetails, and CourseAccredited is published.

    Like every committee decision on a course, refused (403 `conflict_of_interest`) when `decided_by`
    (`account:<id>`) is an account linked to the course's provider.

    `points`: positive, in whole or half points; other points than the scheme gives for the study load (A1:
    points per study-load hour, rounded down to halves) need `points_deviation_reason`. `valid_from` defaults to the day the course was submitted
    (editions held while the committee deliberated are covered); `valid_until` to `valid_from` plus the
    scheme's validity (3 years by default), minus one day. Also answers an objection (re-approval with other
    points or dates).
    """

    wire_name: ClassVar[str] = "accreditation.ApproveCourse"
    access: ClassVar[Access] = staff({"accreditation_committee"}, "decided_by")

    course_id: uuid.UUID
    decided_by: str
    reason: str
    points: Decimal
    valid_from: date | None = None
    valid_until: date | None = None
    # Required when `points` differ from what the scheme gives for the study load (422
    # `points_deviation_unexplained`); kept in the course history with the decision's reason.
    points_deviation_reason: str | None = None


class RequestCourseChanges(Command[CourseDetails]):
    """The committee asks the provider for changes, with the reason → CourseDetails."""

    wire_name: ClassVar[str] = "accreditation.RequestCourseChanges"
    access: ClassVar[Access] = staff({"accreditation_committee"}, "decided_by")

    course_id: uuid.UUID
    decided_by: str
    reason: str


class RejectCourse(Command[CourseDetails]):
    """The committee rejects the course, with the reason → CourseDetails."""

    wire_name: ClassVar[str] = "accreditation.RejectCourse"
    access: ClassVar[Access] = staff({"accreditation_committee"}, "decided_by")

    course_id: uuid.UUID
    decided_by: str
    reason: str


class ObjectToCourseDecision(Command[CourseDetails]):
    """The provider objects to the latest decision, within the scheme's objection window (8 weeks by default)
    → CourseDetails with `objection_open`, which puts the course back in the committee's queue."""

    wire_name: ClassVar[str] = "accreditation.ObjectToCourseDecision"
    access: ClassVar[Access] = provider("objected_by")

    provider_id: uuid.UUID
    course_id: uuid.UUID
    objected_by: str
    reason: str


class DismissCourseObjection(Command[CourseDetails]):
    """The committee dismisses an open objection, with the reason; the decision stands → CourseDetails.
    (Upholding an objection is simply a new ApproveCourse / RequestCourseChanges / RejectCourse.)"""

    wire_name: ClassVar[str] = "accreditation.DismissCourseObjection"
    access: ClassVar[Access] = staff({"accreditation_committee"}, "decided_by")

    course_id: uuid.UUID
    decided_by: str
    reason: str


class WithdrawAccreditation(Command[CourseDetails]):
    """The committee withdraws an approved course's accreditation from `withdrawn_on` (default today)
    → CourseDetails, and AccreditationWithdrawn is published. Attendance completed before that day stays
    valid and may still be posted; later editions cannot be."""

    wire_name: ClassVar[str] = "accreditation.WithdrawAccreditation"
    access: ClassVar[Access] = staff({"accreditation_committee"}, "decided_by")

    course_id: uuid.UUID
    decided_by: str
    reason: str
    withdrawn_on: date | None = None


class SearchCatalogue(Query["Catalogue"]):
    """The public catalogue ("Opleidingen"): approved courses whose accreditation is valid today → Catalogue.

    `q` matches title, description, target group and provider name (case-insensitive, substring).
    """

    wire_name: ClassVar[str] = "accreditation.SearchCatalogue"
    access: ClassVar[Access] = PUBLIC

    q: str = ""
    category: Category | None = None
    limit: int = 50
    offset: int = 0


class CatalogueEntry(CourseBasics):
    """A course as the public sees it."""

    points: Decimal
    valid_from: date
    valid_until: date
    target_group: str
    trainers: list[str]
    programme: str
    editions: list[EditionDetails]


class Catalogue(Reply):
    """Reply to SearchCatalogue: one page of matches (by title) and the number of matches in all."""

    wire_name: ClassVar[str] = "accreditation.Catalogue"

    total: int
    courses: list[CatalogueEntry]


# --- Attendance ------------------------------------------------------------------------------------------------


class AttendeeInput(Message):
    """One attendance row as the provider sent it.

    `registration_number` is passed as typed (the service strips whitespace and checks it). `hours` is absent
    for full attendance; otherwise a number, or the text as typed in a CSV cell: the service parses it, so a
    bad value rejects only that row (`invalid_hours`) instead of the whole post.
    """

    registration_number: str
    hours: Decimal | str | None = None


class PostAttendance(Command["AttendancePostResult"]):
    """Record who completed an edition → AttendancePostResult, one result per row, in the order sent.

    Idempotency (IETF httpapi Idempotency-Key draft), scoped to the provider:
    - first use of a key: the post is processed, and its response stored with the key;
    - same key, same request (by `request_fingerprint`): the stored response again (`replayed` true), no rows added;
    - same key, another request: 422 `idempotency_key_reused`;
    - same key while the first request is still being processed: 409 `request_in_flight` (retry later);
    - empty key: 400 `missing_idempotency_key`.
    `request_fingerprint` is a hex SHA-256 of the canonical request; leave it None and the service computes
    one over (edition_id, attendees). A post refused as a whole (4xx) is not stored: it may be retried with the
    same key once the cause is fixed.
    """

    wire_name: ClassVar[str] = "accreditation.PostAttendance"
    access: ClassVar[Access] = provider("posted_by")

    provider_id: uuid.UUID
    edition_id: uuid.UUID
    idempotency_key: str
    attendees: list[AttendeeInput]
    channel: AttendanceChannel
    posted_by: str = ""
    request_fingerprint: str | None = None


class AttendanceRowResult(Message):
    """The result of one row.

    - `recorded`: a new attendance, `attendance_id` set, with the hours and points it earned;
    - `duplicate`: this person was already recorded on this edition (by any post, key or channel);
      `attendance_id` is the existing record;
    - `rejected`: nothing recorded; `reason_code` and `message` say why. Codes: `malformed_number`,
      `mistyped_number`, `unknown_number`, `not_registered_on_date`, `duplicate_in_post`, `invalid_hours`,
      `hours_exceed_course`, `partial_attendance_not_allowed`.
    """

    index: int
    registration_number: str
    outcome: RowOutcome
    attendance_id: uuid.UUID | None = None
    reason_code: str | None = None
    message: str | None = None
    hours: Decimal | None = None
    points: Decimal | None = None


class AttendanceCounts(Message):
    """How many rows came in, and how many had each outcome (received = recorded + duplicate + rejected)."""

    received: int
    recorded: int
    duplicate: int
    rejected: int


class AttendancePostResult(Reply):
    """Reply to PostAttendance. A replay returns the first response with `replayed` true."""

    wire_name: ClassVar[str] = "accreditation.AttendancePostResult"

    post_id: uuid.UUID
    provider_id: uuid.UUID
    course_id: uuid.UUID
    edition_id: uuid.UUID
    completion_date: date
    channel: AttendanceChannel
    idempotency_key: str
    received_at: datetime
    replayed: bool = False
    counts: AttendanceCounts
    rows: list[AttendanceRowResult]


class GetAttendancePost(Query["AttendancePostResult"]):
    """The stored result of one of the provider's own attendance posts, as it was first answered →
    AttendancePostResult (`replayed` false). For a result page that can be reloaded after the post. An unknown
    post, or another provider's, is 404 `post_not_found`."""

    wire_name: ClassVar[str] = "accreditation.GetAttendancePost"
    access: ClassVar[Access] = provider()

    provider_id: uuid.UUID
    post_id: uuid.UUID


class VoidAttendance(Command["AttendanceVoidReceipt"]):
    """Void one of the provider's own attendance records, with the reason → AttendanceVoidReceipt, and
    AttendanceVoided is published. Voiding a voided record again changes nothing (`newly_voided` false).
    Another provider's record is 403 `not_your_attendance`; an unknown id 404 `attendance_not_found`."""

    wire_name: ClassVar[str] = "accreditation.VoidAttendance"
    access: ClassVar[Access] = provider("voided_by")

    provider_id: uuid.UUID
    attendance_id: uuid.UUID
    reason: str
    voided_by: str = ""


class AttendanceVoidReceipt(Reply):
    """Reply to VoidAttendance."""

    wire_name: ClassVar[str] = "accreditation.AttendanceVoidReceipt"

    attendance_id: uuid.UUID
    voided_at: datetime
    reason: str
    newly_voided: bool


class ListAttendance(Query["AttendanceList"]):
    """The attendance recorded on one of the provider's editions (voided records included) → AttendanceList."""

    wire_name: ClassVar[str] = "accreditation.ListAttendance"
    access: ClassVar[Access] = provider()

    provider_id: uuid.UUID
    edition_id: uuid.UUID


class AttendanceEntry(Message):
    """One attendance record as its provider sees it."""

    attendance_id: uuid.UUID
    post_id: uuid.UUID
    registration_number: str
    person_name: str
    hours: Decimal
    points: Decimal
    completion_date: date
    channel: AttendanceChannel
    recorded_at: datetime
    voided_at: datetime | None = None
    void_reason: str | None = None
    disputed_at: datetime | None = None
    dispute_reason: str | None = None


class AttendanceList(Reply):
    """Reply to ListAttendance, by registration number."""

    wire_name: ClassVar[str] = "accreditation.AttendanceList"

    course_id: uuid.UUID
    course_title: str
    edition_id: uuid.UUID
    completion_date: date
    entries: list[AttendanceEntry]


class ListDisputedAttendance(Query["DisputedAttendanceList"]):
    """The provider's attendance records that professionals disputed (voided ones included, so the provider sees
    what it already corrected), newest dispute first → DisputedAttendanceList."""

    wire_name: ClassVar[str] = "accreditation.ListDisputedAttendance"
    access: ClassVar[Access] = provider()

    provider_id: uuid.UUID


class DisputedAttendance(Message):
    """One disputed record with the course and edition it belongs to (`entry.disputed_at` is always set)."""

    course_id: uuid.UUID
    course_title: str
    edition_id: uuid.UUID
    entry: AttendanceEntry


class DisputedAttendanceList(Reply):
    """Reply to ListDisputedAttendance."""

    wire_name: ClassVar[str] = "accreditation.DisputedAttendanceList"

    disputes: list[DisputedAttendance]


# --- Teaching claims -------------------------------------------------------------------------------------------


class TeachingClaimDetails(Reply):
    """A professional's claim of having given a training, and the committee's decision on it."""

    wire_name: ClassVar[str] = "accreditation.TeachingClaimDetails"

    claim_id: uuid.UUID
    person_id: uuid.UUID
    registration_number: str
    person_name: str
    hours: Decimal
    given_on: date
    description: str
    course_title: str
    course_id: uuid.UUID | None = None
    edition_id: uuid.UUID | None = None
    status: TeachingClaimStatus
    submitted_at: datetime
    claimed_by: str
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    points: Decimal | None = None


class TeachingClaimList(Reply):
    """Reply to ListTeachingClaimsForReview and ListTeachingClaims."""

    wire_name: ClassVar[str] = "accreditation.TeachingClaimList"

    claims: list[TeachingClaimDetails]


class ClaimTeaching(Command[TeachingClaimDetails]):
    """A professional claims to have given a training → TeachingClaimDetails (status `submitted`).

    `person_id` and `registration_number` are the acting professional's own (the gateway fills them in); they
    must match the register, and the person must have been registered on `given_on`.
    """

    wire_name: ClassVar[str] = "accreditation.ClaimTeaching"
    access: ClassVar[Access] = signed_in("claimed_by", "person_id")

    person_id: uuid.UUID
    registration_number: str
    hours: Decimal
    given_on: date
    description: str
    course_title: str = ""
    course_id: uuid.UUID | None = None
    edition_id: uuid.UUID | None = None
    claimed_by: str = ""


class ListTeachingClaimsForReview(Query[TeachingClaimList]):
    """The committee's queue of undecided teaching claims, oldest first → TeachingClaimList."""

    wire_name: ClassVar[str] = "accreditation.ListTeachingClaimsForReview"
    access: ClassVar[Access] = staff({"accreditation_committee"}, "requested_by")

    requested_by: str = ""


class ListTeachingClaims(Query[TeachingClaimList]):
    """One professional's own claims, newest first → TeachingClaimList."""

    wire_name: ClassVar[str] = "accreditation.ListTeachingClaims"
    access: ClassVar[Access] = signed_in("person_id")

    person_id: uuid.UUID


class DecideTeachingClaim(Command[TeachingClaimDetails]):
    """The committee approves or rejects a claim, with the reason → TeachingClaimDetails. Approval publishes
    TeachingApproved with the scheme's points for giving a training (1 per hour given by default). Nobody decides
    their own claim (`decided_by` = `account:<the claimant's person id>`: 403 `own_claim`)."""

    wire_name: ClassVar[str] = "accreditation.DecideTeachingClaim"
    access: ClassVar[Access] = staff({"accreditation_committee"}, "decided_by")

    claim_id: uuid.UUID
    decided_by: str
    decision: Literal["approve", "reject"]
    reason: str


# --- Demo data -------------------------------------------------------------------------------------------------


class LoadDemoData(Command["DemoData"]):
    """Demo and tests only: create the demo provider (with a fixed, published API key), an approved course with
    an ended edition, a course awaiting review and a rejected one → DemoData. Idempotent: a second call
    creates nothing and returns the same ids. `provider_account_id`, if given, is linked to the demo provider."""

    wire_name: ClassVar[str] = "accreditation.LoadDemoData"
    access: ClassVar[Access] = staff({"administrator"})

    provider_account_id: str | None = None
    # Added later: where the demo webhook endpoint points (a local receiver); empty: no demo endpoint.
    webhook_url: str = ""


class DemoData(Reply):
    """Reply to LoadDemoData. `created` is false when the demo data was already there."""

    wire_name: ClassVar[str] = "accreditation.DemoData"

    created: bool
    provider_id: uuid.UUID
    provider_name: str
    api_key: str
    approved_course_id: uuid.UUID
    approved_edition_id: uuid.UUID
    pending_course_id: uuid.UUID
    rejected_course_id: uuid.UUID
    # Added later: the demo provider's sandbox key and its demo webhook endpoint (None when not asked for).
    sandbox_api_key: str | None = None
    webhook_endpoint_id: uuid.UUID | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None


# --- A person's own data ("download all my data") --------------------------------------------------------------


class ExportPersonData(Query["PersonDataExport"]):
    """Query: everything accreditation holds about one person, for their own data download (the gateway passes the
    signed-in professional's person id). Reply: PersonDataExport."""

    wire_name: ClassVar[str] = "accreditation.ExportPersonData"
    access: ClassVar[Access] = signed_in("person_id")

    person_id: uuid.UUID


class ExportedAttendance(Message):
    """An attendance record about the person, voided ones included (nested value)."""

    attendance_id: uuid.UUID
    provider_name: str
    course_id: uuid.UUID
    course_title: str
    edition_id: uuid.UUID
    completion_date: date
    hours: Decimal
    points: Decimal
    channel: str
    recorded_at: datetime
    voided_at: datetime | None = None
    void_reason: str | None = None
    dispute_reason: str | None = None
    disputed_at: datetime | None = None


class ExportedTeachingClaim(Message):
    """A teaching claim the person made, with the committee's decision (nested value)."""

    claim_id: uuid.UUID
    course_title: str
    given_on: date
    hours: Decimal
    description: str
    status: str
    submitted_at: datetime
    decided_at: datetime | None = None
    decision_reason: str | None = None
    points: Decimal | None = None


class PersonDataExport(Reply):
    """Reply to ExportPersonData: the person's attendance records (with any dispute) and teaching claims."""

    wire_name: ClassVar[str] = "accreditation.PersonDataExport"

    person_id: uuid.UUID
    attendance: list[ExportedAttendance]
    teaching_claims: list[ExportedTeachingClaim]


# --- xAPI statements (the Learning Record Store behind the gateway's /xapi) --------------------------------------

XAPI_ATTENDED_VERB: Final = "http://adlnet.gov/expapi/verbs/attended"
XAPI_VOIDED_VERB: Final = "http://adlnet.gov/expapi/verbs/voided"
# What a stored statement did to the register: `recorded`/`duplicate`/`rejected` as an attendance row (see
# AttendanceRowResult), `voided` (a voiding statement that voided its target), `none` (stored, places nothing).
XapiEffect = Literal["recorded", "duplicate", "rejected", "voided", "none"]


class XapiStatementOutcome(Message):
    """What one statement of a StoreXapiStatements did (the statement id is the attendance row's key)."""

    statement_id: uuid.UUID
    effect: XapiEffect
    newly_stored: bool
    attendance_id: uuid.UUID | None = None
    reason_code: str | None = None
    message: str | None = None


class StoreXapiStatements(Command["XapiStatementsStored"]):
    """Store a provider's xAPI statements, all or none → XapiStatementsStored (outcomes in the order sent).

    `statements` are the JSON objects as the client sent them, each with an `id` (the gateway assigns missing
    ones). The service validates them (400 `invalid_statement` names the first broken rule), sets `stored`,
    `timestamp` (when absent), `version` (when absent: `default_version`) and `authority`. A statement id
    already stored for this provider with the same content is accepted again and changes nothing; with other
    content the whole request is 409 `statement_conflict`. An "attended" statement whose actor is an account on
    `register_home_page` and whose object's id is `edition_iri_prefix` + an edition id of this provider becomes
    an attendance row by PostAttendance's rules (channel `xapi`); a voiding statement voids its target and the
    target's attendance. Each provider's statements are its own: ids of other providers' statements are unseen.
    """

    wire_name: ClassVar[str] = "accreditation.StoreXapiStatements"
    access: ClassVar[Access] = provider("stored_by")

    provider_id: uuid.UUID
    statements: list[dict[str, Any]]
    register_home_page: str
    edition_iri_prefix: str
    authority: dict[str, Any]
    default_version: str = "1.0.0"
    stored_by: str = ""


class XapiStatementsStored(Reply):
    """Reply to StoreXapiStatements."""

    wire_name: ClassVar[str] = "accreditation.XapiStatementsStored"

    outcomes: list[XapiStatementOutcome]


class QueryXapiStatements(Query["XapiStatementPage"]):
    """A provider's own statements → XapiStatementPage.

    By `statement_id` (not voided) or `voided_statement_id` (voided): that one statement or none. Otherwise the
    statements matching every given filter (`agent`: an Agent or identified Group as JSON, matched by its
    inverse functional identifier against the actor or an Agent/Group object; `verb`; `activity`: the object's id; `registration`; `since` <
    stored <= `until`), voided ones left out, `limit` at most (0: the service's maximum) in stored order,
    continuing after `after_sequence`; `next_sequence` is set when more match.
    """

    wire_name: ClassVar[str] = "accreditation.QueryXapiStatements"
    access: ClassVar[Access] = provider()

    provider_id: uuid.UUID
    statement_id: uuid.UUID | None = None
    voided_statement_id: uuid.UUID | None = None
    agent: dict[str, Any] | None = None
    verb: str | None = None
    activity: str | None = None
    registration: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    after_sequence: int | None = None


class XapiStoredStatement(Message):
    """One stored statement as the LRS returns it, with what it did to the register."""

    statement: dict[str, Any]
    sequence: int
    outcome: XapiStatementOutcome


class XapiStatementPage(Reply):
    """Reply to QueryXapiStatements: `consistent_through` is the service's clock when it read them."""

    wire_name: ClassVar[str] = "accreditation.XapiStatementPage"

    statements: list[XapiStoredStatement]
    next_sequence: int | None = None
    consistent_through: datetime


# --- Webhooks (Standard Webhooks: signed deliveries to a provider's own endpoints) ---------------------------------

WebhookEventType = Literal[
    "attendance.recorded",
    "attendance.disputed",
    "attendance.dispute_resolved",
    "course.decided",
    "accreditation.expiring",
]
WEBHOOK_EVENT_TYPES: Final[tuple[str, ...]] = (
    "attendance.recorded",
    "attendance.disputed",
    "attendance.dispute_resolved",
    "course.decided",
    "accreditation.expiring",
)
WebhookDeliveryStatus = Literal["pending", "delivered", "failed"]

SANDBOX_REGISTRATION_NUMBERS: Final[dict[str, str]] = {
    "9900018": "recorded",
    "9900026": "recorded",
    "9900039": "not_registered_on_date",
}
"""The sandbox's test people (published in the provider documentation) and how a post answers each: registered
since 2000, or struck off since 2001. Any other well-formed number is `unknown_number` in the sandbox."""


DEMO_WEBHOOK_SECRET: Final = "whsec_bGtsci1kZW1vLXdlYmhvb2stc2VjcmV0LTAwMDE="
"""The signing secret of the demo provider's webhook endpoints (local demo runs only, published like the demo API
key): the gateway's development receiver (/dev/webhooks) checks the demo deliveries' signatures with it."""


class WebhookEndpointDisabled(Event):
    """An endpoint kept failing and was disabled: the registry mails the provider's contact address."""

    wire_name: ClassVar[str] = "accreditation.WebhookEndpointDisabled"

    endpoint_id: uuid.UUID
    provider_id: uuid.UUID
    provider_name: str
    provider_contact_email: str | None = None
    url: str
    failed_attempts: int
    disabled_at: datetime


class WebhookEndpointDetails(Reply):
    """One webhook endpoint of a provider (never its secret). A `sandbox` endpoint receives only the events of
    sandbox keys and test events; a production endpoint only real events and test events."""

    wire_name: ClassVar[str] = "accreditation.WebhookEndpointDetails"

    endpoint_id: uuid.UUID
    provider_id: uuid.UUID
    url: str
    description: str
    events: list[WebhookEventType]
    sandbox: bool
    enabled: bool
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    consecutive_failures: int
    created_at: datetime
    secret_rotated_at: datetime | None = None


class WebhookEndpointList(Reply):
    """Reply to ListWebhookEndpoints, newest first."""

    wire_name: ClassVar[str] = "accreditation.WebhookEndpointList"

    endpoints: list[WebhookEndpointDetails]


class WebhookSecretIssued(Reply):
    """Reply to RegisterWebhookEndpoint and RotateWebhookSecret: `secret` (`whsec_…`) is shown this once."""

    wire_name: ClassVar[str] = "accreditation.WebhookSecretIssued"
    kept_for_retries: ClassVar[bool] = False  # the secret is not to be replayed from a request log

    endpoint: WebhookEndpointDetails
    secret: str


class RegisterWebhookEndpoint(Command[WebhookSecretIssued]):
    """Register an endpoint for the chosen events → WebhookSecretIssued. The URL must be https and may not point
    at a private or loopback address (both allowed in local runs): 422 `invalid_webhook_url`; unknown or no
    events: 422 `invalid_webhook_events`. A sandbox key always registers a sandbox endpoint."""

    wire_name: ClassVar[str] = "accreditation.RegisterWebhookEndpoint"
    access: ClassVar[Access] = provider("created_by")

    provider_id: uuid.UUID
    url: str
    events: list[str]
    description: str = ""
    sandbox: bool = False
    created_by: str


class ListWebhookEndpoints(Query[WebhookEndpointList]):
    """A provider's endpoints → WebhookEndpointList."""

    wire_name: ClassVar[str] = "accreditation.ListWebhookEndpoints"
    access: ClassVar[Access] = provider()

    provider_id: uuid.UUID


class RotateWebhookSecret(Command[WebhookSecretIssued]):
    """A new secret for an endpoint → WebhookSecretIssued. For a day deliveries carry signatures by the old and
    the new secret (Standard Webhooks allows several), so the receiver can switch without losing messages.
    Another provider's endpoint is 404 `webhook_endpoint_not_found`."""

    wire_name: ClassVar[str] = "accreditation.RotateWebhookSecret"
    access: ClassVar[Access] = provider("rotated_by")

    provider_id: uuid.UUID
    endpoint_id: uuid.UUID
    rotated_by: str


class SetWebhookEndpointEnabled(Command[WebhookEndpointDetails]):
    """Enable (pending deliveries resume, the failure count starts over) or disable an endpoint."""

    wire_name: ClassVar[str] = "accreditation.SetWebhookEndpointEnabled"
    access: ClassVar[Access] = provider("changed_by")

    provider_id: uuid.UUID
    endpoint_id: uuid.UUID
    enabled: bool
    changed_by: str


class WebhookDeliveryDetails(Reply):
    """One message to one endpoint: its status, attempts so far and the last answer."""

    wire_name: ClassVar[str] = "accreditation.WebhookDeliveryDetails"

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    message_id: str
    event_type: WebhookEventType
    test: bool
    status: WebhookDeliveryStatus
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    last_response_status: int | None = None
    last_error: str | None = None
    payload: dict[str, Any]


class ListWebhookDeliveries(Query["WebhookDeliveryList"]):
    """The delivery log of one endpoint, newest first, at most `limit` → WebhookDeliveryList."""

    wire_name: ClassVar[str] = "accreditation.ListWebhookDeliveries"
    access: ClassVar[Access] = provider()

    provider_id: uuid.UUID
    endpoint_id: uuid.UUID
    limit: int = 50


class WebhookDeliveryList(Reply):
    """Reply to ListWebhookDeliveries."""

    wire_name: ClassVar[str] = "accreditation.WebhookDeliveryList"

    endpoint: WebhookEndpointDetails
    deliveries: list[WebhookDeliveryDetails]


class RedeliverWebhook(Command[WebhookDeliveryDetails]):
    """Send a delivery again now (same message id, so a receiver that got it deduplicates it) → its details."""

    wire_name: ClassVar[str] = "accreditation.RedeliverWebhook"
    access: ClassVar[Access] = provider("requested_by")

    provider_id: uuid.UUID
    endpoint_id: uuid.UUID
    delivery_id: uuid.UUID
    requested_by: str


class SendTestWebhook(Command[WebhookDeliveryDetails]):
    """Queue a test message of `event_type` (sample data, `"test": true`) to one endpoint → its delivery."""

    wire_name: ClassVar[str] = "accreditation.SendTestWebhook"
    access: ClassVar[Access] = provider("requested_by")

    provider_id: uuid.UUID
    endpoint_id: uuid.UUID
    event_type: str
    requested_by: str


class SendTestWebhooks(Command[WebhookDeliveryList]):
    """Queue one test message of every event type (sample data, `"test": true`, signed like real ones) to one
    endpoint, subscribed or not → the endpoint and the queued deliveries, in WEBHOOK_EVENT_TYPES order."""

    wire_name: ClassVar[str] = "accreditation.SendTestWebhooks"
    access: ClassVar[Access] = provider("requested_by")

    provider_id: uuid.UUID
    endpoint_id: uuid.UUID
    requested_by: str
