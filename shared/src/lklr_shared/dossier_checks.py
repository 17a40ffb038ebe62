"""The checks a reviewer makes first on a re-registration dossier, as one rule set.

Two callers use it and nothing else decides these findings: the portfolio's self-check, which a professional runs
on the re-registration page before applying, and the audit's automatic review checks, run on every frozen dossier
and shown to the reviewer on the case page. A dossier the self-check passes therefore gives the reviewer no
automatic finding, and a problem the reviewer would be shown is one the professional could see (and fix) first.

The rules, each giving findings with a code (the gateway turns codes into texts and links to fix them):

- ``evidence_missing`` (error): a self-entered activity without an evidence file. The scheme asks evidence of every
  self-entered entry (non-accredited A1 and A2); provider-placed entries and approved teaching carry their own
  proof.
- ``outside_cycle`` (error): completed before the cycle's first or after its last day.
- ``type_not_in_scheme`` (error): an A2 type the cycle's scheme version does not know.
- ``points_differ`` (error): a self-entered activity whose points are not what the cycle's scheme gives for its
  hours, type and quantity (A1: points per study-load hour; A2: the type's points per unit, rounded down to
  halves); ``condition_not_met`` (error): an A2 unit shorter than the type's minimum duration.
- ``counted_twice`` (error): the same course or activity (same title and completion date, whoever entered it)
  more than once; the later entries are flagged.
- ``norm_total_short`` / ``norm_accredited_short`` / ``norm_a2_short`` (error): the counting points fall short of a
  minimum of the norm (the minimums are tags on the same points, as the portfolio counts them).
- ``provider_entry_unconfirmed`` (notice): a provider-placed entry not yet confirmed (it counts; silence is
  consent after the check window, but a wrong entry should be disputed before applying).
- ``provider_entry_disputed`` (notice): a disputed entry, which does not count until the dispute is resolved.

``sample_flag_share`` is the share of self-entered activities (those a sample reviews) with at least one error.

Pure: no I/O; the scheme version is passed in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Literal

from lklr_shared.contracts.portfolio import DossierActivity, DossierCheck, DossierCheckFinding
from lklr_shared.scheme import A2Unit, CategoryKey, SchemeVersion

__all__ = [
    "COUNTING_STATES",
    "CheckResult",
    "CheckedActivity",
    "Finding",
    "FindingCode",
    "check_dossier",
    "check_view",
    "checked_from_dossier",
    "scheme_points",
]

Severity = Literal["error", "notice"]

# Entry states that count towards the norm (the portfolio's rule: voided, rejected and disputed entries do not).
COUNTING_STATES = frozenset({"placed", "confirmed", "to_be_checked", "approved"})
_ZERO = Decimal(0)


class FindingCode(StrEnum):
    """What a finding is about."""

    EVIDENCE_MISSING = "evidence_missing"
    OUTSIDE_CYCLE = "outside_cycle"
    TYPE_NOT_IN_SCHEME = "type_not_in_scheme"
    POINTS_DIFFER = "points_differ"
    CONDITION_NOT_MET = "condition_not_met"
    COUNTED_TWICE = "counted_twice"
    NORM_TOTAL_SHORT = "norm_total_short"
    NORM_ACCREDITED_SHORT = "norm_accredited_short"
    NORM_A2_SHORT = "norm_a2_short"
    PROVIDER_ENTRY_UNCONFIRMED = "provider_entry_unconfirmed"
    PROVIDER_ENTRY_DISPUTED = "provider_entry_disputed"


_NOTICES = frozenset({FindingCode.PROVIDER_ENTRY_UNCONFIRMED, FindingCode.PROVIDER_ENTRY_DISPUTED})


@dataclass(frozen=True, slots=True)
class CheckedActivity:
    """One activity as the checks see it. ``source``: self_entered, provider_placed or teaching; ``state`` the
    entry's state. The fields from ``a2_type`` on are those the professional entered (None where not known, e.g. a
    dossier frozen before they travelled with it: the points check then skips the activity)."""

    activity_id: str
    category: str
    title: str
    points: Decimal
    accredited: bool
    source: str
    state: str
    completion_date: date
    evidence_count: int
    a2_type: str | None = None
    study_load_hours: Decimal | None = None
    quantity: Decimal | None = None
    hours_per_unit: Decimal | None = None

    @property
    def self_entered(self) -> bool:
        """Entered by the professional (what a sample reviews)."""
        return self.source == "self_entered"


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: its code, whether it blocks (error) or informs (notice), the activity it is about (None for the
    dossier as a whole) and, for a norm minimum or a points difference, the points involved."""

    code: FindingCode
    activity_id: str | None = None
    points: Decimal | None = None
    expected_points: Decimal | None = None

    @property
    def severity(self) -> Severity:
        """``notice`` for provider entries to check, ``error`` for everything a reviewer would flag."""
        return "notice" if self.code in _NOTICES else "error"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The findings of one dossier, errors first, and how many self-entered activities a sample would flag."""

    findings: tuple[Finding, ...]
    self_entered_count: int
    flagged_self_entered_count: int

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings a reviewer would flag."""
        return tuple(finding for finding in self.findings if finding.severity == "error")

    @property
    def passed(self) -> bool:
        """No finding a reviewer would flag (notices may remain)."""
        return not self.errors

    @property
    def sample_flag_share(self) -> Decimal:
        """The share (0 to 1, two decimals) of self-entered activities with at least one error: the chance that
        one activity a sample draws is flagged. 0 when there is no self-entered activity."""
        if self.self_entered_count == 0:
            return _ZERO
        return (Decimal(self.flagged_self_entered_count) / Decimal(self.self_entered_count)).quantize(Decimal("0.01"))


def _floor_half(points: Decimal) -> Decimal:
    return ((points * 2).to_integral_value(rounding=ROUND_FLOOR) / 2).quantize(Decimal("0.01"))


def scheme_points(scheme: SchemeVersion, activity: CheckedActivity) -> Decimal | FindingCode | None:
    """The points ``scheme`` gives a self-entered activity, a finding code when it gives none (unknown type, a
    unit below the minimum duration), or None when the entered fields are not known (nothing to compare)."""
    if activity.category == CategoryKey.A1.value:
        per_hour = scheme.category(CategoryKey.A1).points_per_study_load_hour
        if activity.study_load_hours is None or per_hour is None:
            return None
        return _floor_half(per_hour * activity.study_load_hours)
    if activity.a2_type is None:
        return None
    activity_type = next((kind for kind in scheme.a2_types if kind.key == activity.a2_type), None)
    if activity_type is None:
        return FindingCode.TYPE_NOT_IN_SCHEME
    if activity.quantity is None:
        return None
    minimum = activity_type.min_hours_per_unit
    if minimum is not None and (activity.hours_per_unit is None or activity.hours_per_unit < minimum):
        return FindingCode.CONDITION_NOT_MET
    quantity = activity.quantity
    if activity_type.unit is not A2Unit.PER_HOUR_GIVEN:
        quantity = quantity.to_integral_value(rounding=ROUND_FLOOR)
    return _floor_half(activity_type.points * quantity)


def _same_course_key(activity: CheckedActivity) -> tuple[str, date]:
    return " ".join(activity.title.casefold().split()), activity.completion_date


def _activity_findings(
    scheme: SchemeVersion, cycle_start: date, cycle_end: date, activity: CheckedActivity
) -> list[Finding]:
    found: list[Finding] = []
    ident = activity.activity_id
    if activity.source == "provider_placed" and activity.state == "placed":
        found.append(Finding(FindingCode.PROVIDER_ENTRY_UNCONFIRMED, ident, activity.points))
    if activity.state == "disputed":
        found.append(Finding(FindingCode.PROVIDER_ENTRY_DISPUTED, ident, activity.points))
    if activity.state not in COUNTING_STATES:
        return found  # voided, rejected or disputed: it does not count, so nothing else about it matters
    if not cycle_start <= activity.completion_date <= cycle_end:
        found.append(Finding(FindingCode.OUTSIDE_CYCLE, ident))
    if activity.self_entered:
        if activity.evidence_count == 0:
            found.append(Finding(FindingCode.EVIDENCE_MISSING, ident))
        expected = scheme_points(scheme, activity)
        if isinstance(expected, FindingCode):
            found.append(Finding(expected, ident, activity.points))
        elif expected is not None and expected != activity.points:
            found.append(Finding(FindingCode.POINTS_DIFFER, ident, activity.points, expected))
    elif activity.a2_type is not None and scheme.a2_type(activity.a2_type) is None:
        found.append(Finding(FindingCode.TYPE_NOT_IN_SCHEME, ident, activity.points))
    return found


def check_dossier(
    scheme: SchemeVersion, cycle_start: date, cycle_end: date, activities: Iterable[CheckedActivity]
) -> CheckResult:
    """Check a cycle's activities against ``scheme`` (the cycle's own version): every rule of the module."""
    ordered = sorted(activities, key=lambda a: (a.completion_date, a.activity_id))
    per_activity: dict[str, list[Finding]] = {
        a.activity_id: _activity_findings(scheme, cycle_start, cycle_end, a) for a in ordered
    }

    seen: set[tuple[str, date]] = set()
    for activity in ordered:
        if activity.state not in COUNTING_STATES:
            continue
        key = _same_course_key(activity)
        if key in seen:
            per_activity[activity.activity_id].append(Finding(FindingCode.COUNTED_TWICE, activity.activity_id))
        seen.add(key)

    flagged = {
        ident for ident, findings in per_activity.items() if any(finding.severity == "error" for finding in findings)
    }
    counting = [
        a
        for a in ordered
        if a.state in COUNTING_STATES and a.activity_id not in flagged and cycle_start <= a.completion_date <= cycle_end
    ]
    total = sum((a.points for a in counting), start=_ZERO)
    accredited = sum((a.points for a in counting if a.accredited), start=_ZERO)
    a2 = sum((a.points for a in counting if a.category == CategoryKey.A2.value), start=_ZERO)
    norm = scheme.norm
    dossier_findings = [
        Finding(code, None, earned, minimum)
        for code, earned, minimum in (
            (FindingCode.NORM_TOTAL_SHORT, total, norm.min_total_points),
            (FindingCode.NORM_ACCREDITED_SHORT, accredited, norm.min_accredited_points),
            (FindingCode.NORM_A2_SHORT, a2, norm.min_a2_points),
        )
        if earned < minimum
    ]
    activity_findings = [finding for a in ordered for finding in per_activity[a.activity_id]]
    findings = sorted(
        [*activity_findings, *dossier_findings], key=lambda finding: 0 if finding.severity == "error" else 1
    )
    self_entered = [a for a in ordered if a.self_entered and a.state in COUNTING_STATES]
    return CheckResult(
        findings=tuple(findings),
        self_entered_count=len(self_entered),
        flagged_self_entered_count=sum(1 for a in self_entered if a.activity_id in flagged),
    )


def checked_from_dossier(activity: DossierActivity) -> CheckedActivity:
    """A frozen dossier's activity as the checks see it. A dossier frozen before the source and state travelled
    with it: self-entered entries were to be checked, the others counted as placed by their provider."""
    source = activity.source or ("self_entered" if activity.self_entered else "provider_placed")
    state = activity.state or ("to_be_checked" if activity.self_entered else "confirmed")
    return CheckedActivity(
        activity_id=str(activity.activity_id),
        category=activity.category,
        title=activity.title,
        points=activity.points,
        accredited=activity.accredited,
        source=source,
        state=state,
        completion_date=activity.completion_date,
        evidence_count=len(activity.evidence),
        a2_type=activity.a2_type,
        study_load_hours=activity.study_load_hours,
        quantity=activity.quantity,
        hours_per_unit=activity.hours_per_unit,
    )


def check_view(result: CheckResult, titles: Mapping[str, str]) -> DossierCheck:
    """The result as the contracts carry it; ``titles`` names each activity (by id) for the reader."""
    return DossierCheck(
        passed=result.passed,
        findings=[
            DossierCheckFinding(
                code=finding.code.value,
                severity=finding.severity,
                activity_id=None if finding.activity_id is None else uuid.UUID(finding.activity_id),
                activity_title=titles.get(finding.activity_id or "", ""),
                points=finding.points,
                expected_points=finding.expected_points,
            )
            for finding in result.findings
        ],
        self_entered_count=result.self_entered_count,
        flagged_self_entered_count=result.flagged_self_entered_count,
        sample_flag_share=result.sample_flag_share,
    )
