"""Contracts owned by the audit service: sampling, judgements and outcomes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field

from lklr_shared.contracts.access import PUBLIC, Access, signed_in, staff
from lklr_shared.contracts.base import Command, Event, Message, Query, Reply
from lklr_shared.contracts.portfolio import DossierCheck

VerdictName = Literal["approved", "rejected", "more_information_needed"]
OutcomeName = Literal["met", "returned_for_correction", "not_met"]


class PersonErased(Event):
    """The audit service forgot a person as registry.PersonErasureRequested asked: the audit dossier's personal parts (the anonymised outcome stays in the statistics).
    ``erasure_id`` is the request's; ``rows`` and ``files`` count what this delivery removed (0 on a repeat)."""

    wire_name: ClassVar[str] = "audit.PersonErased"

    erasure_id: uuid.UUID
    kinds: list[str]
    rows: int = 0
    files: int = 0


class DossierSampled(Event):
    """The sampling decision for a dossier, reproducible from the recorded seed.

    `draw` is the dossier's uniform number in [0, 1) under `seed` (sampled when below the share and not
    exempt); `case_id` names the review case of a sampled dossier. The fields after
    `activity_ids` came later and are optional, so events sent before them still parse.
    """

    wire_name: ClassVar[str] = "audit.DossierSampled"

    dossier_id: uuid.UUID
    person_id: uuid.UUID
    sampled: bool
    seed: str
    activity_ids: list[uuid.UUID]
    case_id: uuid.UUID | None = None
    cycle_id: uuid.UUID | None = None
    draw: float | None = None
    exemption_reason: str | None = None
    sampled_on: date | None = None


class ActivityJudged(Event):
    """A reviewer's judgement of one sampled activity (or the deadline's rejection of an unanswered question)."""

    wire_name: ClassVar[str] = "audit.ActivityJudged"

    dossier_id: uuid.UUID
    activity_id: uuid.UUID
    judgement: VerdictName
    reason: str = ""
    case_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    judged_on: date | None = None
    information_deadline: date | None = None


class ConcludedJudgement(Message):
    """The final judgement of one sampled activity, as it stood when the dossier was concluded (nested value)."""

    activity_id: uuid.UUID
    judgement: Literal["approved", "rejected"]
    reason: str = ""


class AuditConcluded(Event):
    """The outcome of a dossier, sampled or not.

    `round` is the dossier round it concludes (2 after a correction). `correction_deadline` is set for
    returned_for_correction: the professional may add activities of the same cycle until that day.
    `judgements` lists the final judgement of every sampled activity (empty for an unsampled dossier).
    """

    wire_name: ClassVar[str] = "audit.AuditConcluded"

    dossier_id: uuid.UUID
    person_id: uuid.UUID
    cycle_id: uuid.UUID
    outcome: OutcomeName
    concluded_on: date
    round: int = 1
    sampled: bool = False
    case_id: uuid.UUID | None = None
    correction_deadline: date | None = None
    judgements: list[ConcludedJudgement] = []


class EvidenceAccessGranted(Event):
    """A reviewer may read evidence of a sampled dossier (the portfolio enforces it).

    Emitted when a case is assigned (`activity_ids`: the sampled activities, whose attached files the reviewer may
    read) and when the professional answers a request for more information with files (`evidence_ids`: those
    files). Grants add up per case; they are never revoked (a reviewer may look back at a concluded case).
    """

    wire_name: ClassVar[str] = "audit.EvidenceAccessGranted"

    case_id: uuid.UUID
    dossier_id: uuid.UUID
    person_id: uuid.UUID
    reviewer_id: uuid.UUID
    activity_ids: list[uuid.UUID] = []
    evidence_ids: list[uuid.UUID] = []
    granted_on: date | None = None


# ---------------------------------------------------------------------------------------------------------------
# Request/reply with the gateway, on `<prefix>.audit.rpc`.
#
# The gateway authenticates and passes who asks: `reviewer_id` is the signed-in assessment-committee member's
# account id, `person_id` the signed-in professional. RegisterReviewer and ListReviewers are for the office only
# (the gateway enforces the role); GetAuditStatistics is public and anonymised. Business errors come back as
# RpcError with a 4xx status and a reason code (see services/audit/README.md). Points are decimals as strings.
# ---------------------------------------------------------------------------------------------------------------


class RegisterReviewer(Command["ReviewerView"]):
    """Command (office): add a member of the assessment committee, or update one (same `reviewer_id`).

    `employer_id` and `person_id` (when the reviewer is a registered professional) drive the conflict-of-interest
    rules. `active` False stops new assignments (open cases stay with the reviewer). Cases waiting for a reviewer
    are assigned right away. Reply: ReviewerView.
    """

    wire_name: ClassVar[str] = "audit.RegisterReviewer"
    access: ClassVar[Access] = staff({"office"})

    reviewer_id: uuid.UUID
    person_id: uuid.UUID | None = None
    employer_id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    active: bool = True


class ReviewerView(Reply):
    """A reviewer with the number of open cases assigned to them (their load)."""

    wire_name: ClassVar[str] = "audit.ReviewerView"

    reviewer_id: uuid.UUID
    person_id: uuid.UUID | None = None
    employer_id: str
    name: str
    active: bool
    open_cases: int = 0


class ListReviewers(Query["ReviewerList"]):
    """Query (office): every reviewer with their load. Reply: ReviewerList."""

    wire_name: ClassVar[str] = "audit.ListReviewers"
    access: ClassVar[Access] = staff({"office"})


class ReviewerList(Reply):
    """Reply to ListReviewers; `unassigned_cases` counts sampled dossiers still waiting for an eligible reviewer."""

    wire_name: ClassVar[str] = "audit.ReviewerList"

    reviewers: list[ReviewerView]
    unassigned_cases: int = 0


CaseStatusName = Literal["unassigned", "open", "awaiting_correction", "concluded"]


class CaseSummary(Message):
    """One line of a reviewer's case list (nested value). `pending` counts sampled activities without a final
    judgement; `next_information_deadline` is the earliest open question's deadline."""

    case_id: uuid.UUID
    dossier_id: uuid.UUID
    registration_number: str
    status: CaseStatusName
    assigned_at: datetime | None = None
    activity_count: int
    pending: int
    next_information_deadline: date | None = None
    outcome: OutcomeName | None = None


class ListMyCases(Query["CaseList"]):
    """Query (reviewer): the cases assigned to `reviewer_id`, open ones first; `include_closed` adds the
    concluded ones. Reply: CaseList."""

    wire_name: ClassVar[str] = "audit.ListMyCases"
    access: ClassVar[Access] = staff({"assessment_committee"}, "reviewer_id")

    reviewer_id: uuid.UUID
    include_closed: bool = False


class CaseList(Reply):
    """Reply to ListMyCases."""

    wire_name: ClassVar[str] = "audit.CaseList"

    cases: list[CaseSummary]


class CaseEvidence(Message):
    """An evidence file of a sampled activity (nested value); the bytes are read from the portfolio."""

    evidence_id: uuid.UUID
    filename: str
    file_type: str
    size_bytes: int


class InformationAnswerView(Message):
    """The professional's answer to a request for more information (nested value)."""

    text: str
    evidence_ids: list[uuid.UUID] = []
    answered_at: datetime


class CaseActivityView(Message):
    """A sampled activity with its current judgement (nested value).

    `judgement` None → not judged yet. For more_information_needed, `reason` is the question and
    `information_deadline` the last day to answer; `answers` are what the professional sent since.
    """

    activity_id: uuid.UUID
    category: Literal["A1", "A2"]
    activity_type: str
    title: str
    description: str
    points: Decimal
    completion_date: date
    evidence: list[CaseEvidence] = []
    judgement: VerdictName | None = None
    reason: str = ""
    judged_on: date | None = None
    information_deadline: date | None = None
    answers: list[InformationAnswerView] = []


class GetCase(Query["CaseView"]):
    """Query (reviewer): one case with its sampled activities. Only the assigned reviewer may read it (403
    not_assigned; 404 case_not_found). Reply: CaseView."""

    wire_name: ClassVar[str] = "audit.GetCase"
    access: ClassVar[Access] = staff({"assessment_committee"}, "reviewer_id")

    case_id: uuid.UUID
    reviewer_id: uuid.UUID


class CaseView(Reply):
    """A review case: the dossier's totals against its norm, the sampled activities and the outcome once known."""

    wire_name: ClassVar[str] = "audit.CaseView"

    case_id: uuid.UUID
    dossier_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    status: CaseStatusName
    round: int
    total_points: Decimal
    accredited_points: Decimal
    a2_points: Decimal
    min_total_points: Decimal
    min_accredited_points: Decimal
    min_a2_points: Decimal
    activities: list[CaseActivityView]
    outcome: OutcomeName | None = None
    correction_deadline: date | None = None
    # Added with the dossier checks: the automatic review checks on the dossier's current round, the same rules
    # as the professional's self-check before applying (None for rounds received before them).
    automatic_check: DossierCheck | None = None


class JudgeActivity(Command[CaseView]):
    """Command (reviewer): judge one sampled activity of an open case assigned to `reviewer_id`.

    `reason` is required for rejected (shown to the professional) and is the question for
    more_information_needed (the answer is due in the scheme's `more_info_answer_days`, 21). A later judgement
    of the same activity replaces the earlier one while the case is open. When every sampled activity has a
    final judgement the dossier is concluded (AuditConcluded). Emits ActivityJudged. Refusals: 403 not_assigned;
    404 case_not_found, activity_not_in_case; 409 case_not_open; 422 reason_required, question_required.
    Reply: CaseView.
    """

    wire_name: ClassVar[str] = "audit.JudgeActivity"
    access: ClassVar[Access] = staff({"assessment_committee"}, "reviewer_id")

    case_id: uuid.UUID
    activity_id: uuid.UUID
    reviewer_id: uuid.UUID
    verdict: VerdictName
    reason: str = Field(default="", max_length=4000)


class InformationRequestView(Message):
    """A question a reviewer asked the professional (nested value)."""

    case_id: uuid.UUID
    dossier_id: uuid.UUID
    activity_id: uuid.UUID
    activity_title: str
    question: str
    asked_on: date
    deadline: date
    answered: bool


class ListInformationRequests(Query["InformationRequestList"]):
    """Query (professional): the open requests for more information about the person's dossiers (those not yet
    judged finally; answered ones stay listed until the reviewer decides). Reply: InformationRequestList."""

    wire_name: ClassVar[str] = "audit.ListInformationRequests"
    access: ClassVar[Access] = signed_in("person_id")

    person_id: uuid.UUID


class InformationRequestList(Reply):
    """Reply to ListInformationRequests."""

    wire_name: ClassVar[str] = "audit.InformationRequestList"

    requests: list[InformationRequestView]


class AnswerInformationRequest(Command["InformationAnswered"]):
    """Command (professional): answer a request for more information before its deadline, with text and the ids
    of evidence files uploaded to the portfolio. Refusals: 404 case_not_found (also for someone else's case),
    activity_not_in_case; 409 no_open_question, deadline_passed; 422 answer_required. Reply: InformationAnswered.
    """

    wire_name: ClassVar[str] = "audit.AnswerInformationRequest"
    access: ClassVar[Access] = signed_in("person_id")
    # A retried form uploads its file again, under a new id.
    fingerprint_ignores: ClassVar[frozenset[str]] = frozenset({"origin", "client_ip", "evidence_ids"})

    person_id: uuid.UUID
    case_id: uuid.UUID
    activity_id: uuid.UUID
    text: str = Field(default="", max_length=8000)
    evidence_ids: list[uuid.UUID] = Field(default=[], max_length=20)


class InformationAnswered(Reply):
    """Reply to AnswerInformationRequest."""

    wire_name: ClassVar[str] = "audit.InformationAnswered"

    case_id: uuid.UUID
    activity_id: uuid.UUID
    answered_at: datetime


class GetAuditStatistics(Query["AuditStatistics"]):
    """Query (public): anonymised audit figures per year of application; `year` None → every year. Reply:
    AuditStatistics."""

    wire_name: ClassVar[str] = "audit.GetAuditStatistics"
    access: ClassVar[Access] = PUBLIC

    year: int | None = None


class AuditYearStatistics(Message):
    """Figures of one year (nested value). `returned` counts dossiers ever returned for correction (they end
    met or not met too); `in_progress` those without a final outcome yet."""

    year: int
    dossiers: int
    sampled: int
    met: int
    returned: int
    not_met: int
    in_progress: int


class AuditStatistics(Reply):
    """Reply to GetAuditStatistics, oldest year first."""

    wire_name: ClassVar[str] = "audit.AuditStatistics"

    years: list[AuditYearStatistics]


# --- A person's own data ("download all my data") --------------------------------------------------------------


class ExportPersonData(Query["PersonDataExport"]):
    """Query: everything the audit holds about one person, for their own data download (the gateway passes the
    signed-in professional's person id). Reviewers' identities are not part of it. Reply: PersonDataExport."""

    wire_name: ClassVar[str] = "audit.ExportPersonData"
    access: ClassVar[Access] = signed_in("person_id")

    person_id: uuid.UUID


class ExportedJudgement(Message):
    """A judgement of one of the person's sampled activities, or their answer to a question (nested value)."""

    activity_id: uuid.UUID
    activity_title: str
    verdict: str
    reason: str
    judged_on: date
    information_deadline: date | None = None


class ExportedAnswer(Message):
    """The person's answer to a request for more information (nested value)."""

    activity_id: uuid.UUID
    text: str
    evidence_ids: list[uuid.UUID] = []
    answered_at: datetime


class ExportedDossier(Message):
    """A dossier of the person as the audit knows it: sampling, outcome and the review of it (nested value)."""

    dossier_id: uuid.UUID
    cycle_id: uuid.UUID
    applied_on: date
    round: int
    total_points: Decimal
    accredited_points: Decimal
    a2_points: Decimal
    sampled: bool
    exemption_reason: str | None = None
    status: str
    outcome: str | None = None
    was_returned: bool
    correction_deadline: date | None = None
    concluded_on: date | None = None
    judgements: list[ExportedJudgement] = []
    answers: list[ExportedAnswer] = []


class PersonDataExport(Reply):
    """Reply to ExportPersonData: the person's dossiers, oldest first."""

    wire_name: ClassVar[str] = "audit.PersonDataExport"

    person_id: uuid.UUID
    dossiers: list[ExportedDossier]
