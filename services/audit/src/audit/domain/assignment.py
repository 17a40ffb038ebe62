"""Reviewer assignment: spreading review cases evenly over the assessment committee without conflicts of interest.

A reviewer never reviews their own dossier, nor the dossier of someone with the same employer. Among the
eligible reviewers the one with the least current load gets the case; ties go to the smallest reviewer id so
that every process computing the assignment from the same data reaches the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

EntityId = UUID | str
"""A person, employer, reviewer or case id. A UUID and its canonical string form denote the same id."""


def _canonical(value: EntityId) -> str:
    # Ids may reach us as UUIDs from one caller and as strings from another; a conflict check that compared them
    # with == would silently miss a reviewer's own dossier.
    return str(value)


class Conflict(StrEnum):
    """Why a reviewer may not review a case."""

    OWN_DOSSIER = "own_dossier"
    SAME_EMPLOYER = "same_employer"


@dataclass(frozen=True, slots=True)
class Reviewer:
    """A member of the assessment committee.

    ``person_id`` is the reviewer's id as a registered professional, if they are one. ``load`` is the number of
    open cases currently assigned to them.
    """

    reviewer_id: EntityId
    employer_id: EntityId
    person_id: EntityId | None = None
    active: bool = True
    load: int = 0

    def __post_init__(self) -> None:
        if self.load < 0:
            raise ValueError(f"reviewer {self.reviewer_id} has a negative load: {self.load}")


@dataclass(frozen=True, slots=True)
class ReviewCase:
    """A sampled dossier to be reviewed, with what the conflict-of-interest rules need about its owner."""

    case_id: EntityId
    owner_person_id: EntityId
    owner_employer_id: EntityId


@dataclass(frozen=True, slots=True)
class Assignment:
    """One case given to one reviewer."""

    case_id: EntityId
    reviewer_id: EntityId


@dataclass(frozen=True, slots=True)
class BatchAssignment:
    """The result of assigning many cases at once.

    ``assignments`` are in the input order of the cases that could be assigned; ``unassigned`` lists the cases
    for which no reviewer is eligible (they need the office's attention); ``loads`` holds every reviewer's load
    afterwards, keyed by the reviewer's canonical id (``str(reviewer_id)``).
    """

    assignments: tuple[Assignment, ...]
    unassigned: tuple[EntityId, ...]
    loads: Mapping[str, int]


def conflict_of_interest(reviewer: Reviewer, case: ReviewCase) -> Conflict | None:
    """Return the conflict that bars ``reviewer`` from ``case``, or ``None`` when there is none."""
    if reviewer.person_id is not None and _canonical(reviewer.person_id) == _canonical(case.owner_person_id):
        return Conflict.OWN_DOSSIER
    if _canonical(reviewer.employer_id) == _canonical(case.owner_employer_id):
        return Conflict.SAME_EMPLOYER
    return None


def is_eligible(reviewer: Reviewer, case: ReviewCase) -> bool:
    """Return whether ``reviewer`` may be given ``case``: active and without a conflict of interest."""
    return reviewer.active and conflict_of_interest(reviewer, case) is None


def _check_unique(reviewers: Sequence[Reviewer]) -> None:
    keys = [_canonical(r.reviewer_id) for r in reviewers]
    if len(set(keys)) != len(keys):
        raise ValueError("reviewer ids must be unique")


def _pick(case: ReviewCase, reviewers: Sequence[Reviewer], loads: Mapping[str, int]) -> Reviewer | None:
    eligible = [r for r in reviewers if is_eligible(r, case)]
    if not eligible:
        return None
    return min(eligible, key=lambda r: (loads[_canonical(r.reviewer_id)], _canonical(r.reviewer_id)))


def assign_batch(cases: Iterable[ReviewCase], reviewers: Iterable[Reviewer]) -> BatchAssignment:
    """Assign many cases at once, keeping the reviewers' loads as even as the conflict rules allow.

    The most constrained cases (fewest eligible reviewers) are placed first, so that the flexible ones can
    fill in around them; each case goes to its least-loaded eligible reviewer, counting the cases already
    given out in this batch. When every reviewer is eligible for every case, the spread of loads (max - min)
    never grows beyond ``max(initial spread, 1)``. Cases without an eligible reviewer are returned in
    ``unassigned`` instead of failing the whole batch.
    """
    case_list = list(cases)
    pool = list(reviewers)
    _check_unique(pool)
    loads = {_canonical(r.reviewer_id): r.load for r in pool}

    eligible_counts = [sum(1 for r in pool if is_eligible(r, case)) for case in case_list]
    # Stable order: among equally constrained cases the input order decides, so the result is deterministic.
    order = sorted(range(len(case_list)), key=lambda i: eligible_counts[i])

    chosen: dict[int, Reviewer] = {}
    for index in order:
        reviewer = _pick(case_list[index], pool, loads)
        if reviewer is not None:
            chosen[index] = reviewer
            loads[_canonical(reviewer.reviewer_id)] += 1

    assignments = tuple(
        Assignment(case_id=case.case_id, reviewer_id=chosen[i].reviewer_id)
        for i, case in enumerate(case_list)
        if i in chosen
    )
    unassigned = tuple(case.case_id for i, case in enumerate(case_list) if i not in chosen)
    return BatchAssignment(assignments=assignments, unassigned=unassigned, loads=dict(loads))
