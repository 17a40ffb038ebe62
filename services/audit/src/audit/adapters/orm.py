"""The audit service's tables: sampling runs, dossiers, review cases, judgements, answers and reviewers.

The audit keeps only what it needs (data minimisation): for every dossier its totals, its sampling decision and
its outcome; the activities themselves only for the sampled dossiers (those a reviewer looks at).
"""

from __future__ import annotations

import sqlalchemy as sa

from lklr_shared.kit.tables import frozen_activity_columns

metadata = sa.MetaData()

POINTS = sa.Numeric(9, 2)

# One seed per sampling run (a calendar year of applications), created once and never changed, so that the
# year's sample can be reproduced from it. The primary key makes creating it race-safe between replicas.
sampling_seeds = sa.Table(
    "sampling_seeds",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("seed", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Members of the assessment committee. `employer_id` and `person_id` drive the conflict-of-interest rules.
reviewers = sa.Table(
    "reviewers",
    metadata,
    sa.Column("reviewer_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=True),
    sa.Column("employer_id", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Every frozen version of a dossier as it arrived (round 1 = the application, 2 = after correction). The primary
# key is the natural key of DossierFrozen: a re-sent event can never be recorded, sampled or concluded twice.
dossier_rounds = sa.Table(
    "dossier_rounds",
    metadata,
    sa.Column("dossier_id", sa.Uuid, primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True),
    sa.Column("applied_on", sa.Date, nullable=False),
    sa.Column("total_points", POINTS, nullable=False),
    sa.Column("accredited_points", POINTS, nullable=False),
    sa.Column("a2_points", POINTS, nullable=False),
    sa.Column("norm_met", sa.Boolean, nullable=False),
    sa.Column("activity_count", sa.Integer, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    # The automatic review checks on this round (lklr_shared.dossier_checks: the rules of the professional's
    # self-check), as the DossierCheck contract in JSON; null for rounds frozen without the cycle's dates.
    sa.Column("automatic_check", sa.JSON, nullable=True),
)

# The audit's state of a dossier: the sampling decision (seed and draw recorded, so it can be reproduced and
# explained) and the outcome. Totals are those of the current round.
dossiers = sa.Table(
    "dossiers",
    metadata,
    sa.Column("dossier_id", sa.Uuid, primary_key=True),
    sa.Column("person_id", sa.Uuid, nullable=False, index=True),
    sa.Column("registration_number", sa.String(16), nullable=False),
    sa.Column("cycle_id", sa.Uuid, nullable=False),
    sa.Column("employer_id", sa.String(100), nullable=False),
    sa.Column("scheme_version", sa.String(40), nullable=False),
    sa.Column("applied_on", sa.Date, nullable=False),
    # The sampling run the dossier belongs to (the year of application); statistics are per run too.
    sa.Column("audit_year", sa.Integer, nullable=False, index=True),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("total_points", POINTS, nullable=False),
    sa.Column("accredited_points", POINTS, nullable=False),
    sa.Column("a2_points", POINTS, nullable=False),
    sa.Column("sampled", sa.Boolean, nullable=False),
    sa.Column("seed", sa.String(64), nullable=False),
    sa.Column("draw", sa.Float(precision=53), nullable=False),
    sa.Column("exemption_reason", sa.String(40), nullable=True),
    # under_review, returned_for_correction, concluded
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("outcome", sa.String(30), nullable=True),
    sa.Column("was_returned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("correction_deadline", sa.Date, nullable=True),
    sa.Column("concluded_on", sa.Date, nullable=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_dossiers_status_deadline", "status", "correction_deadline"),
)

# A review case per sampled dossier. `dossier_id` is unique: whatever the number of audit replicas and however
# often DossierFrozen is delivered, a dossier gets one case, and so one assignment.
review_cases = sa.Table(
    "review_cases",
    metadata,
    sa.Column("case_id", sa.Uuid, primary_key=True),
    sa.Column("dossier_id", sa.Uuid, sa.ForeignKey("dossiers.dossier_id"), nullable=False, unique=True),
    sa.Column("reviewer_id", sa.Uuid, sa.ForeignKey("reviewers.reviewer_id"), nullable=True),
    # unassigned (no eligible reviewer yet), open, awaiting_correction, concluded
    sa.Column("status", sa.String(30), nullable=False),
    # Every self-entered activity id of the dossier, so the choice of activities can be reproduced from the seed.
    sa.Column("self_entered_ids", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    # Loads (open cases per reviewer) are counted under the assignment lock; this index keeps that count cheap.
    sa.Index("ix_review_cases_status_reviewer", "status", "reviewer_id"),
)

# The sampled activities of a case as frozen into the dossier (what the reviewer judges).
case_activities = sa.Table(
    "case_activities",
    metadata,
    sa.Column("case_id", sa.Uuid, sa.ForeignKey("review_cases.case_id"), primary_key=True),
    sa.Column("activity_id", sa.Uuid, primary_key=True),
    sa.Column("rank", sa.Integer, nullable=False),
    *frozen_activity_columns(),
    sa.Column("completion_date", sa.Date, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
)

# Append-only: every judgement of an activity; the latest (highest sequence) is the current one.
judgements = sa.Table(
    "judgements",
    metadata,
    sa.Column("case_id", sa.Uuid, sa.ForeignKey("review_cases.case_id"), primary_key=True),
    sa.Column("activity_id", sa.Uuid, primary_key=True),
    sa.Column("sequence", sa.Integer, primary_key=True),
    sa.Column("verdict", sa.String(30), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("judged_on", sa.Date, nullable=False),
    sa.Column("information_deadline", sa.Date, nullable=True),
    # "reviewer:<id>", or "deadline" for an unanswered request turned into a rejection.
    sa.Column("judged_by", sa.String(100), nullable=False),
    sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
)

# The professional's answers to requests for more information (evidence stays in the portfolio; ids only).
information_answers = sa.Table(
    "information_answers",
    metadata,
    sa.Column("answer_id", sa.Uuid, primary_key=True),
    sa.Column("case_id", sa.Uuid, sa.ForeignKey("review_cases.case_id"), nullable=False),
    sa.Column("activity_id", sa.Uuid, nullable=False),
    # The judgement (its sequence) that asked the question this answers.
    sa.Column("request_sequence", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("evidence_ids", sa.JSON, nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_information_answers_case_activity", "case_id", "activity_id"),
)
