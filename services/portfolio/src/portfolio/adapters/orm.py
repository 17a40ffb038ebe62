"""The service's tables. Relationships, where added, load explicitly (lazy="raise")."""

from __future__ import annotations

import sqlalchemy as sa

from lklr_shared.kit.tables import frozen_activity_columns, registered_person_columns

metadata = sa.MetaData()

# Local read model of the registry's registrations, fed only by registry events (never by its database).
registered_people = sa.Table(
    "registered_people",
    metadata,
    *registered_person_columns(),
    # The employer goes into each frozen dossier: the audit keeps reviewers off dossiers of their own employer.
    sa.Column("employer_id", sa.String(100), nullable=False, server_default=""),
    # When the event that set `status` happened: an older event arriving later (redelivery, a retry after a
    # failure) does not overwrite a newer status.
    sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
)

# A status change that arrived before the registration it changes (events of one person may overtake each other):
# kept here, the newest per person, and applied when RegistrationGranted arrives.
early_status_changes = sa.Table(
    "early_status_changes",
    metadata,
    sa.Column("person_id", sa.Uuid, primary_key=True),
    sa.Column("new_status", sa.String(40), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
)

# Cycles as the registry announced them: activities count in the cycle their completion date falls in.
cycles = sa.Table(
    "cycles",
    metadata,
    sa.Column("cycle_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False, index=True),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("scheme_version", sa.String(40), nullable=False),
    # Set when a re-registration application freezes the cycle's activities into a dossier; from then
    # on no entry completed in the cycle can be added, edited or checked.
    sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
    # While the cycle's dossier is returned for correction: the last day new activities of the cycle may be added
    # (the cycle stays frozen for edits and checks of what was in the dossier).
    sa.Column("correction_until", sa.Date, nullable=True),
    # When the CycleOpened that set the dates happened: an extension re-announces the cycle, and the original
    # announcement arriving after it must not shorten the cycle again.
    sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("person_id", "sequence"),
)

# Cycles whose norm was announced as met (PortfolioNormMet): one row per cycle, so the announcement goes out once,
# also when the norm drops below and is reached again (a void, a rejection) or two changes reach it at once.
norm_met_announcements = sa.Table(
    "norm_met_announcements",
    metadata,
    sa.Column("cycle_id", sa.Uuid, sa.ForeignKey("cycles.cycle_id"), primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False),
    sa.Column("met_on", sa.Date, nullable=False),
    sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
)

# Points are halves; two decimals leave room for hours such as 1.25 without a float ever touching a point.
POINTS = sa.Numeric(9, 2)

# Every portfolio entry, in its current version. The cycle is not stored: it follows from the completion date
# among the person's cycles, so an entry recorded before the registry announced its cycle still lands right.
activities = sa.Table(
    "activities",
    metadata,
    sa.Column("activity_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("category", sa.String(2), nullable=False),
    # A1 self-entered: "course"; A2: the scheme's type key; a provider-placed course: "accredited_course".
    sa.Column("activity_type", sa.String(60), nullable=False),
    sa.Column("a2_type", sa.String(60), nullable=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("completion_date", sa.Date, nullable=False),
    sa.Column("points", POINTS, nullable=False),
    sa.Column("accredited", sa.Boolean, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("state_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("study_load_hours", POINTS, nullable=True),
    sa.Column("quantity", POINTS, nullable=True),
    sa.Column("hours_per_unit", POINTS, nullable=True),
    sa.Column("provider_id", sa.Uuid, nullable=True),
    sa.Column("provider_name", sa.String(300), nullable=True),
    sa.Column("course_id", sa.Uuid, nullable=True),
    sa.Column("edition_id", sa.Uuid, nullable=True),
    sa.Column("batch_id", sa.Uuid, nullable=True),
    # Natural keys of the events that place entries: a redelivered or re-sent batch can never add a row twice.
    sa.Column("attendance_id", sa.Uuid, nullable=True, unique=True),
    sa.Column("teaching_claim_id", sa.Uuid, nullable=True, unique=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_activities_person_completion", "person_id", "completion_date"),
)

# Append-only history: one row per change (who, when, from where, why, and the entry's fields after it).
activity_versions = sa.Table(
    "activity_versions",
    metadata,
    sa.Column("activity_id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor_kind", sa.String(40), nullable=False),
    sa.Column("actor_id", sa.String(100), nullable=False),
    sa.Column("origin", sa.String(200), nullable=False, server_default=""),
    sa.Column("change", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("points", POINTS, nullable=False),
    sa.Column("snapshot", sa.JSON, nullable=False),
)

# Voids as the accreditation service announced them, kept even when the entry has not arrived yet (events may
# overtake each other on redelivery); the entry is voided as soon as both are here.
attendance_voids = sa.Table(
    "attendance_voids",
    metadata,
    sa.Column("attendance_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False),
    sa.Column("provider_id", sa.Uuid, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("voided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
)

# Stored evidence files. The bytes live in the blob store under `blob_key`; this row says whose they are.
evidence_files = sa.Table(
    "evidence_files",
    metadata,
    sa.Column("evidence_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False, index=True),
    sa.Column("activity_id", sa.Uuid, nullable=True, index=True),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("file_type", sa.String(10), nullable=False),
    sa.Column("content_type", sa.String(120), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("blob_key", sa.String(200), nullable=False, unique=True),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
)

# Uploads in progress: the state of the incremental checks lives here, so any replica can take the next chunk.
evidence_uploads = sa.Table(
    "evidence_uploads",
    metadata,
    sa.Column("upload_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False, index=True),
    sa.Column("activity_id", sa.Uuid, nullable=True),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open, completed, aborted
    sa.Column("status_reason", sa.String(60), nullable=False, server_default=""),
    sa.Column("next_seq", sa.Integer, nullable=False),
    sa.Column("received_bytes", sa.BigInteger, nullable=False),
    sa.Column("file_type", sa.String(10), nullable=True),
    sa.Column("docx_markers", sa.Integer, nullable=False, server_default="0"),
    sa.Column("tail", sa.LargeBinary, nullable=False),
    # The last accepted chunk's digest and size: a retry of that chunk (the reply was lost) is recognised and
    # answered again instead of being refused as out of order or stored twice.
    sa.Column("last_chunk_sha256", sa.String(64), nullable=True),
    sa.Column("last_chunk_size", sa.Integer, nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The removal of unfinished uploads looks for old ones that never completed.
    sa.Index("ix_evidence_uploads_status_updated_at", "status", "updated_at"),
)

# When a person last looked at their portfolio: provider-placed entries recorded later are shown as new.
portfolio_visits = sa.Table(
    "portfolio_visits",
    metadata,
    sa.Column("person_id", sa.Uuid, primary_key=True),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
)

# Re-registration dossiers: one per cycle. A dossier returned for correction is resubmitted as the same dossier in
# a later round; the totals are those of the current round.
dossiers = sa.Table(
    "dossiers",
    metadata,
    sa.Column("dossier_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False, index=True),
    sa.Column("cycle_id", sa.Uuid, sa.ForeignKey("cycles.cycle_id"), nullable=False, unique=True),
    sa.Column("round", sa.Integer, nullable=False),
    # frozen, under_review, returned_for_correction, met, not_met
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("applied_on", sa.Date, nullable=False),
    sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("total_points", POINTS, nullable=False),
    sa.Column("accredited_points", POINTS, nullable=False),
    sa.Column("a2_points", POINTS, nullable=False),
    sa.Column("norm_met", sa.Boolean, nullable=False),
    sa.Column("sampled", sa.Boolean, nullable=True),
    sa.Column("correction_deadline", sa.Date, nullable=True),
    sa.Column("concluded_on", sa.Date, nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The registry's word on the application this dossier carries: requested (accepted as timely), granted or
    # not_granted. A granted dossier's activities are never reused.
    sa.Column("registry_decision", sa.String(20), nullable=True),
    sa.Column("registry_decided_on", sa.Date, nullable=True),
)

# The activities frozen into each round of a dossier, as they were at that moment (a snapshot, never updated).
dossier_activities = sa.Table(
    "dossier_activities",
    metadata,
    sa.Column("dossier_id", sa.Uuid, sa.ForeignKey("dossiers.dossier_id"), primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True),
    sa.Column("activity_id", sa.Uuid, primary_key=True),
    *frozen_activity_columns(),
    sa.Column("self_entered", sa.Boolean, nullable=False),
    sa.Column("completion_date", sa.Date, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
)

# The register office's access to the files a person sent with an objection, kept from the registry's
# ObjectionEvidenceShared; ReadObjectionEvidenceChunk checks them (and that the file is the objector's). A grant
# also keeps its file from the cleanup of unattached files.
objection_evidence_grants = sa.Table(
    "objection_evidence_grants",
    metadata,
    sa.Column("objection_id", sa.Uuid, primary_key=True),
    sa.Column("evidence_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_objection_evidence_grants_evidence", "evidence_id"),
)

# Reviewers' access to evidence of a sampled dossier, kept from the audit's EvidenceAccessGranted: per
# case and reviewer, either a sampled activity (its attached files) or a single file sent with an answer.
# Grants are never revoked; ReadReviewEvidenceChunk checks them (and that the file is the dossier owner's).
review_evidence_grants = sa.Table(
    "review_evidence_grants",
    metadata,
    sa.Column("case_id", sa.Uuid, primary_key=True),
    sa.Column("reviewer_id", sa.Uuid, primary_key=True),
    sa.Column("item_kind", sa.String(10), primary_key=True),  # activity, evidence
    sa.Column("item_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False),
    sa.Column("dossier_id", sa.Uuid, nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
)
