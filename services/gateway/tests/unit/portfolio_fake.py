"""A small in-memory portfolio service for the gateway's unit tests, beside the fake registry: one caller that
answers the registry's contracts with `FakeRegistry` and the portfolio's with `FakePortfolio`.

The fake keeps activities, uploads (judged per chunk like the service: magic bytes on the first chunk, 10 MiB
over all of them) and evidence, and records every chunk it received, so tests can see that the gateway streamed a
file in chunks rather than sending it whole. It proves the gateway's part; the portfolio's own rules are tested
in the portfolio service and end to end.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from lklr_shared.contracts import portfolio as p
from lklr_shared.contracts.base import Message
from lklr_shared.errors import RpcError

from .registry_fake import NOW, FakeAccount, FakeRegistry

MAX_BYTES = 10 * 1024 * 1024
CHUNK = 256 * 1024
A2_POINTS = {"collegial_feedback": Decimal(5), "intervision": Decimal(2), "presentation": Decimal(5)}
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _kind(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


@dataclass
class Upload:
    person_id: uuid.UUID
    filename: str
    data: bytearray = field(default_factory=bytearray)
    file_type: str | None = None
    status: str = "open"
    chunks: list[int] = field(default_factory=list)


@dataclass
class FakePortfolio:
    registry: FakeRegistry
    activities: dict[uuid.UUID, p.PortfolioActivity] = field(default_factory=dict)
    owners: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    history: dict[uuid.UUID, list[p.ActivityVersionView]] = field(default_factory=dict)
    uploads: dict[uuid.UUID, Upload] = field(default_factory=dict)
    evidence: dict[uuid.UUID, tuple[p.EvidenceFile, bytes]] = field(default_factory=dict)
    last_seen: dict[uuid.UUID, datetime] = field(default_factory=dict)
    clock: datetime = NOW
    today: date = field(default_factory=NOW.date)
    requests: list[Message] = field(default_factory=list)
    # Like the service's storage quota: stored files plus open uploads of one person (None: no quota).
    quota_bytes: int | None = None

    # --- set-up helpers ---------------------------------------------------------------------------------------

    def place(
        self, account: FakeAccount, *, title: str = "Motiverende gespreksvoering", points: str = "8", days_ago: int = 5
    ) -> p.PortfolioActivity:
        """A provider-placed entry, recorded now (so new until the person's next visit)."""
        self.clock += timedelta(seconds=1)
        activity = p.PortfolioActivity(
            activity_id=uuid.uuid4(),
            version=1,
            source="provider_placed",
            category="A1",
            activity_type="course",
            title=title,
            description="",
            completion_date=self.today - timedelta(days=days_ago),
            points=Decimal(points),
            accredited=True,
            state="placed",
            counts=True,
            provider_id=uuid.uuid4(),
            provider_name="Kenniscentrum Leerplicht",
            attendance_id=uuid.uuid4(),
            recorded_at=self.clock,
            updated_at=self.clock,
        )
        self._store(account.account_id, activity, "recorded", "provider", "")
        return activity

    def chunk_sizes(self) -> list[int]:
        return [size for upload in self.uploads.values() for size in upload.chunks]

    def of(self, kind: type[Message]) -> list[Any]:
        return [request for request in self.requests if isinstance(request, kind)]

    # --- the service ------------------------------------------------------------------------------------------

    def _store(self, person_id: uuid.UUID, activity: p.PortfolioActivity, change: str, actor: str, reason: str) -> None:
        self.activities[activity.activity_id] = activity
        self.owners[activity.activity_id] = person_id
        self.history.setdefault(activity.activity_id, []).append(
            p.ActivityVersionView(
                version=activity.version,
                changed_at=self.clock,
                actor_kind=actor,
                actor_id=str(person_id),
                origin="test",
                change=change,
                reason=reason,
                state=activity.state,
                points=activity.points,
                snapshot={"title": activity.title},
            )
        )

    def _owner(self, request: Any) -> uuid.UUID:
        if request.actor.person_id != request.person_id:
            raise RpcError("not_owner", "only the owner", 403)
        if request.person_id not in self.registry.registrations:
            raise RpcError("not_registered", "no such registered person", 404)
        return uuid.UUID(str(request.person_id))

    def _activity(self, person_id: uuid.UUID, activity_id: uuid.UUID) -> p.PortfolioActivity:
        if self.owners.get(activity_id) != person_id:
            raise RpcError("activity_not_found", "no such activity in this portfolio", 404)
        return self.view(person_id, self.activities[activity_id])

    def view(self, person_id: uuid.UUID, activity: p.PortfolioActivity) -> p.PortfolioActivity:
        seen = self.last_seen.get(person_id)
        new = activity.source != "self_entered" and (seen is None or activity.recorded_at > seen)
        return activity.model_copy(
            update={
                "is_new": new,
                "awaiting_check": activity.state == "placed",
                "check_deadline": activity.completion_date + timedelta(days=30) if activity.state == "placed" else None,
                "editable": activity.source == "self_entered" and activity.state == "to_be_checked",
                "counts": activity.state not in ("disputed", "voided", "rejected"),
                "exclusion": activity.state if activity.state in ("disputed", "voided", "rejected") else None,
            }
        )

    async def answer(self, request: Message) -> Message:
        self.requests.append(request)
        handler = getattr(self, f"_{type(request).__name__}", None)
        if handler is None:
            raise AssertionError(f"the fake portfolio does not answer {request.wire_name}")
        reply: Message = handler(request)
        return reply

    def _progress(self, activities: list[p.PortfolioActivity]) -> p.NormProgress:
        counting = [a for a in activities if a.counts]
        total = sum((a.points for a in counting), Decimal(0))
        accredited = sum((a.points for a in counting if a.accredited), Decimal(0))
        a2 = sum((a.points for a in counting if a.category == "A2"), Decimal(0))
        at_risk = sum((a.points for a in counting if a.state == "to_be_checked"), Decimal(0))
        constraints = [
            p.ConstraintProgressView(
                constraint=kind,
                label=label,
                earned=earned,
                minimum=minimum,
                missing=max(Decimal(0), minimum - earned),
                met=earned >= minimum,
            )
            for kind, label, earned, minimum in (
                ("total", "Totaal", total, Decimal(160)),
                ("accredited", "Geaccrediteerd", accredited, Decimal(40)),
                ("a2", "A2", a2, Decimal(40)),
            )
        ]
        return p.NormProgress(
            scheme_version="2018.1",
            met=all(c.met for c in constraints),
            constraints=constraints,
            min_additional_points=max(c.missing for c in constraints),
            days_left=1825,
            buffer_points=Decimal(0),
            at_risk_points=at_risk,
            disputed_points=sum((a.points for a in activities if a.state == "disputed"), Decimal(0)),
        )

    def _GetPortfolio(self, request: p.GetPortfolio) -> p.Portfolio:
        person_id = self._owner(request)
        registration = self.registry.registrations[person_id]
        cycle = registration.current_cycle
        assert cycle is not None
        summary = p.CycleSummary(
            cycle_id=cycle.cycle_id,
            sequence=cycle.sequence,
            starts_on=cycle.starts_on,
            ends_on=cycle.ends_on,
            scheme_version=cycle.scheme_version,
        )
        activities = [self.view(person_id, a) for a_id, a in self.activities.items() if self.owners[a_id] == person_id]
        activities.sort(key=lambda a: (a.completion_date, a.recorded_at), reverse=True)
        progress = self._progress(activities)
        total = progress.constraints[0].earned
        return p.Portfolio(
            person_id=person_id,
            registration_number=registration.registration_number,
            name=f"{registration.initials} {registration.surname}",
            registered_since=registration.registered_since,
            generated_at=self.clock,
            last_seen_at=self.last_seen.get(person_id),
            cycle=summary,
            cycles=[summary],
            progress=progress,
            activities=activities,
            new_count=sum(1 for a in activities if a.is_new),
            awaiting_check_count=sum(1 for a in activities if a.awaiting_check),
            progress_svg=f'<svg role="img" data-total="{total}"><title>Voortgang</title></svg>'
            if request.include_svg
            else "",
            timeline_svg='<svg role="img"><title>Punten per jaar</title></svg>' if request.include_svg else "",
        )

    def _priced(self, entry: p.ActivityInput) -> tuple[str, Decimal]:
        if entry.completion_date > self.today:
            raise RpcError("completion_in_future", "an activity can only be entered once it is completed", 422)
        if entry.category == "A1":
            if entry.a2_type or entry.quantity:
                raise RpcError("fields_not_for_a1", "an A1 course has study-load hours", 422)
            if entry.study_load_hours is None:
                raise RpcError("study_load_hours_required", "an A1 course needs its study-load hours", 422)
            return "course", entry.study_load_hours
        if entry.study_load_hours is not None:
            raise RpcError("fields_not_for_a2", "an A2 activity has a type and a quantity", 422)
        if not entry.a2_type:
            raise RpcError("a2_type_required", "an A2 activity needs its type", 422)
        if entry.quantity is None:
            raise RpcError("quantity_required", "an A2 activity needs a quantity", 422)
        if entry.a2_type not in A2_POINTS:
            raise RpcError("unknown_a2_type", f"no A2 activity type {entry.a2_type!r}", 422)
        return entry.a2_type, A2_POINTS[entry.a2_type] * entry.quantity

    def _attach(self, person_id: uuid.UUID, ids: list[uuid.UUID], activity_id: uuid.UUID) -> list[p.EvidenceFile]:
        files = []
        for evidence_id in ids:
            stored = self.evidence.get(evidence_id)
            if stored is None or self.uploads[evidence_id].person_id != person_id:
                raise RpcError("evidence_not_found", "one of the evidence files does not exist or is not yours", 404)
            files.append(stored[0].model_copy(update={"activity_id": activity_id}))
            self.evidence[evidence_id] = (files[-1], stored[1])
        return files

    def _RecordActivity(self, request: p.RecordActivity) -> p.ActivitySaved:
        person_id = self._owner(request)
        activity_type, points = self._priced(request.activity)
        self.clock += timedelta(seconds=1)
        activity_id = uuid.uuid4()
        entry = request.activity
        activity = p.PortfolioActivity(
            activity_id=activity_id,
            version=1,
            source="self_entered",
            category=entry.category,
            activity_type=activity_type,
            title=entry.title,
            description=entry.description,
            completion_date=entry.completion_date,
            points=points,
            accredited=False,
            state="to_be_checked",
            counts=True,
            study_load_hours=entry.study_load_hours,
            quantity=entry.quantity,
            hours_per_unit=entry.hours_per_unit,
            evidence=self._attach(person_id, request.evidence_ids, activity_id),
            recorded_at=self.clock,
            updated_at=self.clock,
        )
        self._store(person_id, activity, "recorded", "person", "")
        return p.ActivitySaved(activity=self.view(person_id, activity))

    def _EditActivity(self, request: p.EditActivity) -> p.ActivitySaved:
        person_id = self._owner(request)
        current = self._activity(person_id, request.activity_id)
        if not current.editable:
            raise RpcError("not_editable", "only unchecked self-entered entries", 409)
        if request.expected_version != current.version:
            raise RpcError("stale_version", "changed meanwhile", 409)
        activity_type, points = self._priced(request.activity)
        self.clock += timedelta(seconds=1)
        entry = request.activity
        changed = current.model_copy(
            update={
                "version": current.version + 1,
                "category": entry.category,
                "activity_type": activity_type,
                "title": entry.title,
                "description": entry.description,
                "completion_date": entry.completion_date,
                "points": points,
                "study_load_hours": entry.study_load_hours,
                "quantity": entry.quantity,
                "evidence": current.evidence
                if request.evidence_ids is None
                else self._attach(person_id, request.evidence_ids, current.activity_id),
                "updated_at": self.clock,
            }
        )
        self._store(person_id, changed, "edited", "person", request.reason)
        return p.ActivitySaved(activity=self.view(person_id, changed))

    def _check(self, request: Any, state: str, reason: str) -> p.ActivitySaved:
        person_id = self._owner(request)
        current = self._activity(person_id, request.activity_id)
        if current.source != "provider_placed":
            raise RpcError("not_provider_placed", "only provider-placed entries are checked", 409)
        if current.state != "placed":
            raise RpcError(f"already_{current.state}", f"the entry is {current.state} already", 409)
        self.clock += timedelta(seconds=1)
        changed = current.model_copy(
            update={"version": current.version + 1, "state": state, "state_reason": reason, "updated_at": self.clock}
        )
        self._store(person_id, changed, state, "person", reason)
        return p.ActivitySaved(activity=self.view(person_id, changed))

    def _ConfirmActivity(self, request: p.ConfirmActivity) -> p.ActivitySaved:
        return self._check(request, "confirmed", "")

    def _DisputeActivity(self, request: p.DisputeActivity) -> p.ActivitySaved:
        return self._check(request, "disputed", request.reason)

    def _MarkPortfolioSeen(self, request: p.MarkPortfolioSeen) -> p.PortfolioSeen:
        person_id = self._owner(request)
        seen = request.seen_up_to or self.clock
        self.last_seen[person_id] = max(seen, self.last_seen.get(person_id, seen))
        return p.PortfolioSeen(last_seen_at=self.last_seen[person_id])

    def _GetActivityHistory(self, request: p.GetActivityHistory) -> p.ActivityHistory:
        person_id = self._owner(request)
        self._activity(person_id, request.activity_id)
        return p.ActivityHistory(activity_id=request.activity_id, versions=self.history[request.activity_id])

    def _BeginEvidenceUpload(self, request: p.BeginEvidenceUpload) -> p.EvidenceUploadStarted:
        person_id = self._owner(request)
        if request.declared_size is not None and request.declared_size > MAX_BYTES:
            raise RpcError("evidence_too_large", "the file is larger than the maximum", 413)
        upload_id = uuid.uuid4()
        self.uploads[upload_id] = Upload(person_id, request.filename)
        return p.EvidenceUploadStarted(upload_id=upload_id, max_bytes=MAX_BYTES, max_chunk_bytes=CHUNK)

    def _open(self, request: Any) -> Upload:
        person_id = self._owner(request)
        upload = self.uploads.get(request.upload_id)
        if upload is None or upload.person_id != person_id:
            raise RpcError("upload_not_found", "no such upload", 404)
        if upload.status != "open":
            raise RpcError("upload_closed", f"this upload is {upload.status}", 409)
        return upload

    def _bytes_in_use(self, person_id: uuid.UUID) -> int:
        # A stored file keeps its upload's id, and the upload says whose it is.
        mine = {upload_id for upload_id, upload in self.uploads.items() if upload.person_id == person_id}
        stored = sum(len(data) for evidence_id, (_file, data) in self.evidence.items() if evidence_id in mine)
        pending = sum(
            len(self.uploads[upload_id].data) for upload_id in mine if self.uploads[upload_id].status == "open"
        )
        return stored + pending

    def _AppendEvidenceChunk(self, request: p.AppendEvidenceChunk) -> p.EvidenceChunkAccepted:
        upload = self._open(request)
        data = base64.b64decode(request.data)
        assert len(data) <= CHUNK, "a chunk larger than the service accepts"
        if self.quota_bytes is not None and self._bytes_in_use(upload.person_id) + len(data) > self.quota_bytes:
            upload.status = "aborted"
            raise RpcError("storage_quota_exceeded", "your evidence would exceed your storage quota", 413)
        upload.chunks.append(len(data))
        if not upload.data:
            upload.file_type = _kind(data)
            if upload.file_type is None:
                upload.status = "aborted"
                raise RpcError("unsupported_evidence_type", "not a PDF, JPEG, PNG or DOCX file", 415)
        if len(upload.data) + len(data) > MAX_BYTES:
            upload.status = "aborted"
            raise RpcError("evidence_too_large", "the file is larger than the maximum", 413)
        upload.data.extend(data)
        return p.EvidenceChunkAccepted(
            upload_id=request.upload_id, seq=request.seq, received_bytes=len(upload.data), file_type=upload.file_type
        )

    def _CompleteEvidenceUpload(self, request: p.CompleteEvidenceUpload) -> p.EvidenceStored:
        upload = self._open(request)
        data = bytes(upload.data)
        if request.expected_size is not None and request.expected_size != len(data):
            raise RpcError("size_mismatch", "size", 422)
        if request.sha256 is not None and request.sha256 != hashlib.sha256(data).hexdigest():
            raise RpcError("checksum_mismatch", "checksum", 422)
        upload.status = "completed"
        assert upload.file_type is not None
        file = p.EvidenceFile(
            evidence_id=request.upload_id,
            filename=upload.filename,
            file_type=upload.file_type,
            content_type="application/pdf" if upload.file_type == "pdf" else f"image/{upload.file_type}",
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            stored_at=datetime.now(UTC),
        )
        self.evidence[request.upload_id] = (file, data)
        return p.EvidenceStored(evidence=file)

    def _AbortEvidenceUpload(self, request: p.AbortEvidenceUpload) -> p.EvidenceUploadAborted:
        upload = self._open(request)
        upload.status = "aborted"
        return p.EvidenceUploadAborted(upload_id=request.upload_id)

    def _ReadEvidenceChunk(self, request: p.ReadEvidenceChunk) -> p.EvidenceChunk:
        stored = self.evidence.get(request.evidence_id)
        if stored is None or self.uploads[request.evidence_id].person_id != request.actor.person_id:
            raise RpcError("evidence_not_found", "no such evidence file", 404)
        file, data = stored
        length = min(request.length or CHUNK, CHUNK)
        piece = data[request.offset : request.offset + length]
        end = request.offset + len(piece)
        return p.EvidenceChunk(
            evidence=file,
            offset=request.offset,
            data=base64.b64encode(piece).decode(),
            next_offset=end if end < len(data) else None,
        )

    def _export(self, request: Any, kind: str, content_type: str, body: bytes) -> p.PortfolioExport:
        self._owner(request)
        return p.PortfolioExport(
            filename=f"portfolio.{kind}",
            content_type=content_type,
            size_bytes=len(body),
            data=base64.b64encode(body).decode(),
        )

    def _ExportPortfolioCsv(self, request: p.ExportPortfolioCsv) -> p.PortfolioExport:
        return self._export(request, "csv", "text/csv; charset=utf-8", b"titel;punten\n")

    def _ExportPortfolioPdf(self, request: p.ExportPortfolioPdf) -> p.PortfolioExport:
        return self._export(request, "pdf", "application/pdf", PDF)

    def _WhatIf(self, request: p.WhatIf) -> p.WhatIfAnswer:
        person_id = self._owner(request)
        activities = [self.view(person_id, a) for a_id, a in self.activities.items() if self.owners[a_id] == person_id]
        now = self._progress(activities)
        added: Decimal | None = None
        if request.add is not None:
            proposal = request.add
            if proposal.accredited:
                if proposal.accredited_points is None:
                    raise RpcError("accredited_points_required", "give the course's points", 422)
                added = proposal.accredited_points
            elif proposal.category == "A1":
                added = proposal.study_load_hours or Decimal(0)
            else:
                added = A2_POINTS.get(proposal.a2_type or "", Decimal(0)) * (proposal.quantity or Decimal(0))
        total_after = now.constraints[0].earned + (added or 0) - (request.reject_points or 0)
        return p.WhatIfAnswer(
            norm_met_now=now.met,
            norm_met_after=total_after >= 160,
            added_points=added,
            constraints_after=[
                now.constraints[0].model_copy(
                    update={"earned": total_after, "missing": max(Decimal(0), 160 - total_after)}
                )
            ],
            buffer_points_now=now.buffer_points,
            at_risk_points=now.at_risk_points,
        )


@dataclass
class PortfolioWorld:
    """The fake registry and portfolio behind one ServiceCaller."""

    registry: FakeRegistry = field(default_factory=FakeRegistry)
    portfolio: FakePortfolio = field(init=False)
    # Like the real service's request log: a request id seen before gets its first reply again.
    first_replies: dict[str, Message] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.portfolio = FakePortfolio(self.registry)

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        if service == "portfolio":
            if request_id is not None and request_id in self.first_replies:
                return self.first_replies[request_id]
            reply = await self.portfolio.answer(request)
            if request_id is not None:
                self.first_replies[request_id] = reply
            return reply
        return await self.registry.call(service, request, timeout=timeout)


def jansen_world() -> PortfolioWorld:
    """A world in which A. Jansen (jansen@example.nl) holds registration 0000013: the portfolio tests' person."""
    world = PortfolioWorld()
    jansen = world.registry.add("jansen@example.nl", "A.", "Jansen")
    world.registry.register(jansen, "0000013")
    return world
