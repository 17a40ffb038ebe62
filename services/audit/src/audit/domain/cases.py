"""A review case's state derived from its history, and the scheme's audit rules in the domain's terms.

Judgements are appended, never edited: the current judgement of an activity is its latest one. A request for more
information is open until a later judgement settles it; it lapses into a rejection when its deadline passed
without an answer. A dossier returned for correction is concluded as not met once its correction deadline (plus a
short grace for a resubmission still in transit) has passed without a resubmission.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from audit.domain.judgement import Judgement, Verdict, is_overdue
from audit.domain.outcome import NormMinimums
from audit.domain.sampling import SamplingPolicy
from lklr_shared.scheme import AuditRules, NormRules

RESUBMISSION_GRACE_DAYS = 2
"""Days after a correction deadline before an unresubmitted dossier is concluded as not met.

The portfolio accepts a resubmission until the end of the deadline day; its DossierFrozen may still be in transit
(a broker or audit outage) when the next day starts. Waiting two days keeps a timely resubmission from losing the
race against the deadline job.
"""


@dataclass(frozen=True, slots=True)
class RecordedJudgement:
    """A judgement as stored: its position in the activity's history (1, 2, ...) and the judgement itself."""

    sequence: int
    judgement: Judgement


def current_judgements(history: Iterable[RecordedJudgement]) -> dict[str, RecordedJudgement]:
    """The latest judgement per activity (keyed by the canonical activity id), whatever the input order."""
    latest: dict[str, RecordedJudgement] = {}
    for recorded in history:
        key = str(recorded.judgement.activity_id)
        known = latest.get(key)
        if known is None or recorded.sequence > known.sequence:
            latest[key] = recorded
    return latest


def open_requests(current: Mapping[str, RecordedJudgement]) -> list[RecordedJudgement]:
    """The current judgements that are requests for more information (not settled yet)."""
    return [r for r in current.values() if r.judgement.verdict is Verdict.MORE_INFORMATION_NEEDED]


def overdue_unanswered(
    current: Mapping[str, RecordedJudgement], answered: Iterable[tuple[str, int]], today: date
) -> list[RecordedJudgement]:
    """Open requests whose deadline passed without an answer to that very request.

    ``answered`` holds (activity id, request sequence) pairs: an answer to an earlier question does not answer a
    later one. An answered request stays open for the reviewer to judge; it never lapses by itself.
    """
    answered_keys = {(str(activity_id), sequence) for activity_id, sequence in answered}
    return [
        recorded
        for recorded in open_requests(current)
        if is_overdue(recorded.judgement, today)
        and (str(recorded.judgement.activity_id), recorded.sequence) not in answered_keys
    ]


def final_judgements(current: Mapping[str, RecordedJudgement]) -> list[Judgement]:
    """The settled (approved or rejected) current judgements."""
    return [r.judgement for r in current.values() if r.judgement.is_final]


def all_final(activity_ids: Sequence[str], current: Mapping[str, RecordedJudgement]) -> bool:
    """Whether every sampled activity has a settled current judgement (the case can be concluded)."""
    return all(key in current and current[key].judgement.is_final for key in map(str, activity_ids))


def correction_expired(deadline: date, today: date, grace_days: int = RESUBMISSION_GRACE_DAYS) -> bool:
    """Whether a dossier returned with ``deadline`` may now be concluded as not met (see the grace above)."""
    return today > deadline + timedelta(days=grace_days)


def resubmitted_in_time(resubmitted_on: date, deadline: date) -> bool:
    """Whether a resubmission made on ``resubmitted_on`` met the correction deadline (the deadline day counts)."""
    return resubmitted_on <= deadline


def sampling_policy(rules: AuditRules) -> SamplingPolicy:
    """The sampling policy the scheme's audit rules describe."""
    return SamplingPolicy(
        share=rules.sample_share,
        max_activities=rules.max_sampled_activities_per_dossier,
        exempt_newcomers=rules.exempt_recently_registered,
        newcomer_years=rules.recent_registration_years,
    )


def norm_minimums(norm: NormRules) -> NormMinimums:
    """The norm's minimums as the outcome rules take them."""
    return NormMinimums(total=norm.min_total_points, accredited=norm.min_accredited_points, a2=norm.min_a2_points)


def audit_year(applied_on: date) -> int:
    """The sampling run a dossier belongs to: the calendar year in which the professional applied."""
    return applied_on.year
