"""Reviewer assignment: never a conflict of interest, and work spread evenly."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.domain.assignment import (
    Assignment,
    Conflict,
    EntityId,
    ReviewCase,
    Reviewer,
    assign_batch,
    conflict_of_interest,
    is_eligible,
)

pytestmark = pytest.mark.unit


def assign_one(case: ReviewCase, reviewers: list[Reviewer]) -> EntityId | None:
    """The reviewer a batch of one case goes to; None when it stays unassigned."""
    result = assign_batch([case], reviewers)
    if result.unassigned:
        assert result.unassigned == (case.case_id,)
        return None
    (assignment,) = result.assignments
    assert assignment == Assignment(case.case_id, assignment.reviewer_id)
    return assignment.reviewer_id


def test_a_reviewer_never_gets_their_own_dossier() -> None:
    own = Reviewer("r1", employer_id="gemeente-a", person_id="p1")
    case = ReviewCase("c1", owner_person_id="p1", owner_employer_id="gemeente-b")

    assert conflict_of_interest(own, case) is Conflict.OWN_DOSSIER
    assert assign_one(case, [own]) is None


def test_a_reviewer_never_gets_a_colleague_of_the_same_employer() -> None:
    colleague = Reviewer("r1", employer_id="gemeente-a")
    case = ReviewCase("c1", owner_person_id="p9", owner_employer_id="gemeente-a")

    assert conflict_of_interest(colleague, case) is Conflict.SAME_EMPLOYER
    assert not is_eligible(colleague, case)


def test_own_dossier_is_detected_when_ids_arrive_as_uuid_and_as_string() -> None:
    person = uuid.uuid4()
    reviewer = Reviewer("r1", employer_id="x", person_id=person)
    case = ReviewCase("c1", owner_person_id=str(person), owner_employer_id="y")

    assert conflict_of_interest(reviewer, case) is Conflict.OWN_DOSSIER


def test_an_inactive_reviewer_gets_no_cases() -> None:
    inactive = Reviewer("r1", employer_id="a", active=False)
    case = ReviewCase("c1", owner_person_id="p", owner_employer_id="b")

    assert assign_one(case, [inactive]) is None


def test_the_least_loaded_eligible_reviewer_gets_the_case() -> None:
    reviewers = [
        Reviewer("r1", employer_id="a", load=0),  # same employer as the owner
        Reviewer("r2", employer_id="b", load=3),
        Reviewer("r3", employer_id="c", load=1),
    ]
    case = ReviewCase("c1", owner_person_id="p", owner_employer_id="a")

    assert assign_one(case, reviewers) == "r3"


def test_a_tie_in_load_goes_to_the_smallest_reviewer_id_whatever_the_listing_order() -> None:
    reviewers = [Reviewer("r2", employer_id="b"), Reviewer("r1", employer_id="c")]
    case = ReviewCase("c1", owner_person_id="p", owner_employer_id="a")

    assert assign_one(case, reviewers) == "r1"
    assert assign_one(case, list(reversed(reviewers))) == "r1"


def test_duplicate_reviewer_ids_are_refused() -> None:
    case = ReviewCase("c1", owner_person_id="p", owner_employer_id="a")

    with pytest.raises(ValueError, match="unique"):
        assign_one(case, [Reviewer("r1", employer_id="b"), Reviewer("r1", employer_id="c")])


def test_a_negative_load_is_refused() -> None:
    with pytest.raises(ValueError):
        Reviewer("r1", employer_id="a", load=-1)


def test_a_batch_spreads_cases_evenly_and_counts_its_own_assignments() -> None:
    reviewers = [Reviewer(f"r{i}", employer_id=f"e{i}") for i in range(3)]
    cases = [ReviewCase(f"c{i}", owner_person_id=f"p{i}", owner_employer_id="elsewhere") for i in range(7)]

    result = assign_batch(cases, reviewers)

    assert [a.case_id for a in result.assignments] == [c.case_id for c in cases]
    assert sorted(result.loads.values()) == [2, 2, 3]
    assert result.unassigned == ()


def test_a_batch_reports_cases_without_an_eligible_reviewer_instead_of_failing() -> None:
    reviewers = [Reviewer("r1", employer_id="a"), Reviewer("r2", employer_id="a")]
    cases = [
        ReviewCase("c1", owner_person_id="p1", owner_employer_id="a"),
        ReviewCase("c2", owner_person_id="p2", owner_employer_id="b"),
    ]

    result = assign_batch(cases, reviewers)

    assert result.unassigned == ("c1",)
    assert [a.case_id for a in result.assignments] == ["c2"]


def test_a_batch_places_constrained_cases_first_to_keep_loads_even() -> None:
    # r1 is the only reviewer allowed on c1 (r2 works for the same employer as c1's owner). Placed in input
    # order, the flexible c2 would go to r1 first and r1 would end with two cases while r2 has none.
    reviewers = [Reviewer("r1", employer_id="x"), Reviewer("r2", employer_id="a")]
    cases = [
        ReviewCase("c2", owner_person_id="p2", owner_employer_id="b"),
        ReviewCase("c1", owner_person_id="p1", owner_employer_id="a"),
    ]

    result = assign_batch(cases, reviewers)

    assert {(a.case_id, a.reviewer_id) for a in result.assignments} == {("c1", "r1"), ("c2", "r2")}
    assert result.loads == {"r1": 1, "r2": 1}


def test_a_batch_equals_one_by_one_assignment_when_everyone_is_eligible() -> None:
    reviewers = [Reviewer(f"r{i}", employer_id=f"e{i}", load=i % 2) for i in range(4)]
    cases = [ReviewCase(f"c{i}", owner_person_id=f"p{i}", owner_employer_id="elsewhere") for i in range(9)]

    batch = assign_batch(cases, reviewers)

    pool = {r.reviewer_id: r for r in reviewers}
    one_by_one = []
    for case in cases:
        chosen_id = assign_one(case, list(pool.values()))
        assert chosen_id is not None
        chosen = pool[chosen_id]
        one_by_one.append(chosen_id)
        pool[chosen_id] = Reviewer(chosen_id, chosen.employer_id, load=chosen.load + 1)
    assert [a.reviewer_id for a in batch.assignments] == one_by_one


# --- properties ------------------------------------------------------------------------------------------

_EMPLOYERS = [f"emp{i}" for i in range(4)]
_PEOPLE = [f"person{i}" for i in range(8)]


@st.composite
def _reviewers(draw: st.DrawFn) -> list[Reviewer]:
    count = draw(st.integers(min_value=0, max_value=8))
    return [
        Reviewer(
            reviewer_id=f"rev{i}",
            employer_id=draw(st.sampled_from(_EMPLOYERS)),
            person_id=draw(st.none() | st.sampled_from(_PEOPLE)),
            active=draw(st.booleans()),
            load=draw(st.integers(min_value=0, max_value=5)),
        )
        for i in range(count)
    ]


@st.composite
def _cases(draw: st.DrawFn) -> list[ReviewCase]:
    count = draw(st.integers(min_value=0, max_value=30))
    return [
        ReviewCase(
            case_id=f"case{i}",
            owner_person_id=draw(st.sampled_from(_PEOPLE)),
            owner_employer_id=draw(st.sampled_from(_EMPLOYERS)),
        )
        for i in range(count)
    ]


@settings(max_examples=300, deadline=None)
@given(reviewers=_reviewers(), cases=_cases())
def test_no_batch_ever_breaks_the_conflict_of_interest_rules(
    reviewers: list[Reviewer], cases: list[ReviewCase]
) -> None:
    result = assign_batch(cases, reviewers)

    by_id = {r.reviewer_id: r for r in reviewers}
    case_by_id = {c.case_id: c for c in cases}
    for assignment in result.assignments:
        reviewer, case = by_id[assignment.reviewer_id], case_by_id[assignment.case_id]
        assert reviewer.active
        assert reviewer.person_id != case.owner_person_id
        assert reviewer.employer_id != case.owner_employer_id
    for case_id in result.unassigned:
        assert not any(is_eligible(r, case_by_id[case_id]) for r in reviewers)
    assert len(result.assignments) + len(result.unassigned) == len(cases)
    # Loads grow by exactly the cases handed out.
    assert sum(result.loads.values()) == sum(r.load for r in reviewers) + len(result.assignments)


@settings(max_examples=300, deadline=None)
@given(
    reviewers=_reviewers(), case=st.builds(ReviewCase, st.text(), st.sampled_from(_PEOPLE), st.sampled_from(_EMPLOYERS))
)
def test_a_single_case_goes_to_the_least_loaded_eligible_reviewer_or_stays_unassigned(
    reviewers: list[Reviewer], case: ReviewCase
) -> None:
    eligible = [r for r in reviewers if is_eligible(r, case)]
    chosen_id = assign_one(case, reviewers)
    if not eligible:
        assert chosen_id is None
        return

    (chosen,) = [r for r in reviewers if r.reviewer_id == chosen_id]
    assert chosen in eligible
    assert chosen.load == min(r.load for r in eligible)


@settings(max_examples=300, deadline=None)
@given(
    reviewer_count=st.integers(min_value=1, max_value=12),
    start_load=st.integers(min_value=0, max_value=50),
    case_count=st.integers(min_value=0, max_value=100),
)
def test_loads_stay_within_one_of_each_other_when_everyone_is_eligible(
    reviewer_count: int, start_load: int, case_count: int
) -> None:
    reviewers = [
        Reviewer(f"r{i}", employer_id=f"reviewer-employer-{i}", load=start_load) for i in range(reviewer_count)
    ]
    cases = [
        ReviewCase(f"c{i}", owner_person_id=f"p{i}", owner_employer_id="owner-employer") for i in range(case_count)
    ]

    loads = assign_batch(cases, reviewers).loads.values()

    assert max(loads) - min(loads) <= 1


@settings(max_examples=300, deadline=None)
@given(
    start_loads=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=10),
    case_count=st.integers(min_value=0, max_value=100),
)
def test_a_batch_never_widens_an_uneven_spread_when_everyone_is_eligible(
    start_loads: list[int], case_count: int
) -> None:
    reviewers = [
        Reviewer(f"r{i}", employer_id=f"reviewer-employer-{i}", load=load) for i, load in enumerate(start_loads)
    ]
    cases = [
        ReviewCase(f"c{i}", owner_person_id=f"p{i}", owner_employer_id="owner-employer") for i in range(case_count)
    ]

    loads = assign_batch(cases, reviewers).loads.values()

    assert max(loads) - min(loads) <= max(max(start_loads) - min(start_loads), 1)
