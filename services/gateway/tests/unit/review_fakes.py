"""An in-memory audit and portfolio for the re-registration and review pages' unit tests, on top of the
fake registry (accounts, sessions, registrations). They answer with the real contracts, codes and statuses, and
keep what the gateway asked, so tests can check which account a request acts for.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from lklr_shared.contracts import audit as a
from lklr_shared.contracts import portfolio as p
from lklr_shared.contracts import registry as c
from lklr_shared.contracts.base import Message
from lklr_shared.errors import RpcError

from .registry_fake import NOW, FakeRegistry
from .request_log_fake import FirstReplies

PDF = b"%PDF-1.4\n" + b"x" * 300_000 + b"\n%%EOF\n"


def case_view(case_id: uuid.UUID, activity_id: uuid.UUID, evidence_id: uuid.UUID) -> a.CaseView:
    return a.CaseView(
        case_id=case_id,
        dossier_id=uuid.uuid4(),
        registration_number="0000013",
        cycle_id=uuid.uuid4(),
        status="open",
        round=1,
        total_points=Decimal("140"),
        accredited_points=Decimal("100"),
        a2_points=Decimal("40"),
        min_total_points=Decimal("120"),
        min_accredited_points=Decimal("80"),
        min_a2_points=Decimal("20"),
        activities=[
            a.CaseActivityView(
                activity_id=activity_id,
                category="A1",
                activity_type="course",
                title="Cursus motiverende gespreksvoering",
                description="Tweedaagse cursus",
                points=Decimal("12"),
                completion_date=date(2029, 3, 1),
                evidence=[
                    a.CaseEvidence(
                        evidence_id=evidence_id, filename="certificaat.pdf", file_type="pdf", size_bytes=len(PDF)
                    )
                ],
            )
        ],
    )


@dataclass
class ReviewWorld(FakeRegistry):
    """The fake registry plus a fake audit (one case) and a fake portfolio (one person's dossier and evidence)."""

    cases: dict[uuid.UUID, tuple[uuid.UUID, a.CaseView]] = field(default_factory=dict)
    evidence: dict[uuid.UUID, tuple[uuid.UUID, bytes]] = field(default_factory=dict)
    dossier: p.DossierView | None = None
    information_requests: list[a.InformationRequestView] = field(default_factory=list)
    reregistrations: list[c.ReregistrationView] = field(default_factory=list)
    statistics: list[a.AuditYearStatistics] = field(default_factory=list)
    window: tuple[date, date] = (date(2029, 12, 1), date(2030, 5, 31))
    norm_met: bool = True
    self_check: p.DossierCheck = field(
        default_factory=lambda: p.DossierCheck(
            passed=True, findings=[], self_entered_count=2, flagged_self_entered_count=0, sample_flag_share=Decimal(0)
        )
    )
    uploads: dict[uuid.UUID, bytearray] = field(default_factory=dict)
    # Every request with the request id it was sent with.
    sent_with_ids: list[tuple[Message, str | None]] = field(default_factory=list)
    first_replies: FirstReplies = field(default_factory=FirstReplies)

    def request_ids_of(self, kind: type[Message]) -> list[str | None]:
        """The request ids the requests of ``kind`` were sent with, in order."""
        return [request_id for request, request_id in self.sent_with_ids if isinstance(request, kind)]

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        self.sent_with_ids.append((request, request_id))
        return await self.first_replies.once(request_id, lambda: self._answer(service, request, timeout))

    async def _answer(self, service: str, request: Message, timeout: float | None) -> Message:
        if service in {"audit", "portfolio"} and type(request) not in self.overrides:
            self.requests.append(request)
            handler = getattr(self, f"_{service}_{type(request).__name__}", None)
            if handler is None:
                raise AssertionError(f"the fake {service} does not answer {request.wire_name}")
            reply: Message = handler(request)
            return reply
        return await super().call(service, request, timeout=timeout)

    # --- registry (office) ------------------------------------------------------------------------------------

    def _ListReregistrations(self, request: c.ListReregistrations) -> c.Reregistrations:
        self._office(request.actor_account_id)
        return c.Reregistrations(applications=self.reregistrations)

    def _RefuseCycleExtension(self, request: c.RefuseCycleExtension) -> c.CycleExtensionRefused:
        self._office(request.actor_account_id)
        return c.CycleExtensionRefused(
            registration_number=request.registration_number, refusal_id=uuid.uuid4(), decided_on=date(2030, 1, 20)
        )

    def _ExtendCycle(self, request: c.ExtendCycle) -> c.CycleExtensionRecorded:
        self._office(request.actor_account_id)
        if request.weeks > 16:
            raise RpcError("extension_limit_exceeded", "at most 16 weeks per case", 422)
        cycle = c.CycleView(
            cycle_id=uuid.uuid4(),
            sequence=1,
            starts_on=date(2025, 6, 1),
            ends_on=date(2030, 7, 31),
            scheme_version="2018.1",
        )
        return c.CycleExtensionRecorded(
            registration_number=request.registration_number,
            cycle=cycle,
            case_reference=request.case_reference,
            weeks_granted_for_case=request.weeks,
            max_weeks_per_case=16,
        )

    def _office(self, account_id: uuid.UUID) -> None:
        if "office" not in self.by_id(account_id).roles:
            raise RpcError("forbidden", "office only", 403)

    # --- audit ------------------------------------------------------------------------------------------------

    def _assigned(self, case_id: uuid.UUID, reviewer_id: uuid.UUID) -> a.CaseView:
        found = self.cases.get(case_id)
        if found is None:
            raise RpcError("case_not_found", "no such case", 404)
        if found[0] != reviewer_id:
            raise RpcError("not_assigned", "not your case", 403)
        return found[1]

    def _audit_ListMyCases(self, request: a.ListMyCases) -> a.CaseList:
        return a.CaseList(
            cases=[
                a.CaseSummary(
                    case_id=view.case_id,
                    dossier_id=view.dossier_id,
                    registration_number=view.registration_number,
                    status=view.status,
                    assigned_at=NOW,
                    activity_count=len(view.activities),
                    pending=sum(1 for activity in view.activities if activity.judgement is None),
                )
                for reviewer, view in self.cases.values()
                if reviewer == request.reviewer_id
            ]
        )

    def _audit_GetCase(self, request: a.GetCase) -> a.CaseView:
        return self._assigned(request.case_id, request.reviewer_id)

    def _audit_JudgeActivity(self, request: a.JudgeActivity) -> a.CaseView:
        view = self._assigned(request.case_id, request.reviewer_id)
        if request.verdict == "rejected" and not request.reason.strip():
            raise RpcError("reason_required", "a rejection needs a reason", 422)
        activities = [
            activity.model_copy(
                update={"judgement": request.verdict, "reason": request.reason, "judged_on": date(2029, 12, 5)}
            )
            if activity.activity_id == request.activity_id
            else activity
            for activity in view.activities
        ]
        updated = view.model_copy(update={"activities": activities})
        self.cases[request.case_id] = (request.reviewer_id, updated)
        return updated

    def _audit_ListInformationRequests(self, request: a.ListInformationRequests) -> a.InformationRequestList:
        return a.InformationRequestList(requests=self.information_requests)

    def _audit_AnswerInformationRequest(self, request: a.AnswerInformationRequest) -> a.InformationAnswered:
        if not any(r.case_id == request.case_id for r in self.information_requests):
            raise RpcError("case_not_found", "no such case for this person", 404)
        return a.InformationAnswered(case_id=request.case_id, activity_id=request.activity_id, answered_at=NOW)

    def _audit_GetAuditStatistics(self, request: a.GetAuditStatistics) -> a.AuditStatistics:
        return a.AuditStatistics(years=self.statistics)

    # --- portfolio --------------------------------------------------------------------------------------------

    def _portfolio_ReadReviewEvidenceChunk(self, request: p.ReadReviewEvidenceChunk) -> p.EvidenceChunk:
        found = self.cases.get(request.case_id)
        stored = self.evidence.get(request.evidence_id)
        if found is None or stored is None or found[0] != request.reviewer_id or request.actor.role != "reviewer":
            raise RpcError("evidence_not_found", "no such evidence file", 404)
        data = stored[1]
        chunk = data[request.offset : request.offset + (request.length or 256 * 1024)]
        end = request.offset + len(chunk)
        return p.EvidenceChunk(
            evidence=self._file(request.evidence_id, data),
            offset=request.offset,
            data=base64.b64encode(chunk).decode("ascii"),
            next_offset=end if end < len(data) else None,
        )

    @staticmethod
    def _file(evidence_id: uuid.UUID, data: bytes, filename: str = "certificaat.pdf") -> p.EvidenceFile:
        return p.EvidenceFile(
            evidence_id=evidence_id,
            filename=filename,
            file_type="pdf",
            content_type="application/pdf",
            size_bytes=len(data),
            sha256="0" * 64,
            stored_at=NOW,
        )

    def _owner(self, request: Any) -> None:
        if request.actor.person_id != request.person_id:
            raise RpcError("not_owner", "only the owner", 403)

    def _portfolio_GetDossier(self, request: p.GetDossier) -> p.DossierView:
        self._owner(request)
        if self.dossier is None or self.dossier.person_id != request.person_id:
            raise RpcError("dossier_not_found", "no dossier", 404)
        return self.dossier

    def _portfolio_GetPortfolio(self, request: p.GetPortfolio) -> p.Portfolio:
        self._owner(request)
        registration = self.registrations[request.person_id]
        cycle = registration.current_cycle
        assert cycle is not None
        missing = Decimal(0) if self.norm_met else Decimal(30)
        return p.Portfolio(
            person_id=request.person_id,
            registration_number=registration.registration_number,
            name=registration.surname,
            registered_since=registration.registered_since,
            generated_at=datetime(2029, 12, 10, tzinfo=UTC),
            cycle=p.CycleSummary(
                cycle_id=cycle.cycle_id,
                sequence=cycle.sequence,
                starts_on=cycle.starts_on,
                ends_on=cycle.ends_on,
                scheme_version=cycle.scheme_version,
            ),
            progress=p.NormProgress(
                scheme_version=cycle.scheme_version,
                met=self.norm_met,
                constraints=[
                    p.ConstraintProgressView(
                        constraint="total",
                        label="Totaal",
                        earned=Decimal(150) - missing,
                        minimum=Decimal(150),
                        missing=missing,
                        met=self.norm_met,
                    )
                ],
                min_additional_points=missing,
                days_left=170,
                buffer_points=Decimal(0),
                at_risk_points=Decimal(0),
                disputed_points=Decimal(0),
            ),
            reregistration_opens_on=self.window[0],
            reregistration_closes_on=self.window[1],
        )

    def _portfolio_SelfCheckDossier(self, request: p.SelfCheckDossier) -> p.SelfCheckResult:
        self._owner(request)
        cycle = self.registrations[request.person_id].current_cycle
        assert cycle is not None
        return p.SelfCheckResult(
            cycle_id=cycle.cycle_id, cycle_starts_on=cycle.starts_on, cycle_ends_on=cycle.ends_on, check=self.self_check
        )

    def _portfolio_ApplyForReregistration(self, request: p.ApplyForReregistration) -> p.DossierView:
        self._owner(request)
        if not self.norm_met:
            raise RpcError("norm_not_met", "30 points missing in total", 422)
        self.dossier = self._dossier(request.person_id, "frozen")
        return self.dossier

    def _portfolio_ResubmitDossier(self, request: p.ResubmitDossier) -> p.DossierView:
        self._owner(request)
        if self.dossier is None or self.dossier.status != "returned_for_correction":
            raise RpcError("not_returned_for_correction", "not returned", 409)
        self.dossier = self.dossier.model_copy(update={"status": "frozen", "round": 2})
        return self.dossier

    def _dossier(self, person_id: uuid.UUID, status: p.DossierStatusName, **extra: Any) -> p.DossierView:
        cycle = self.registrations[person_id].current_cycle
        assert cycle is not None
        values: dict[str, Any] = {
            "dossier_id": uuid.uuid4(),
            "person_id": person_id,
            "cycle_id": cycle.cycle_id,
            "round": 1,
            "status": status,
            "applied_on": date(2029, 12, 10),
            "frozen_at": datetime(2029, 12, 10, tzinfo=UTC),
            "total_points": Decimal(150),
            "accredited_points": Decimal(100),
            "a2_points": Decimal(50),
            "norm_met": True,
        }
        return p.DossierView(**(values | extra))

    def _portfolio_BeginEvidenceUpload(self, request: p.BeginEvidenceUpload) -> p.EvidenceUploadStarted:
        self._owner(request)
        upload_id = uuid.uuid4()
        self.uploads[upload_id] = bytearray()
        return p.EvidenceUploadStarted(upload_id=upload_id, max_bytes=10 * 1024 * 1024, max_chunk_bytes=256 * 1024)

    def _portfolio_AppendEvidenceChunk(self, request: p.AppendEvidenceChunk) -> p.EvidenceChunkAccepted:
        self._owner(request)
        self.uploads[request.upload_id] += base64.b64decode(request.data)
        return p.EvidenceChunkAccepted(
            upload_id=request.upload_id, seq=request.seq, received_bytes=len(self.uploads[request.upload_id])
        )

    def _portfolio_CompleteEvidenceUpload(self, request: p.CompleteEvidenceUpload) -> p.EvidenceStored:
        self._owner(request)
        data = bytes(self.uploads[request.upload_id])
        evidence_id = uuid.uuid4()
        self.evidence[evidence_id] = (request.person_id, data)
        return p.EvidenceStored(evidence=self._file(evidence_id, data, "antwoord.pdf"))
