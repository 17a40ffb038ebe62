"""The registry's tables (SQLAlchemy Core). Relationships, where added, load explicitly (lazy="raise")."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# An integer key that autoincrements on PostgreSQL (BIGINT) and on SQLite (only INTEGER PRIMARY KEY does).
_BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
# Hours per week with two decimals (16.5); Numeric keeps them exact where they are compared to a threshold.
_HOURS = sa.Numeric(6, 2, asdecimal=True)

people = sa.Table(
    "people",
    metadata,
    sa.Column("person_id", sa.Uuid, primary_key=True),
    sa.Column("initials", sa.String(20), nullable=False),
    sa.Column("surname", sa.String(200), nullable=False),
    # The professional roles (leerplichtambtenaar, rmc_medewerker), set by an approved application.
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("employer_name", sa.String(200), nullable=True),
    sa.Column("employer_kind", sa.String(20), nullable=True),
    sa.Column("employer_id", sa.String(100), nullable=True),
    sa.Column("hours_per_week", _HOURS, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    # An account is a person's way in: the account id is the person id (people without an account exist,
    # e.g. registrations from before accounts; no account exists without a person).
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("people.person_id"), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("account_roles", sa.JSON, nullable=False),
    # Sealed with the registry's key (adapters/secret_box.py): ``fernet:<token>``, never the secret itself.
    sa.Column("totp_secret", sa.String(255), nullable=True),
    # The last TOTP time step accepted: a code can be used once, not replayed within its 30-90 s validity.
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
    sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The language of the mails sent to the account later on (decisions, reminders): "nl" or "en".
    sa.Column("preferred_language", sa.String(2), nullable=False, server_default="nl"),
    # On PostgreSQL only (migration 0017: SQLite would have to rebuild the table to add it).
    sa.CheckConstraint("preferred_language IN ('nl', 'en')", name="ck_accounts_preferred_language"),
)

totp_enrollments = sa.Table(
    "totp_enrollments",
    metadata,
    # A TOTP secret generated when a staff member without one opens their enrolment link (with their password):
    # pending until the account confirms a code from it (then it moves to accounts.totp_secret and this row goes).
    # One per account; opening the link again replaces an unconfirmed one. The enrollment token given with it is kept as its SHA-256 only.
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.account_id"), primary_key=True),
    sa.Column("secret", sa.String(255), nullable=False),  # sealed, as accounts.totp_secret
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

one_time_tokens = sa.Table(
    "one_time_tokens",
    metadata,
    # Only a SHA-256 of the token is stored: a copy of the database does not hand out working links.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.account_id"), nullable=False),
    sa.Column("purpose", sa.String(30), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    # Set when a newer token for the same purpose replaces this one before it was used.
    sa.Column("invalidated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_one_time_tokens_account_purpose", "account_id", "purpose"),
)

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.account_id"), nullable=False),
    sa.Column("token_kind", sa.String(10), nullable=False),
    sa.Column("label", sa.String(100), nullable=False, server_default=""),
    sa.Column("client_ip", sa.String(64), nullable=False, server_default=""),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    # Whether the sign-in that issued it passed the second factor (a TOTP code): staff roles count only then.
    sa.Column("second_factor", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_access_tokens_account", "account_id"),
)

login_throttle = sa.Table(
    "login_throttle",
    metadata,
    # Keyed by the address as typed (normalised), account or not: see domain/login_throttle.py.
    sa.Column("email", sa.String(254), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("attempt_id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("client_ip", sa.String(64), nullable=False),
    sa.Column("result", sa.String(30), nullable=False),
    sa.Index("ix_login_attempts_email_at", "email", "at"),
    sa.Index("ix_login_attempts_account", "account_id"),
)

audit_trail = sa.Table(
    "audit_trail",
    metadata,
    # Every change made by or about a person: who (actor), about whom (person), what, when, from where, result.
    sa.Column("entry_id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor_account_id", sa.Uuid, nullable=True),
    sa.Column("person_id", sa.Uuid, nullable=True),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("result", sa.String(30), nullable=False),
    sa.Column("client_ip", sa.String(64), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Index("ix_audit_trail_person", "person_id"),
    sa.Index("ix_audit_trail_actor", "actor_account_id"),
)

registration_applications = sa.Table(
    "registration_applications",
    metadata,
    sa.Column("application_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, sa.ForeignKey("people.person_id"), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("employer_name", sa.String(200), nullable=False),
    sa.Column("employer_kind", sa.String(20), nullable=False),
    sa.Column("hours_per_week", _HOURS, nullable=False),
    sa.Column("declaration_accepted", sa.Boolean, nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.String(100), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Index("ix_registration_applications_person", "person_id"),
    sa.Index("ix_registration_applications_status", "status", "submitted_at"),
    # At most one pending application per person, even when two requests race.
    sa.Index(
        "uq_registration_applications_one_pending",
        "person_id",
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
)

registrations = sa.Table(
    "registrations",
    metadata,
    sa.Column(
        "person_id", sa.Uuid, sa.ForeignKey("people.person_id", name="fk_registrations_person"), primary_key=True
    ),
    # The allocated sequence is unique, so two concurrent approvals can never issue one number twice.
    sa.Column("sequence", sa.Integer, nullable=False, unique=True),
    sa.Column("registration_number", sa.String(16), nullable=False, unique=True),
    sa.Column("registered_since", sa.Date, nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
)

registration_number_counter = sa.Table(
    "registration_number_counter",
    metadata,
    # One row. Approvals take the next sequence with UPDATE ... RETURNING, which serialises them on the row
    # lock, instead of max(sequence) + 1, which two concurrent approvals would both compute.
    sa.Column("counter_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_sequence", sa.Integer, nullable=False),
)

status_history = sa.Table(
    "status_history",
    metadata,
    sa.Column("entry_id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("person_id", sa.Uuid, sa.ForeignKey("registrations.person_id"), nullable=False),
    sa.Column("from_status", sa.String(40), nullable=False),
    sa.Column("to_status", sa.String(40), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_by", sa.String(100), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Index("ix_status_history_person", "person_id", "at"),
)

cycles = sa.Table(
    "cycles",
    metadata,
    sa.Column("cycle_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, sa.ForeignKey("registrations.person_id"), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("scheme_version", sa.String(40), nullable=False),
    # The day the portfolio announced the cycle's norm as met (PortfolioNormMet): the norm-met credential states it.
    sa.Column("norm_met_on", sa.Date, nullable=True),
    sa.UniqueConstraint("person_id", "sequence"),
)

working_totals = sa.Table(
    "working_totals",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("per_role", sa.JSON, nullable=False),
    sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("entered_by", sa.Uuid, nullable=False),
)

eligibility_notices = sa.Table(
    "eligibility_notices",
    metadata,
    sa.Column("notice_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, sa.ForeignKey("people.person_id"), nullable=False),
    sa.Column("previous_hours_per_week", _HOURS, nullable=True),
    sa.Column("hours_per_week", _HOURS, nullable=False),
    sa.Column("minimum_hours_per_week", _HOURS, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_eligibility_notices_recorded", "recorded_at"),
)

rate_limit_counters = sa.Table(
    "rate_limit_counters",
    metadata,
    # Requests allowed per client per fixed window; the sliding estimate reads this window and the previous.
    sa.Column("scope", sa.String(40), primary_key=True),
    sa.Column("client_key", sa.String(200), primary_key=True),
    sa.Column("window_start", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("request_count", sa.Integer, nullable=False),
    sa.Index("ix_rate_limit_counters_window", "window_start"),
)

mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    # Mails are written in the transaction of the change they report and sent by a relay after the commit,
    # so a rolled-back change sends nothing and a committed one cannot lose its mail.
    sa.Column("mail_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=True),
    sa.Column("to_address", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_mail_outbox_unsent", "sent_at", "next_attempt_at"),
    sa.Index("ix_mail_outbox_person", "person_id"),
)

# Points with halves (160.5); Numeric keeps them exact.
_POINTS = sa.Numeric(10, 2, asdecimal=True)

cycle_extensions = sa.Table(
    "cycle_extensions",
    metadata,
    # cycles.ends_on already includes every extension (it is what everyone reads); these rows say why, and
    # let the per-case maximum be checked (Cycle.restored takes them off again to find the base end).
    sa.Column("extension_id", sa.Uuid, primary_key=True),
    sa.Column("cycle_id", sa.Uuid, sa.ForeignKey("cycles.cycle_id"), nullable=False),
    sa.Column("case_reference", sa.String(100), nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("weeks", sa.Integer, nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("granted_by", sa.String(100), nullable=False),
    sa.Index("ix_cycle_extensions_cycle", "cycle_id"),
)

cycle_extension_refusals = sa.Table(
    "cycle_extension_refusals",
    metadata,
    # A request to extend the cycle the office refused: a decision about the person with its reasons and date,
    # which they can object to (granted extensions are in cycle_extensions).
    sa.Column("refusal_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, sa.ForeignKey("people.person_id"), nullable=False),
    sa.Column("cycle_id", sa.Uuid, sa.ForeignKey("cycles.cycle_id"), nullable=False),
    sa.Column("case_reference", sa.String(100), nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("weeks", sa.Integer, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_by", sa.String(100), nullable=False),
    sa.Index("ix_cycle_extension_refusals_person", "person_id"),
)

reregistrations = sa.Table(
    "reregistrations",
    metadata,
    # One row per frozen dossier: the application, what the audit said about it, and the decision.
    sa.Column("dossier_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, sa.ForeignKey("registrations.person_id"), nullable=False),
    # The cycle the dossier names; no foreign key, so a dossier of a cycle the registry does not know is kept
    # (refused, with its reason) instead of failing until it is dead-lettered.
    sa.Column("cycle_id", sa.Uuid, nullable=True),
    sa.Column("state", sa.String(30), nullable=False),
    sa.Column("refusal_reason", sa.String(40), nullable=True),
    # The register day the portfolio froze the dossier (the application date).
    sa.Column("applied_on", sa.Date, nullable=True),
    sa.Column("total_points", _POINTS, nullable=True),
    sa.Column("accredited_points", _POINTS, nullable=True),
    sa.Column("a2_points", _POINTS, nullable=True),
    # Dossier round: 1 is the application, 2 the same dossier resubmitted after a return for correction.
    sa.Column("dossier_round", sa.Integer, nullable=False, server_default="1"),
    sa.Column("audit_state", sa.String(40), nullable=False),
    sa.Column("sampled", sa.Boolean, nullable=True),
    sa.Column("sampled_activities", sa.Integer, nullable=True),
    sa.Column("more_information_due_on", sa.Date, nullable=True),
    sa.Column("correction_due_on", sa.Date, nullable=True),
    # The latest audit outcome and its day; kept even when it arrived before the dossier (applied then).
    sa.Column("outcome", sa.String(40), nullable=True),
    sa.Column("outcome_round", sa.Integer, nullable=True),
    sa.Column("concluded_on", sa.Date, nullable=True),
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Column("next_cycle_id", sa.Uuid, nullable=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_reregistrations_person", "person_id"),
    sa.Index("ix_reregistrations_state", "state", "applied_on"),
    sa.Index("ix_reregistrations_cycle", "cycle_id"),
    # One application waiting for a decision per cycle, even when two dossiers race.
    sa.Index(
        "uq_reregistrations_one_pending_per_cycle",
        "cycle_id",
        unique=True,
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    ),
)

reminders_sent = sa.Table(
    "reminders_sent",
    metadata,
    # The key makes each reminder go out once, whichever replica's job gets there first. The cycle end is part
    # of it: an extension moves the end, and the reminders count down to the new end.
    sa.Column("cycle_id", sa.Uuid, sa.ForeignKey("cycles.cycle_id"), primary_key=True),
    sa.Column("cycle_ends_on", sa.Date, primary_key=True),
    sa.Column("reminder", sa.String(30), primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    # None: skipped, because a later reminder of the same cycle was due as well and went out instead.
    sa.Column("mail_id", sa.Uuid, nullable=True),
)

entry_notices = sa.Table(
    "entry_notices",
    metadata,
    # Provider-placed entries the professional has not been told about yet. A job mails each person one digest
    # of their new entries, so a provider posting ten courses in an hour sends one mail, not ten.
    sa.Column("activity_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False),
    sa.Column("category", sa.String(2), nullable=False),
    sa.Column("points", _POINTS, nullable=False),
    sa.Column("completion_date", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index(
        "ix_entry_notices_unnotified",
        "person_id",
        postgresql_where=sa.text("notified_at IS NULL"),
        sqlite_where=sa.text("notified_at IS NULL"),
    ),
)

provider_contacts = sa.Table(
    "provider_contacts",
    metadata,
    # Where the register's mail to a training provider goes, learnt from the accreditation service's decision
    # events (a provider whose attendance a professional disputes always had a course accredited first).
    sa.Column("provider_id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("contact_email", sa.String(320), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

credentials = sa.Table(
    "credentials",
    metadata,
    # The key is also the credential's index in the register's Bitstring Status List (lklr_shared.credentials):
    # an autoincrement gives each credential its own bit, also when two are issued at once.
    sa.Column("status_index", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("credential_id", sa.String(80), nullable=False, unique=True),
    # None once the person is erased: the row stays so that its status bit stays as it was (revoked).
    sa.Column("person_id", sa.Uuid, sa.ForeignKey("registrations.person_id"), nullable=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=True),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    # Set when the registration ends, is suspended or is struck off; the status list sets the bit from it.
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_reason", sa.String(40), nullable=True),
    sa.Index("ix_credentials_person", "person_id", "kind"),
)

objections = sa.Table(
    "objections",
    metadata,
    # An objection (bezwaar) against one decision of the register; its deadlines are stored as taken (the
    # configuration may change later, a running objection keeps the terms it was given).
    sa.Column("objection_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, sa.ForeignKey("people.person_id"), nullable=False),
    sa.Column("decision_kind", sa.String(40), nullable=False),
    # The application id, dossier id or status history entry the decision is (unique per kind).
    sa.Column("decision_reference", sa.String(100), nullable=False),
    sa.Column("decision_summary", sa.Text, nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("filed_on", sa.Date, nullable=False),
    sa.Column("filing_deadline", sa.Date, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),
    # [{evidence_id, filename}]: files the objector uploaded to their portfolio (where evidence is stored).
    sa.Column("attachments", sa.JSON, nullable=False),
    sa.Column("state", sa.String(30), nullable=False),
    sa.Column("acknowledged_on", sa.Date, nullable=True),
    sa.Column("hearing_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("hearing_place", sa.String(300), nullable=True),
    sa.Column("original_decision_due_on", sa.Date, nullable=False),
    sa.Column("decision_due_on", sa.Date, nullable=False),
    sa.Column("extended", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("extension_reason", sa.Text, nullable=True),
    sa.Column("outcome", sa.String(20), nullable=True),
    sa.Column("decision_reasons", sa.Text, nullable=True),
    sa.Column("objection_decided_on", sa.Date, nullable=True),
    sa.Column("decided_by", sa.String(100), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("decision_kind", "decision_reference", name="uq_objections_decision"),
    sa.Index("ix_objections_person", "person_id"),
    sa.Index("ix_objections_state_due", "state", "decision_due_on"),
)

erasures = sa.Table(
    "erasures",
    metadata,
    # Every erasure the registry asked the services for, under the person's pseudonym (a keyed hash of the id):
    # what remains of an erased person is that it happened, never who it was.
    sa.Column("erasure_id", sa.Uuid, primary_key=True),
    sa.Column("pseudonym", sa.String(80), nullable=False),
    sa.Column("kinds", sa.JSON, nullable=False),
    sa.Column("reason", sa.String(30), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_erasures_pseudonym", "pseudonym"),
)

erasure_confirmations = sa.Table(
    "erasure_confirmations",
    metadata,
    # Each service's PersonErased: the erasure is complete when every service that holds personal data confirmed.
    sa.Column("erasure_id", sa.Uuid, sa.ForeignKey("erasures.erasure_id"), primary_key=True),
    sa.Column("service", sa.String(40), primary_key=True),
    sa.Column("kinds", sa.JSON, nullable=False),
    sa.Column("rows_erased", sa.Integer, nullable=False),
    sa.Column("files_erased", sa.Integer, nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
)
