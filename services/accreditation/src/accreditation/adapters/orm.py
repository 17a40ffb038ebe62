"""The service's tables (SQLAlchemy Core). Natural unique keys back every "only once" rule."""

from __future__ import annotations

import sqlalchemy as sa

from lklr_shared.kit.tables import registered_person_columns

metadata = sa.MetaData()

# Hours and points: two decimals is exact for the register's quarter hours and half points.
Hours = sa.Numeric(10, 2)
Points = sa.Numeric(10, 2)

# --- Local read model of the registry, fed only by registry events (never by its database) ---------------------

registered_people = sa.Table(
    "registered_people",
    metadata,
    # `status` is the latest status from registration_history (kept for quick reads; the history is what rules use).
    *registered_person_columns(),
)

# Every registration status a person had, from when: "registered on the completion date" is judged on this.
# No foreign key to registered_people: a status change may arrive before the grant it follows.
registration_history = sa.Table(
    "registration_history",
    metadata,
    sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("person_id", sa.Uuid, nullable=False, index=True),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source_message_id", sa.Uuid, nullable=False, unique=True),
)

# The latest name of each person from registry.PersonUpdated, stamped with when the change happened: a change may
# overtake another or arrive before the grant it follows; the newest change wins, in registered_people too.
person_names = sa.Table(
    "person_names",
    metadata,
    sa.Column("person_id", sa.Uuid, primary_key=True),
    sa.Column("initials", sa.String(20), nullable=False),
    sa.Column("surname", sa.String(200), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source_message_id", sa.Uuid, nullable=False),
)

# --- Providers -------------------------------------------------------------------------------------------------

providers = sa.Table(
    "providers",
    metadata,
    sa.Column("provider_id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    # Lower-cased name: two providers cannot be told apart by letter case alone.
    sa.Column("name_key", sa.String(200), nullable=False, unique=True),
    sa.Column("contact_email", sa.String(320), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
)

# A registry account acts for at most one provider: the account id is the key.
provider_accounts = sa.Table(
    "provider_accounts",
    metadata,
    sa.Column("account_id", sa.String(200), primary_key=True),
    sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False, index=True),
    sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("linked_by", sa.String(200), nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False, index=True),
    sa.Column("lookup_prefix", sa.String(16), nullable=False, unique=True),
    # SHA-256 of the whole key (see domain/api_keys.py for why not argon2); never the key itself.
    sa.Column("key_digest", sa.String(64), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_by", sa.String(200), nullable=True),
    # A sandbox key's calls run against the published test registration numbers and never reach a portfolio.
    sa.Column("sandbox", sa.Boolean, nullable=False, server_default=sa.false()),
)

# --- Courses, editions and their history -----------------------------------------------------------------------

courses = sa.Table(
    "courses",
    metadata,
    sa.Column("course_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("category", sa.String(2), nullable=False),
    sa.Column("study_load_hours", Hours, nullable=False),
    sa.Column("trainers", sa.JSON, nullable=False),
    sa.Column("target_group", sa.Text, nullable=False),
    sa.Column("programme", sa.Text, nullable=False),
    sa.Column("allows_partial_attendance", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(40), nullable=False, index=True),
    sa.Column("points", Points, nullable=True),
    sa.Column("valid_from", sa.Date, nullable=True),
    sa.Column("valid_until", sa.Date, nullable=True),
    sa.Column("withdrawn_on", sa.Date, nullable=True),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("submitted_on", sa.Date, nullable=False),
    sa.Column("submitted_by", sa.String(200), nullable=False),
    # The latest committee decision (the one an objection would be against) and whether it was objected to.
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Column("latest_decision_objected", sa.Boolean, nullable=False),
    sa.Column("objection_open", sa.Boolean, nullable=False),
)

course_objections = sa.Table(
    "course_objections",
    metadata,
    # A provider's objection (bezwaar) against a course decision, run by the register's one objection flow (the
    # shared rules in lklr_shared.objections): its deadlines are stored as given, so a later change of
    # configuration does not move a running objection's clock. courses.objection_open stays what puts the course
    # in the committee's queue; this row is the flow around it (receipt, hearing, extension, decision).
    sa.Column("objection_id", sa.Uuid, primary_key=True),
    sa.Column("course_id", sa.Uuid, sa.ForeignKey("courses.course_id"), nullable=False, index=True),
    sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False),
    # The decision objected to: its history step (approved / changes_requested / rejected) and day.
    sa.Column("decision_step", sa.String(40), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("filed_on", sa.Date, nullable=False),
    sa.Column("filing_deadline", sa.Date, nullable=False),
    sa.Column("filed_by", sa.String(200), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("state", sa.String(30), nullable=False),
    sa.Column("acknowledged_on", sa.Date, nullable=True),
    sa.Column("hearing_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("hearing_place", sa.String(500), nullable=True),
    sa.Column("original_decision_due_on", sa.Date, nullable=False),
    sa.Column("decision_due_on", sa.Date, nullable=False),
    sa.Column("extended", sa.Boolean, nullable=False),
    sa.Column("extension_reason", sa.Text, nullable=True),
    sa.Column("outcome", sa.String(20), nullable=True),
    sa.Column("decision_reasons", sa.Text, nullable=True),
    sa.Column("objection_decided_on", sa.Date, nullable=True),
    sa.Column("decided_by", sa.String(200), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_course_objections_state_due", "state", "decision_due_on"),
)

course_history = sa.Table(
    "course_history",
    metadata,
    sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("course_id", sa.Uuid, sa.ForeignKey("courses.course_id"), nullable=False, index=True),
    sa.Column("step", sa.String(40), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("by", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("points", Points, nullable=True),
    sa.Column("valid_from", sa.Date, nullable=True),
    sa.Column("valid_until", sa.Date, nullable=True),
)

editions = sa.Table(
    "editions",
    metadata,
    sa.Column("edition_id", sa.Uuid, primary_key=True),
    sa.Column("course_id", sa.Uuid, sa.ForeignKey("courses.course_id"), nullable=False, index=True),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("location", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
)

# --- Attendance ------------------------------------------------------------------------------------------------

# One row per post, whatever its outcome: who posted what, when, through which channel, and the counts.
attendance_posts = sa.Table(
    "attendance_posts",
    metadata,
    sa.Column("post_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False, index=True),
    sa.Column("edition_id", sa.Uuid, sa.ForeignKey("editions.edition_id"), nullable=False, index=True),
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("posted_by", sa.String(200), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("received", sa.Integer, nullable=False),
    sa.Column("recorded", sa.Integer, nullable=False),
    sa.Column("duplicate", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
)

attendance = sa.Table(
    "attendance",
    metadata,
    sa.Column("attendance_id", sa.Uuid, primary_key=True),
    sa.Column("post_id", sa.Uuid, sa.ForeignKey("attendance_posts.post_id"), nullable=False, index=True),
    sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False),
    sa.Column("course_id", sa.Uuid, sa.ForeignKey("courses.course_id"), nullable=False),
    sa.Column("edition_id", sa.Uuid, sa.ForeignKey("editions.edition_id"), nullable=False),
    sa.Column("person_id", sa.Uuid, nullable=False),
    sa.Column("registration_number", sa.String(16), nullable=False),
    sa.Column("hours", Hours, nullable=False),
    sa.Column("points", Points, nullable=False),
    sa.Column("completion_date", sa.Date, nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("void_reason", sa.Text, nullable=True),
    sa.Column("voided_by", sa.String(200), nullable=True),
    # THE rule "the same person on the same edition is recorded once, whatever key or channel": a unique index,
    # so concurrent posts cannot both insert. Partial (active records only) so a voided record can be replaced
    # by a corrected one; a voided record never counts.
    sa.Index(
        "uq_attendance_person_edition_active",
        "person_id",
        "edition_id",
        unique=True,
        postgresql_where=sa.text("voided_at IS NULL"),
        sqlite_where=sa.text("voided_at IS NULL"),
    ),
    sa.Index("ix_attendance_edition", "edition_id"),
)

# Disputes professionals raised against attendance records (from portfolio.ActivityDisputed): the provider sees
# them beside the record and can correct it by voiding and posting again. One current dispute per record.
attendance_disputes = sa.Table(
    "attendance_disputes",
    metadata,
    sa.Column("attendance_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, nullable=False, index=True),
    sa.Column("person_id", sa.Uuid, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=False),
)

# Idempotency-Key records, per provider. The primary key makes "first request with this key" a race one
# request wins. `response` is the stored first response (JSON), replayed for a retry with the same request.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("provider_id", sa.Uuid, primary_key=True),
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    # Who holds the key while it is in flight, and until when; an attempt that died is taken over after that.
    sa.Column("lease_token", sa.Uuid, nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("post_id", sa.Uuid, nullable=True),
    sa.Column("response", sa.Text, nullable=True),
)

# --- Teaching claims -------------------------------------------------------------------------------------------

teaching_claims = sa.Table(
    "teaching_claims",
    metadata,
    sa.Column("claim_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False, index=True),
    sa.Column("registration_number", sa.String(16), nullable=False),
    sa.Column("hours", Hours, nullable=False),
    sa.Column("given_on", sa.Date, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("course_title", sa.String(200), nullable=False),
    sa.Column("course_id", sa.Uuid, nullable=True),
    sa.Column("edition_id", sa.Uuid, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_by", sa.String(200), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.String(200), nullable=True),
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Column("points", Points, nullable=True),
)

# --- xAPI statements (the /xapi Learning Record Store) ----------------------------------------------------------


# Every statement a provider's systems sent, as stored (with `stored`, `authority`, `version` set), and what it did
# to the register. Statement ids are the provider's own: one provider never sees, nor clashes with, another's.
def _statements_table(name: str, attendance_table: str) -> sa.Table:
    """A table of xAPI statements: production's (attendance in `attendance`) or the sandbox's (attendance in
    `sandbox_attendance`); the same columns, so one code path stores and reads both."""
    return sa.Table(
        name,
        metadata,
        # The order statements were stored in, and the cursor of the `more` pages.
        sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False),
        sa.Column("statement_id", sa.Uuid, nullable=False),
        # SHA-256 of the statement as received: the same id with other content is a conflict.
        sa.Column("content_digest", sa.String(64), nullable=False),
        sa.Column("statement", sa.JSON, nullable=False),
        sa.Column("actor_key", sa.Text, nullable=True),
        sa.Column("object_agent_key", sa.Text, nullable=True),
        sa.Column("verb_id", sa.Text, nullable=False),
        sa.Column("activity_id", sa.Text, nullable=True),
        sa.Column("registration", sa.Uuid, nullable=True),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided", sa.Boolean, nullable=False, default=False),
        # A voiding statement's target (the standard forbids voiding a voiding statement: this tells them apart).
        sa.Column("voids_statement_id", sa.Uuid, nullable=True),
        sa.Column("effect", sa.String(10), nullable=False),
        sa.Column("attendance_id", sa.Uuid, sa.ForeignKey(f"{attendance_table}.attendance_id"), nullable=True),
        sa.Column("reason_code", sa.String(60), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.UniqueConstraint("provider_id", "statement_id", name=f"uq_{name}_provider_statement"),
        sa.Index(f"ix_{name}_provider_sequence", "provider_id", "sequence"),
    )


xapi_statements = _statements_table("xapi_statements", "attendance")


# --- Webhooks (Standard Webhooks) -------------------------------------------------------------------------------

# A provider's endpoints. The secret is kept in clear: signing needs it (it is never shown again after it is made).
webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("endpoint_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("sandbox", sa.Boolean, nullable=False),
    sa.Column("secret", sa.String(100), nullable=False),
    # After a rotation deliveries are signed with the old secret too, until this moment.
    sa.Column("previous_secret", sa.String(100), nullable=True),
    sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("disabled_reason", sa.Text, nullable=True),
    # Failed attempts since the last success: the endpoint is disabled when it reaches the configured limit.
    sa.Column("consecutive_failures", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
)

# The outbox of webhook messages: one row per message and endpoint, retried with backoff until delivered or given
# up. `next_attempt_at` is also the claim: a sender moves it past its attempt before sending, so a crashed
# sender's message is tried again later and two senders never send the same row at once.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("delivery_id", sa.Uuid, primary_key=True),
    sa.Column("endpoint_id", sa.Uuid, sa.ForeignKey("webhook_endpoints.endpoint_id"), nullable=False),
    sa.Column("provider_id", sa.Uuid, nullable=False),
    # The Standard Webhooks `webhook-id`: the same for every attempt, so receivers deduplicate.
    sa.Column("message_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(40), nullable=False),
    sa.Column("test", sa.Boolean, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_response_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

# Accreditations already announced as about to expire (one message per course and validity end).
webhook_expiry_notices = sa.Table(
    "webhook_expiry_notices",
    metadata,
    sa.Column("course_id", sa.Uuid, primary_key=True),
    sa.Column("valid_until", sa.Date, primary_key=True),
    sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
)

# Sandbox attendance: what sandbox keys recorded on the provider's editions, for the test registration numbers only.
# It answers "already recorded" to a repeated sandbox post exactly as production would, and no event leaves it.
sandbox_attendance = sa.Table(
    "sandbox_attendance",
    metadata,
    sa.Column("attendance_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, sa.ForeignKey("providers.provider_id"), nullable=False),
    sa.Column("edition_id", sa.Uuid, sa.ForeignKey("editions.edition_id"), nullable=False),
    sa.Column("registration_number", sa.String(16), nullable=False),
    sa.Column("hours", Hours, nullable=False),
    sa.Column("points", Points, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    # Voided by a sandbox key (an xAPI voiding statement or the API); a voided record no longer counts as "already recorded", as in production.
    sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("void_reason", sa.Text, nullable=True),
    # The post that recorded it and its channel, for the sandbox's attendance list (empty on rows before 0013).
    sa.Column("post_id", sa.Uuid, nullable=True),
    sa.Column("channel", sa.String(10), nullable=True),
    sa.Index(
        "uq_sandbox_attendance_active",
        "edition_id",
        "registration_number",
        unique=True,
        postgresql_where=sa.text("voided_at IS NULL"),
        sqlite_where=sa.text("voided_at IS NULL"),
    ),
)

# The statements sandbox keys sent to /xapi: apart from production's, so a sandbox statement never meets (nor
# clashes with) a real one, and its attendance ids are sandbox records.
sandbox_xapi_statements = _statements_table("sandbox_xapi_statements", "sandbox_attendance")
