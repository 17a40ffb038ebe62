"""The norm of a cycle against the default scheme: points, tags, counting rules, buffer and what-ifs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lklr_shared.scheme import SchemeBook, SchemeVersion, default_scheme_path, load_scheme_book
from portfolio.domain.activities import Activity, EntryState
from portfolio.domain.norm import (
    ConstraintKind,
    Cycle,
    ExclusionReason,
    NormOutcome,
    assess_norm,
    cycle_end,
)

from . import entries

pytestmark = pytest.mark.unit

D = Decimal

# A first cycle under the 2018 scheme: registered on 1 March 2020, cycle runs until 28 February 2025.
CYCLE = Cycle(start=date(2020, 3, 1), end=date(2025, 2, 28), registration_start=date(2020, 3, 1))
IN_CYCLE = date(2022, 6, 15)
TODAY = date(2024, 9, 1)


@pytest.fixture(scope="module")
def book() -> SchemeBook:
    return load_scheme_book(default_scheme_path())


@pytest.fixture(scope="module")
def scheme(book: SchemeBook) -> SchemeVersion:
    return CYCLE.scheme(book)


# --- activity builders: one per way an entry reaches the portfolio ---------------------------------------------


def course(points: str | int, *, on: date = IN_CYCLE, state: EntryState = EntryState.PLACED) -> Activity:
    """An accredited A1 course posted by its provider."""
    return entries.placed_course(points, on, state=state)


def teaching(points: str | int, *, on: date = IN_CYCLE, state: EntryState = EntryState.PLACED) -> Activity:
    """Giving training, approved by the accreditation committee: accredited AND A2."""
    return entries.teaching(points, on, state=state)


def own_a1(points: str | int, *, on: date = IN_CYCLE, state: EntryState = EntryState.TO_BE_CHECKED) -> Activity:
    """A non-accredited course the professional entered."""
    return entries.self_entered(points, on, state=state)


def own_a2(
    points: str | int,
    *,
    a2_type: str = "collegial_feedback",
    on: date = IN_CYCLE,
    state: EntryState = EntryState.TO_BE_CHECKED,
) -> Activity:
    """An A2 activity the professional entered."""
    return entries.self_entered(points, on, a2_type=a2_type, state=state)


def assess(scheme: SchemeVersion, activities: Sequence[Activity], *, cycle: Cycle = CYCLE) -> NormOutcome:
    return assess_norm(cycle, scheme, activities, today=TODAY)


# --- points against the three minimums -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activities", "total", "accredited", "a2", "met", "min_additional"),
    [
        pytest.param([], 0, 0, 0, False, 160, id="empty-portfolio"),
        pytest.param(
            [course(40), own_a2(40), own_a1(80)], 160, 40, 40, True, 0, id="separate-tags-exactly-meet-the-norm"
        ),
        pytest.param(
            [teaching(40), own_a1(120)], 160, 40, 40, True, 0, id="accredited-a2-counts-towards-both-minimums"
        ),
        pytest.param(
            [teaching(20), course(20), own_a2(20), own_a1(100)],
            160,
            40,
            40,
            True,
            0,
            id="overlap-partly",
        ),
        pytest.param([course(200)], 200, 200, 0, False, 40, id="plenty-of-points-but-no-a2"),
        pytest.param([own_a1(140)], 140, 0, 0, False, 40, id="gaps-overlap-so-40-accredited-a2-would-do"),
        pytest.param(
            [course("40.5"), own_a2("39.5"), own_a1("79.5")],
            "159.5",
            "40.5",
            "39.5",
            False,
            "0.5",
            id="half-points",
        ),
        pytest.param([course("40.5"), own_a2("40"), own_a1("79.5")], 160, "40.5", 40, True, 0, id="halves-add-up"),
    ],
)
def test_progress_against_each_minimum(
    scheme: SchemeVersion,
    activities: list[Activity],
    total: int | str,
    accredited: int | str,
    a2: int | str,
    met: bool,
    min_additional: int | str,
) -> None:
    outcome = assess(scheme, activities)
    assert (outcome.total.earned, outcome.accredited.earned, outcome.a2.earned) == (
        D(total),
        D(accredited),
        D(a2),
    )
    assert outcome.met is met
    assert outcome.min_additional_points == D(min_additional)


def test_reports_what_is_missing_per_minimum(scheme: SchemeVersion) -> None:
    outcome = assess(scheme, [course(30), own_a2(10), own_a1(100)])
    missing = {constraint.kind: constraint.missing for constraint in outcome.constraints}
    assert missing == {ConstraintKind.TOTAL: D(20), ConstraintKind.ACCREDITED: D(10), ConstraintKind.A2: D(30)}
    assert [constraint.minimum for constraint in outcome.constraints] == [D(160), D(40), D(40)]
    assert not outcome.a2.met
    assert outcome.total.surplus == 0


# --- which activities count ------------------------------------------------------------------------------------

SECOND_CYCLE = Cycle(start=date(2020, 3, 1), end=date(2025, 2, 28), registration_start=date(2015, 3, 1))


@pytest.mark.parametrize(
    ("activity", "cycle", "reason"),
    [
        pytest.param(course(8, on=date(2020, 3, 1)), CYCLE, None, id="on-the-first-day"),
        pytest.param(course(8, on=date(2025, 2, 28)), CYCLE, None, id="on-the-last-day"),
        pytest.param(
            course(8, on=date(2020, 2, 29)), CYCLE, ExclusionReason.BEFORE_REGISTRATION, id="before-registration"
        ),
        pytest.param(
            course(8, on=date(2019, 6, 1)), SECOND_CYCLE, ExclusionReason.BEFORE_CYCLE, id="in-the-previous-cycle"
        ),
        pytest.param(course(8, on=date(2025, 3, 1)), CYCLE, ExclusionReason.AFTER_CYCLE, id="after-the-cycle"),
        pytest.param(course(8, state=EntryState.CONFIRMED), CYCLE, None, id="confirmed"),
        pytest.param(course(8, state=EntryState.VOIDED), CYCLE, ExclusionReason.VOIDED, id="voided"),
        pytest.param(course(8, state=EntryState.DISPUTED), CYCLE, ExclusionReason.DISPUTED, id="disputed"),
        pytest.param(teaching(8, state=EntryState.VOIDED), CYCLE, ExclusionReason.VOIDED, id="teaching-voided"),
        pytest.param(own_a1(8, state=EntryState.APPROVED), CYCLE, None, id="approved"),
        pytest.param(own_a1(8), CYCLE, None, id="to-be-checked"),
        pytest.param(own_a2(8, state=EntryState.REJECTED), CYCLE, ExclusionReason.REJECTED, id="rejected"),
    ],
)
def test_which_activities_count(
    scheme: SchemeVersion, activity: Activity, cycle: Cycle, reason: ExclusionReason | None
) -> None:
    outcome = assess(scheme, [activity], cycle=cycle)
    if reason is None:
        assert outcome.counted == (activity,)
        assert outcome.total.earned == activity.points
    else:
        assert outcome.counted == ()
        assert [(e.activity, e.reason) for e in outcome.excluded] == [(activity, reason)]
        assert outcome.total.earned == 0


def test_disputed_points_are_shown_apart_until_resolved(scheme: SchemeVersion) -> None:
    disputed = course(12, state=EntryState.DISPUTED)
    outcome = assess(scheme, [course(40), disputed, course(5, state=EntryState.DISPUTED, on=date(2026, 1, 1))])
    assert outcome.total.earned == D(40)
    assert outcome.disputed_points == D(12)  # the out-of-cycle dispute is excluded for its date first


def test_rejects_duplicate_activity_ids(scheme: SchemeVersion) -> None:
    activity = course(8)
    with pytest.raises(ValueError, match="unique"):
        assess(scheme, [activity, activity])


# --- the buffer against sample rejections ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activities", "at_risk", "buffer"),
    [
        pytest.param([teaching(40), own_a1(130)], 130, 10, id="total-surplus-limits-when-a2-is-not-at-risk"),
        pytest.param([course(40), own_a2(50), own_a1(110)], 160, 10, id="a2-surplus-limits-when-a2-is-at-risk"),
        pytest.param([course(120), teaching(60), own_a2(10)], 10, 10, id="everything-at-risk-could-be-rejected"),
        pytest.param(
            [course(40), own_a2(40, state=EntryState.APPROVED), own_a1(90, state=EntryState.APPROVED)],
            0,
            0,
            id="nothing-left-to-check",
        ),
        pytest.param([course(40), own_a2(40), own_a1(79)], 119, 0, id="norm-not-met-has-no-buffer"),
        pytest.param(
            [course(40), own_a2(40), own_a1(100)], 140, 0, id="a2-exactly-at-minimum-and-at-risk-has-no-buffer"
        ),
        pytest.param([teaching(40), own_a1("120.5")], "120.5", "0.5", id="half-point-buffer"),
        pytest.param(
            [teaching(40), own_a1(90, state=EntryState.REJECTED), own_a1(130)],
            130,
            10,
            id="already-rejected-points-are-not-at-risk",
        ),
    ],
)
def test_buffer_against_sample_rejections(
    scheme: SchemeVersion, activities: list[Activity], at_risk: int | str, buffer: int | str
) -> None:
    outcome = assess(scheme, activities)
    assert outcome.at_risk_points == D(at_risk)
    assert outcome.buffer_points == D(buffer)


@pytest.mark.parametrize(
    ("rejected", "holds"),
    [(D(0), True), (D(10), True), (D("10.5"), False), (D(50), False)],
)
def test_holds_if_rejected_takes_the_worst_case(scheme: SchemeVersion, rejected: Decimal, holds: bool) -> None:
    # 200 points, 50 of A2 at risk: rejecting more than 10 could pull A2 under 40 even though the total survives.
    outcome = assess(scheme, [course(40), own_a2(50), own_a1(110)])
    assert outcome.holds_if_rejected(rejected) is holds


def test_holds_if_rejected_when_not_met_is_false(scheme: SchemeVersion) -> None:
    assert assess(scheme, [own_a1(10)]).holds_if_rejected(D(0)) is False


@pytest.mark.parametrize("rejected", [D(-1), D("160.5")])
def test_holds_if_rejected_refuses_impossible_amounts(scheme: SchemeVersion, rejected: Decimal) -> None:
    outcome = assess(scheme, [course(40), own_a2(50), own_a1(110)])
    with pytest.raises(ValueError):
        outcome.holds_if_rejected(rejected)


# --- what-ifs --------------------------------------------------------------------------------------------------


def test_with_added_shows_the_outcome_of_one_more_activity(scheme: SchemeVersion) -> None:
    before = assess(scheme, [course("40.5"), own_a2("39.5"), own_a1("79.5")])
    after = before.with_added(own_a2("0.5", a2_type="giving_training"))
    assert not before.met
    assert after.met
    assert after.total.earned == D(160)
    assert len(before.activities) == 3  # the original outcome is untouched


def test_with_added_outside_the_cycle_changes_nothing(scheme: SchemeVersion) -> None:
    before = assess(scheme, [course(40)])
    after = before.with_added(own_a2(40, on=date(2025, 3, 1)))
    assert after.total == before.total
    assert after.excluded[-1].reason is ExclusionReason.AFTER_CYCLE


def test_with_added_refuses_an_activity_already_there(scheme: SchemeVersion) -> None:
    activity = course(40)
    with pytest.raises(ValueError):
        assess(scheme, [activity]).with_added(activity)


# --- days left -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "days_left"),
    [
        (date(2025, 2, 28), 1),
        (date(2025, 2, 1), 28),
        (date(2025, 3, 1), 0),
        (date(2019, 1, 1), 1826),
        (date(2020, 3, 1), 1826),
    ],
)
def test_days_left_in_the_cycle(scheme: SchemeVersion, today: date, days_left: int) -> None:
    assert assess_norm(CYCLE, scheme, [], today=today).days_left == days_left


# --- cycles and scheme versions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2020, 3, 1), date(2025, 2, 28)),
        (date(2023, 3, 1), date(2028, 2, 29)),
        (date(2024, 2, 29), date(2029, 2, 28)),
        (date(2021, 1, 15), date(2026, 1, 14)),
    ],
)
def test_a_cycle_ends_the_day_before_its_anniversary(start: date, end: date) -> None:
    assert cycle_end(start, 5) == end


def test_cycle_length_comes_from_the_scheme(book: SchemeBook) -> None:
    cycle = Cycle.starting(date(2020, 3, 1), registration_start=date(2020, 3, 1), book=book)
    assert cycle.end == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("start", "end", "registration_start"),
    [
        (date(2020, 3, 1), date(2020, 2, 1), date(2020, 3, 1)),
        (date(2020, 3, 1), date(2025, 2, 28), date(2020, 3, 2)),
    ],
)
def test_rejects_an_impossible_cycle(start: date, end: date, registration_start: date) -> None:
    with pytest.raises(ValueError):
        Cycle(start=start, end=end, registration_start=registration_start)


def _cycle_from(start: date, *, scheme_version: str | None = None) -> Cycle:
    return Cycle(start=start, end=cycle_end(start, 5), registration_start=start, scheme_version=scheme_version)


def test_type_added_later_does_not_count_in_a_cycle_opened_before(book: SchemeBook) -> None:
    feedback = own_a2(10, a2_type="feedback_360", on=date(2019, 6, 1))
    old_cycle = _cycle_from(date(2016, 5, 1))
    new_cycle = _cycle_from(date(2018, 5, 1))

    old = assess_norm(old_cycle, old_cycle.scheme(book), [feedback], today=date(2019, 7, 1))
    new = assess_norm(new_cycle, new_cycle.scheme(book), [feedback], today=date(2019, 7, 1))

    assert old.scheme.version == "2013.1"
    assert old.excluded[0].reason is ExclusionReason.TYPE_NOT_IN_SCHEME
    assert new.scheme.version == "2018.1"
    assert new.a2.earned == D(10)


def test_a_migrated_cycle_is_judged_by_the_version_the_office_chose(book: SchemeBook) -> None:
    migrated = _cycle_from(date(2016, 5, 1), scheme_version="2018.1")
    feedback = own_a2(10, a2_type="feedback_360", on=date(2019, 6, 1))
    outcome = assess_norm(migrated, migrated.scheme(book), [feedback], today=date(2019, 7, 1))
    assert outcome.a2.earned == D(10)


# --- the scheme file drives the outcome ------------------------------------------------------------------------


def _write_scheme(tmp_path: Path, text: str) -> SchemeBook:
    path = tmp_path / "scheme.toml"
    path.write_text(text, encoding="utf-8")
    return load_scheme_book(path)


def test_changing_the_scheme_file_changes_the_outcome_without_code(tmp_path: Path) -> None:
    default_text = default_scheme_path().read_text(encoding="utf-8")
    lowered = default_text.replace("min_total_points = 160", "min_total_points = 100")
    assert lowered != default_text
    activities = [course(40), own_a2(40), own_a1(20)]

    default_outcome = assess_norm(CYCLE, CYCLE.scheme(load_scheme_book(default_scheme_path())), activities, today=TODAY)
    lowered_outcome = assess_norm(CYCLE, CYCLE.scheme(_write_scheme(tmp_path, lowered)), activities, today=TODAY)

    assert not default_outcome.met
    assert lowered_outcome.met
    assert lowered_outcome.total.minimum == D(100)


def test_a_cycle_is_judged_by_the_version_in_force_when_it_opened(tmp_path: Path) -> None:
    # A later version lowers the total to 120; a cycle that opened before it keeps the 160 of its own version,
    # even when it is assessed while the later version is in force.
    text = default_scheme_path().read_text(encoding="utf-8")
    later = (
        '\n[[versions]]\nversion = "2022.1"\nvalid_from = 2022-01-01\n'
        + text.split('version = "2018.1"\nvalid_from = 2018-01-01\n', 1)[1]
    ).replace("min_total_points = 160", "min_total_points = 120")
    book = _write_scheme(tmp_path, text + later)
    activities = [course(40), own_a2(40), own_a1(40)]
    today = date(2023, 6, 1)

    opened_2020 = _cycle_from(date(2020, 3, 1))
    opened_2022 = _cycle_from(date(2022, 3, 1))
    old = assess_norm(opened_2020, opened_2020.scheme(book), activities, today=today)
    new = assess_norm(opened_2022, opened_2022.scheme(book), activities, today=today)

    assert book.version_in_force(today).version == "2022.1"
    assert (old.scheme.version, old.total.minimum, old.met) == ("2018.1", D(160), False)
    assert (new.scheme.version, new.total.minimum, new.met) == ("2022.1", D(120), True)
