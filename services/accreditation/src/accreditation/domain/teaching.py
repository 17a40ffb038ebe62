"""Teaching claims: a professional claims to have given a training; the committee approves or rejects it.

Approved teaching earns accredited A2 points at the scheme's rate for giving a training (by default 1 point per
hour given), by the scheme version in force on the day the training was given.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Final

from accreditation.domain.points import floor_to_half_points, positive_hours
from lklr_shared.errors import Conflict, Forbidden, InvalidRequest, RuleViolation
from lklr_shared.scheme import A2ActivityType, A2Unit, SchemeVersion

TEACHING_TYPE_KEY: Final = "giving_training"


class ClaimStatus(StrEnum):
    """Where a teaching claim stands."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


def teaching_type(scheme: SchemeVersion) -> A2ActivityType:
    """The scheme's A2 type for giving a training: ``giving_training``, or else the one accredited type counted
    per hour given. Raises 422 ``no_teaching_type_in_scheme`` when the version has none."""
    by_key = scheme.a2_type(TEACHING_TYPE_KEY)
    if by_key is not None:
        return by_key
    for activity_type in scheme.a2_types:
        if activity_type.unit is A2Unit.PER_HOUR_GIVEN and activity_type.accredited_after_approval:
            return activity_type
    raise RuleViolation(
        "no_teaching_type_in_scheme", f"Scheme version {scheme.version} has no activity type for giving a training."
    )


def teaching_points(scheme: SchemeVersion, hours: Decimal) -> Decimal:
    """Points for ``hours`` of training given, down to whole halves."""
    activity_type = teaching_type(scheme)
    if activity_type.unit is not A2Unit.PER_HOUR_GIVEN:
        # A scheme that makes "giving a training" a fixed amount per activity: one claim is one activity.
        return floor_to_half_points(activity_type.points)
    return floor_to_half_points(activity_type.points * hours)


def check_claim_hours(hours: Decimal) -> Decimal:
    """Hours given: positive, at most two decimals (400 ``invalid_hours``)."""
    checked = positive_hours(hours)
    if checked is None:
        raise InvalidRequest(
            "invalid_hours", f"Hours given must be a positive number with at most two decimals; got {hours}."
        )
    return checked


def check_not_own_claim(decider_account_id: str | None, claimant_person_id: uuid.UUID) -> None:
    """Separation of duties: nobody decides their own teaching claim (403 ``own_claim``); an account's id is its
    person's id."""
    if decider_account_id is not None and decider_account_id == str(claimant_person_id):
        raise Forbidden("own_claim", "You cannot decide your own teaching claim; another committee member does.")


def check_claim_undecided(status: ClaimStatus) -> None:
    """A claim is decided once (409 ``claim_already_decided``)."""
    if status is not ClaimStatus.SUBMITTED:
        raise Conflict("claim_already_decided", f"This claim was already {status}.")
