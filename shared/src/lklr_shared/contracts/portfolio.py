"""Contracts owned by the portfolio service: activities, disputes and frozen dossiers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field

from lklr_shared.contracts.access import Access, signed_in, staff
from lklr_shared.contracts.base import Command, Event, Message, Query, Reply

Category = Literal["A1", "A2"]


class PersonErased(Event):
    """The portfolio service forgot a person as registry.PersonErasureRequested asked: activities, evidence files (deleted from the blob store), dossiers and the read model of the registration.
    ``erasure_id`` is the request's; ``rows`` and ``files`` count what this delivery removed (0 on a repeat)."""

    wire_name: ClassVar[str] = "portfolio.PersonErased"

    erasure_id: uuid.UUID
    kinds: list[str]
    rows: int = 0
    files: int = 0


class ActivityRecorded(Event):
    """An activity entered a portfolio: self-entered, or approved teaching. Provider-placed entries are announced per
    batch in ActivitiesPlaced (messages from before that carry `source` provider_placed here)."""

    wire_name: ClassVar[str] = "portfolio.ActivityRecorded"

    activity_id: uuid.UUID
    person_id: uuid.UUID
    category: Category
    activity_type: str
    points: Decimal
    accredited: bool
    source: Literal["self_entered", "provider_placed", "teaching"]
    completion_date: date


class ActivityDisputed(Event):
    """A professional disputed a provider-placed entry; routed to the provider and the office."""

    wire_name: ClassVar[str] = "portfolio.ActivityDisputed"

    activity_id: uuid.UUID
    person_id: uuid.UUID
    attendance_id: uuid.UUID
    provider_id: uuid.UUID
    reason: str
    disputed_at: datetime


class DossierEvidence(Message):
    """An evidence file attached to a frozen activity (a nested value): what a reviewer sees listed.

    The bytes stay in the portfolio; a reviewer reads them through the gateway.
    """

    evidence_id: uuid.UUID
    filename: str
    file_type: str
    size_bytes: int


class DossierActivity(Message):
    """One activity as frozen into a dossier (a nested value, not a message of its own).

    Only the activities that count towards the cycle's norm are frozen (voided, rejected and disputed entries,
    and work outside the cycle, are not). `title` and `evidence` were added for the reviewers' case view.
    """

    activity_id: uuid.UUID
    category: Category
    activity_type: str
    points: Decimal
    accredited: bool
    self_entered: bool
    completion_date: date
    description: str = ""
    title: str = ""
    evidence: list[DossierEvidence] = []
    # Added with the dossier checks (lklr_shared.dossier_checks), so the audit checks what the professional's
    # self-check checked: the entry's source and state, and the fields its points were computed from.
    source: Literal["self_entered", "provider_placed", "teaching"] | None = None
    state: str | None = None
    a2_type: str | None = None
    study_load_hours: Decimal | None = None
    quantity: Decimal | None = None
    hours_per_unit: Decimal | None = None


class DossierCheckFinding(Message):
    """One finding of the dossier checks (a nested value; codes in lklr_shared.dossier_checks). ``activity_id``
    None: about the dossier as a whole (a minimum of the norm: ``points`` earned, ``expected_points`` needed)."""

    code: str
    severity: Literal["error", "notice"]
    activity_id: uuid.UUID | None = None
    activity_title: str = ""
    points: Decimal | None = None
    expected_points: Decimal | None = None


class DossierCheck(Message):
    """The result of the dossier checks (a nested value): the professional's self-check, and the audit's automatic
    review checks on the frozen dossier (the same rules). ``sample_flag_share`` (0–1): the share of self-entered
    activities with an error, i.e. of what a sample would review."""

    passed: bool
    findings: list[DossierCheckFinding]
    self_entered_count: int
    flagged_self_entered_count: int
    sample_flag_share: Decimal


class DossierFrozen(Event):
    """A re-registration application froze a cycle's activities into a dossier."""

    wire_name: ClassVar[str] = "portfolio.DossierFrozen"

    dossier_id: uuid.UUID
    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    employer_id: str
    total_points: Decimal
    accredited_points: Decimal
    a2_points: Decimal
    norm_met: bool
    activities: list[DossierActivity]
    # Added with re-registration. `round` 1 is the application; round 2 is the same dossier (same
    # dossier_id) resubmitted after it was returned for correction, with the activities added since.
    round: int = Field(default=1, ge=1)
    applied_on: date | None = None
    registered_since: date | None = None
    scheme_version: str | None = None
    cycle_starts_on: date | None = None
    cycle_ends_on: date | None = None


class PortfolioNormMet(Event):
    """A cycle's activities meet the norm for the first time."""

    wire_name: ClassVar[str] = "portfolio.PortfolioNormMet"

    person_id: uuid.UUID
    cycle_id: uuid.UUID
    met_on: date


# ---------------------------------------------------------------------------------------------------------------
# Request/reply with the gateway, on `<prefix>.portfolio.rpc`.
#
# Every request names the portfolio (`person_id`) and who asks (`actor`, taken by the gateway from the session,
# never from the client). For now only the owner, as a professional, may read or change a portfolio; reviewers of
# a sampled dossier and the office come later. Business errors come back as RpcError with a 4xx status and a
# reason code (see services/portfolio/README.md for the list). Points are decimals in steps of 0.5 and travel
# as strings in JSON. Binary content travels base64-encoded in `data` fields.
# ---------------------------------------------------------------------------------------------------------------

ActivitySourceName = Literal["self_entered", "provider_placed", "teaching"]
EntryStateName = Literal["placed", "confirmed", "disputed", "voided", "to_be_checked", "approved", "rejected"]
Language = Literal["nl", "en"]


class Actor(Message):
    """Who makes a request (a nested value): the signed-in person, their role, and where the request came from.

    `origin` (e.g. the client's IP address, or "api") is stored in the activity's version history, which keeps
    who, when, from where and why for every change.
    """

    person_id: uuid.UUID
    role: Literal["professional", "office", "reviewer"] = "professional"
    origin: str = Field(default="", max_length=200)


class ActivityInput(Message):
    """The fields a professional enters for a self-entered activity (a nested value).

    A1 (a course that was not accredited): `study_load_hours`; points = the scheme's points per hour, in halves.
    A2: `a2_type` (a key of the cycle's scheme, e.g. "intervision") and `quantity` in the type's unit (activities,
    interns per school year, sessions, hours given; only hours may be fractions); `hours_per_unit` where the type
    has a minimum duration per unit (intervision: 1.5 h per session). Points = the type's points × quantity.
    """

    category: Category
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    completion_date: date
    study_load_hours: Decimal | None = Field(default=None, gt=0, le=10000)
    a2_type: str | None = Field(default=None, max_length=60)
    quantity: Decimal | None = Field(default=None, gt=0, le=10000)
    hours_per_unit: Decimal | None = Field(default=None, gt=0, le=1000)


class EvidenceFile(Message):
    """A stored evidence file (a nested value). `file_type` is judged from the content, not from the name."""

    evidence_id: uuid.UUID
    filename: str
    file_type: Literal["pdf", "jpeg", "png", "docx"]
    content_type: str
    size_bytes: int
    sha256: str
    activity_id: uuid.UUID | None = None
    stored_at: datetime


class PortfolioActivity(Message):
    """One activity as the portfolio page shows it (a nested value).

    `counts` says whether it counts towards the norm of the shown cycle, else `exclusion` says why not
    (before_registration, before_cycle, after_cycle, type_not_in_scheme, voided, rejected, disputed).
    `is_new` marks provider-placed and teaching entries recorded after the professional's last visit;
    `awaiting_check` marks provider-placed entries that can still be confirmed or disputed (until `check_deadline`).
    `editable` is true for self-entered, still unchecked entries outside a frozen dossier. `state_reason` is the
    reason given with the current state (a void, a dispute, a rejection). `version` goes back in EditActivity.
    """

    activity_id: uuid.UUID
    version: int
    source: ActivitySourceName
    category: Category
    activity_type: str
    title: str
    description: str
    completion_date: date
    points: Decimal
    accredited: bool
    state: EntryStateName
    state_reason: str = ""
    counts: bool
    exclusion: str | None = None
    is_new: bool = False
    awaiting_check: bool = False
    check_deadline: date | None = None
    editable: bool = False
    study_load_hours: Decimal | None = None
    quantity: Decimal | None = None
    hours_per_unit: Decimal | None = None
    provider_id: uuid.UUID | None = None
    provider_name: str | None = None
    course_id: uuid.UUID | None = None
    attendance_id: uuid.UUID | None = None
    evidence: list[EvidenceFile] = []
    recorded_at: datetime
    updated_at: datetime


class CycleSummary(Message):
    """A registration cycle of the person (a nested value). `frozen` once a dossier was frozen from it."""

    cycle_id: uuid.UUID
    sequence: int
    starts_on: date
    ends_on: date
    scheme_version: str
    frozen: bool = False


class ConstraintProgressView(Message):
    """Points against one minimum of the norm (a nested value): `constraint` is "total", "accredited" or "a2"."""

    constraint: Literal["total", "accredited", "a2"]
    label: str
    earned: Decimal
    minimum: Decimal
    missing: Decimal
    met: bool


class YearPointsView(Message):
    """Counted points completed in one calendar year of the cycle (a nested value)."""

    year: int
    total: Decimal
    accredited: Decimal
    a2: Decimal


class NormProgress(Message):
    """Progress of a cycle against the norm of its scheme version (a nested value).

    `min_additional_points`: the fewest extra points that can meet the norm (accredited A2 fills two gaps at once).
    `buffer_points`: how many to-be-checked points an audit may reject while the norm still holds.
    `at_risk_points`: self-entered points still to be checked; `disputed_points`: in-cycle points waiting for a
    dispute to be resolved (not counted meanwhile).
    """

    scheme_version: str
    met: bool
    constraints: list[ConstraintProgressView]
    min_additional_points: Decimal
    days_left: int
    buffer_points: Decimal
    at_risk_points: Decimal
    disputed_points: Decimal
    per_year: list[YearPointsView] = []


class GetPortfolio(Query["Portfolio"]):
    """Query: a person's activities of one cycle with progress against the norm.

    `cycle_id` None → the cycle that contains today, else the most recent one. The first cycle also lists work
    completed before registration, and the latest one work completed after its end (both as not counting).
    `include_svg` adds server-rendered SVG (progress bars per constraint, points per year), labelled in `language`.
    """

    wire_name: ClassVar[str] = "portfolio.GetPortfolio"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    cycle_id: uuid.UUID | None = None
    language: Language = "nl"
    include_svg: bool = True


class Portfolio(Reply):
    """Reply to GetPortfolio. `cycle` and `progress` are None while the registry has opened no cycle yet.

    `generated_at` goes back in MarkPortfolioSeen, so entries that arrive after the page was built stay new.
    `progress_svg` and `timeline_svg` are complete `<svg>` elements (escaped, safe to embed) or "" when not asked.
    """

    wire_name: ClassVar[str] = "portfolio.Portfolio"

    person_id: uuid.UUID
    registration_number: str
    name: str
    registered_since: date
    generated_at: datetime
    last_seen_at: datetime | None = None
    cycle: CycleSummary | None = None
    cycles: list[CycleSummary] = []
    progress: NormProgress | None = None
    activities: list[PortfolioActivity] = []
    new_count: int = 0
    awaiting_check_count: int = 0
    progress_svg: str = ""
    timeline_svg: str = ""
    # Added with re-registration, for the shown cycle: the first and last day an application is possible, and,
    # while its dossier is returned for correction, the last day activities of the cycle may still be added.
    reregistration_opens_on: date | None = None
    reregistration_closes_on: date | None = None
    correction_until: date | None = None


class RecordActivity(Command["ActivitySaved"]):
    """Command: the professional enters an activity (A1 course without accreditation, or A2).

    `evidence_ids` attaches evidence the same person uploaded before (CompleteEvidenceUpload without an
    activity); each file belongs to one activity. Emits ActivityRecorded. Reply: ActivitySaved.
    """

    wire_name: ClassVar[str] = "portfolio.RecordActivity"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")
    # A retried form uploads its files again, under new ids.
    fingerprint_ignores: ClassVar[frozenset[str]] = frozenset({"origin", "client_ip", "evidence_ids"})

    person_id: uuid.UUID
    actor: Actor
    activity: ActivityInput
    evidence_ids: list[uuid.UUID] = Field(default=[], max_length=20)


class EditActivity(Command["ActivitySaved"]):
    """Command: replace the entered fields of a self-entered activity (a new version; nothing is overwritten).

    `expected_version` is the version the form showed (409 stale_version when someone changed it meanwhile);
    `reason` says why (kept in the history). `evidence_ids` None keeps the attached files; a list replaces the
    set (files taken off stay stored and stay in the history). Refused once the entry is checked by an audit or
    its cycle is frozen into a dossier. Reply: ActivitySaved.
    """

    wire_name: ClassVar[str] = "portfolio.EditActivity"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    activity_id: uuid.UUID
    expected_version: int = Field(ge=1)
    reason: str = Field(default="", max_length=2000)
    activity: ActivityInput
    evidence_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)


class ConfirmActivity(Command["ActivitySaved"]):
    """Command: the professional confirms a provider-placed entry within the window. Repeating it changes
    nothing. Reply: ActivitySaved."""

    wire_name: ClassVar[str] = "portfolio.ConfirmActivity"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    activity_id: uuid.UUID


class DisputeActivity(Command["ActivitySaved"]):
    """Command: the professional disputes a provider-placed entry within the window, with a reason.

    The entry stops counting until the provider corrects or voids it. Emits ActivityDisputed (routed to the
    provider and the office). Reply: ActivitySaved.
    """

    wire_name: ClassVar[str] = "portfolio.DisputeActivity"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    activity_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=2000)


class ActivitySaved(Reply):
    """Reply to RecordActivity, EditActivity, ConfirmActivity and DisputeActivity: the entry as it now is."""

    wire_name: ClassVar[str] = "portfolio.ActivitySaved"

    activity: PortfolioActivity


class MarkPortfolioSeen(Command["PortfolioSeen"]):
    """Command: the professional has seen their portfolio up to `seen_up_to` (the `generated_at` of the page
    they saw; None = now). Entries recorded later stay new. The mark never moves back. Reply: PortfolioSeen."""

    wire_name: ClassVar[str] = "portfolio.MarkPortfolioSeen"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    seen_up_to: datetime | None = None


class PortfolioSeen(Reply):
    """Reply to MarkPortfolioSeen."""

    wire_name: ClassVar[str] = "portfolio.PortfolioSeen"

    last_seen_at: datetime


class GetActivityHistory(Query["ActivityHistory"]):
    """Query: every version of one activity, oldest first. Reply: ActivityHistory."""

    wire_name: ClassVar[str] = "portfolio.GetActivityHistory"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    activity_id: uuid.UUID


class ActivityVersionView(Message):
    """One version of an activity (a nested value): who changed it, when, from where, why, and the result.

    `actor_kind` is person, provider, accreditation_committee, assessment_committee or system; `change` is
    recorded, edited, evidence_attached, confirmed, disputed, voided, approved or rejected (the last two by an
    audit). `snapshot` holds the entry's fields after the change.
    """

    version: int
    changed_at: datetime
    actor_kind: str
    actor_id: str
    origin: str
    change: str
    reason: str
    state: EntryStateName
    points: Decimal
    snapshot: dict[str, Any]


class ActivityHistory(Reply):
    """Reply to GetActivityHistory."""

    wire_name: ClassVar[str] = "portfolio.ActivityHistory"

    activity_id: uuid.UUID
    versions: list[ActivityVersionView]


class ProposedActivity(Message):
    """An activity the professional considers (a nested value, for WhatIf).

    Self-entered: the ActivityInput fields (category, a2_type, study_load_hours, quantity, hours_per_unit).
    An accredited course they plan to follow: `accredited=True` with the committee's `accredited_points`
    (category A1 or A2). `completion_date` None → today.
    """

    category: Category
    a2_type: str | None = Field(default=None, max_length=60)
    study_load_hours: Decimal | None = Field(default=None, gt=0, le=10000)
    quantity: Decimal | None = Field(default=None, gt=0, le=10000)
    hours_per_unit: Decimal | None = Field(default=None, gt=0, le=1000)
    accredited: bool = False
    accredited_points: Decimal | None = Field(default=None, gt=0, le=10000)
    completion_date: date | None = None


class WhatIf(Query["WhatIfAnswer"]):
    """Query: would the norm of the cycle hold if `add` were added, or if `reject_points` of the self-entered
    (to-be-checked) points were rejected in an audit sample (worst case: whichever hurt most)? Give exactly one.
    Reply: WhatIfAnswer.
    """

    wire_name: ClassVar[str] = "portfolio.WhatIf"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    cycle_id: uuid.UUID | None = None
    add: ProposedActivity | None = None
    reject_points: Decimal | None = Field(default=None, ge=0)
    language: Language = "nl"


class WhatIfAnswer(Reply):
    """Reply to WhatIf. `constraints_after` is the progress per minimum after the change; for a rejection it is
    the worst case. `added_points` are the points the proposed activity would earn (0 when it would not count,
    see `added_exclusion`)."""

    wire_name: ClassVar[str] = "portfolio.WhatIfAnswer"

    norm_met_now: bool
    norm_met_after: bool
    added_points: Decimal | None = None
    added_exclusion: str | None = None
    constraints_after: list[ConstraintProgressView] = []
    buffer_points_now: Decimal
    at_risk_points: Decimal


class BeginEvidenceUpload(Command["EvidenceUploadStarted"]):
    """Command: start streaming an evidence file (PDF, JPEG, PNG or DOCX, at most `max_bytes`).

    `declared_size` (e.g. from Content-Length) lets an oversized file be refused (413) before any byte is sent.
    `activity_id` attaches the file to that self-entered activity on completion; None keeps it unattached until
    RecordActivity/EditActivity names it. Reply: EvidenceUploadStarted.
    """

    wire_name: ClassVar[str] = "portfolio.BeginEvidenceUpload"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    filename: str = Field(min_length=1, max_length=255)
    declared_size: int | None = Field(default=None, ge=0)
    activity_id: uuid.UUID | None = None


class EvidenceUploadStarted(Reply):
    """Reply to BeginEvidenceUpload: send chunks 0, 1, 2, … of at most `max_chunk_bytes` (before base64)."""

    wire_name: ClassVar[str] = "portfolio.EvidenceUploadStarted"

    upload_id: uuid.UUID
    max_bytes: int
    max_chunk_bytes: int


class AppendEvidenceChunk(Command["EvidenceChunkAccepted"]):
    """Command: the next chunk of an upload. `seq` counts from 0; `data` is base64 of at most max_chunk_bytes.

    Judged as it arrives: the first chunk's magic bytes decide the type (415 unsupported_evidence_type), and the
    chunk that would take the file over the maximum is refused (413 evidence_too_large); both abort the upload.
    Sending the last accepted chunk again (a retry after a timeout) is answered as before, without storing it twice.
    Reply: EvidenceChunkAccepted.
    """

    wire_name: ClassVar[str] = "portfolio.AppendEvidenceChunk"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    upload_id: uuid.UUID
    seq: int = Field(ge=0)
    data: str = Field(min_length=1, max_length=400_000)


class EvidenceChunkAccepted(Reply):
    """Reply to AppendEvidenceChunk. `file_type` is the type the first chunk announced."""

    wire_name: ClassVar[str] = "portfolio.EvidenceChunkAccepted"

    upload_id: uuid.UUID
    seq: int
    received_bytes: int
    file_type: Literal["pdf", "jpeg", "png", "docx"] | None = None


class CompleteEvidenceUpload(Command["EvidenceStored"]):
    """Command: all chunks are sent. `expected_size` and `sha256` (hex), when given, must match what arrived
    (422 size_mismatch / checksum_mismatch). Reply: EvidenceStored."""

    wire_name: ClassVar[str] = "portfolio.CompleteEvidenceUpload"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    upload_id: uuid.UUID
    expected_size: int | None = Field(default=None, ge=0)
    sha256: str | None = Field(default=None, min_length=64, max_length=64)


class EvidenceStored(Reply):
    """Reply to CompleteEvidenceUpload: the stored file (attached when the upload named an activity)."""

    wire_name: ClassVar[str] = "portfolio.EvidenceStored"

    evidence: EvidenceFile


class AbortEvidenceUpload(Command["EvidenceUploadAborted"]):
    """Command: give up an upload (e.g. the browser went away); what arrived is discarded. Reply: EvidenceUploadAborted."""

    wire_name: ClassVar[str] = "portfolio.AbortEvidenceUpload"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    upload_id: uuid.UUID


class EvidenceUploadAborted(Reply):
    """Reply to AbortEvidenceUpload."""

    wire_name: ClassVar[str] = "portfolio.EvidenceUploadAborted"

    upload_id: uuid.UUID


class ReadEvidenceChunk(Query["EvidenceChunk"]):
    """Query: `length` bytes (at most 256 KB; None = 256 KB) of an evidence file from `offset`. Owner only:
    anyone else gets 404 evidence_not_found, as for a file that does not exist. Reply: EvidenceChunk."""

    wire_name: ClassVar[str] = "portfolio.ReadEvidenceChunk"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    evidence_id: uuid.UUID
    offset: int = Field(default=0, ge=0)
    length: int | None = Field(default=None, gt=0)


class EvidenceChunk(Reply):
    """Reply to ReadEvidenceChunk: `data` is base64; `next_offset` is None after the last chunk."""

    wire_name: ClassVar[str] = "portfolio.EvidenceChunk"

    evidence: EvidenceFile
    offset: int
    data: str
    next_offset: int | None = None


class ReadReviewEvidenceChunk(Query[EvidenceChunk]):
    """Query (reviewer): as ReadEvidenceChunk, for the reviewer assigned to a sampled dossier's case.

    The portfolio keeps the audit's EvidenceAccessGranted as grants: `reviewer_id` may read the files attached to
    the case's sampled activities and the files the professional sent with an answer. Anything else (another
    reviewer, another case, another person's file) is 404 evidence_not_found. Reply: EvidenceChunk.
    """

    wire_name: ClassVar[str] = "portfolio.ReadReviewEvidenceChunk"
    access: ClassVar[Access] = signed_in("actor.person_id", "reviewer_id", acting_role_field="actor.role")

    reviewer_id: uuid.UUID
    case_id: uuid.UUID
    actor: Actor
    evidence_id: uuid.UUID
    offset: int = Field(default=0, ge=0)
    length: int | None = Field(default=None, gt=0)


class ReadObjectionEvidenceChunk(Query[EvidenceChunk]):
    """Query (register office): as ReadEvidenceChunk, for a file a person sent with an objection.

    The portfolio keeps the registry's ObjectionEvidenceShared as grants: an office account may read exactly the
    files of that objection. Each download is logged (security log, `evidence.read_for_objection`), a refused try
    too. Anything else is 404 evidence_not_found. Reply: EvidenceChunk.
    """

    wire_name: ClassVar[str] = "portfolio.ReadObjectionEvidenceChunk"
    access: ClassVar[Access] = staff({"office"}, "actor.person_id")

    objection_id: uuid.UUID
    actor: Actor
    evidence_id: uuid.UUID
    offset: int = Field(default=0, ge=0)
    length: int | None = Field(default=None, gt=0)


class ExportPortfolioCsv(Query["PortfolioExport"]):
    """Query: every activity of a cycle (as in GetPortfolio) and the totals, as CSV. Dutch: `;` separated with
    decimal commas (as Dutch spreadsheets expect); English: `,` with decimal points. UTF-8 with a byte-order mark.
    Reply: PortfolioExport."""

    wire_name: ClassVar[str] = "portfolio.ExportPortfolioCsv"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    cycle_id: uuid.UUID | None = None
    language: Language = "nl"


class ExportPortfolioPdf(Query["PortfolioExport"]):
    """Query: a PDF overview of a cycle (every activity and the totals) to hand to an employer. Reply: PortfolioExport."""

    wire_name: ClassVar[str] = "portfolio.ExportPortfolioPdf"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    cycle_id: uuid.UUID | None = None
    language: Language = "nl"


class PortfolioExport(Reply):
    """Reply to the exports: the whole file, base64 in `data` (exports are small; bounded by the service)."""

    wire_name: ClassVar[str] = "portfolio.PortfolioExport"

    filename: str
    content_type: str
    size_bytes: int
    data: str


# --- re-registration -----------------------------------------------------------------------------------

DossierStatusName = Literal["frozen", "under_review", "returned_for_correction", "met", "not_met"]


class ApplyForReregistration(Command["DossierView"]):
    """Command: the professional applies for re-registration; the cycle's counting activities are frozen into a
    dossier and DossierFrozen goes to the audit.

    `cycle_id` None → the cycle whose application window contains today. Possible from the scheme's
    `application_opens_months_before_end` (6) months before the cycle ends until its last day, only while
    registered, once per cycle, and only when the norm holds on the dossier. Refusals: 409 window_not_open,
    window_closed, already_applied, registration_not_active; 422 norm_not_met (the message says what is
    missing); 404 no_cycle, cycle_not_found. Reply: DossierView.
    """

    wire_name: ClassVar[str] = "portfolio.ApplyForReregistration"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    cycle_id: uuid.UUID | None = None


class ResubmitDossier(Command["DossierView"]):
    """Command: after a return for correction, the professional resubmits the dossier with the activities added
    since (same dossier, round 2); the cycle is frozen again and DossierFrozen goes to the audit.

    `cycle_id` None → the cycle of the person's dossier that is returned for correction. Refusals: 404
    dossier_not_found; 409 not_returned_for_correction, correction_closed (past the deadline); 422
    norm_not_met. Reply: DossierView.
    """

    wire_name: ClassVar[str] = "portfolio.ResubmitDossier"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    cycle_id: uuid.UUID | None = None


class SelfCheckDossier(Query["SelfCheckResult"]):
    """Query: run the audit's dossier checks on the person's cycle before applying (`cycle_id` None: the cycle
    whose application window is open, else the current one). 404 no_cycle / cycle_not_found. Reply:
    SelfCheckResult."""

    wire_name: ClassVar[str] = "portfolio.SelfCheckDossier"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    cycle_id: uuid.UUID | None = None


class SelfCheckResult(Reply):
    """Reply to SelfCheckDossier: the cycle checked and the result."""

    wire_name: ClassVar[str] = "portfolio.SelfCheckResult"

    cycle_id: uuid.UUID
    cycle_starts_on: date
    cycle_ends_on: date
    check: DossierCheck


class GetDossier(Query["DossierView"]):
    """Query: the person's re-registration dossier of a cycle with its status. `cycle_id` None → the latest
    dossier. 404 dossier_not_found when none exists. Reply: DossierView."""

    wire_name: ClassVar[str] = "portfolio.GetDossier"
    access: ClassVar[Access] = signed_in("actor.person_id", acting_role_field="actor.role")

    person_id: uuid.UUID
    actor: Actor
    cycle_id: uuid.UUID | None = None


class DossierView(Reply):
    """A re-registration dossier as the professional sees it (reply to Apply/Resubmit/GetDossier).

    `status`: frozen (waiting for the audit's sampling), under_review (sampled), returned_for_correction (add
    activities of the same cycle until `correction_deadline`, then ResubmitDossier), met or not_met.
    `sampled` is None until the audit has decided. Totals and `activities` are those of the current `round`.
    """

    wire_name: ClassVar[str] = "portfolio.DossierView"

    dossier_id: uuid.UUID
    person_id: uuid.UUID
    cycle_id: uuid.UUID
    round: int
    status: DossierStatusName
    applied_on: date
    frozen_at: datetime
    total_points: Decimal
    accredited_points: Decimal
    a2_points: Decimal
    norm_met: bool
    sampled: bool | None = None
    correction_deadline: date | None = None
    concluded_on: date | None = None
    activities: list[DossierActivity] = []
    # The registry's decision on the application: requested (accepted as timely), granted or not_granted.
    registry_decision: str | None = None
    registry_decided_on: date | None = None


# --- Provider-placed entries, one message per batch ------------------------------------------------------------


class PlacedEntry(Message):
    """One entry a provider's attendance batch placed in a portfolio (a nested value, not a message of its own)."""

    activity_id: uuid.UUID
    person_id: uuid.UUID
    category: Category
    points: Decimal
    completion_date: date


class ActivitiesPlaced(Event):
    """A provider's attendance batch entered portfolios: one message per batch, not one per row.

    Carries only the entries that are new (a redelivered or re-sent batch places nothing and publishes nothing).
    Self-entered activities and approved teaching are announced one by one as ActivityRecorded; provider-placed
    entries are announced here instead, so a post of 5,000 rows costs one message, not 5,000.
    """

    wire_name: ClassVar[str] = "portfolio.ActivitiesPlaced"

    batch_id: uuid.UUID
    provider_id: uuid.UUID
    provider_name: str
    course_title: str
    entries: list[PlacedEntry]
