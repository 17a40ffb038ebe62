"""Course submission, the committee's queue and decisions, objections, withdrawal, and the catalogue."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from lklr_shared.contracts import accreditation as contracts

from .conftest import Service, today

pytestmark = [pytest.mark.integration]

D = Decimal
COMMITTEE = "committee:test"
OFFICE = "office:test"


async def test_a_submitted_course_waits_in_the_queue_until_the_committee_approves_it(
    service: Service, eventually
) -> None:  # type: ignore[no-untyped-def]
    provider = await service.provider()
    course = await service.submitted_course(provider.provider_id)
    assert (course.status, course.points, course.objection_deadline) == ("submitted", None, None)
    queue = await service.call(contracts.ListCoursesForReview(requested_by=COMMITTEE))
    assert course.course_id in {c.course_id for c in queue.courses}

    missing_reason = await service.refusal(
        contracts.ApproveCourse(course_id=course.course_id, decided_by=COMMITTEE, reason="", points=D(8))
    )
    assert (missing_reason.status, missing_reason.code) == (400, "reason_required")
    bad_points = await service.refusal(
        contracts.ApproveCourse(course_id=course.course_id, decided_by=COMMITTEE, reason="Ok.", points=D("1.3"))
    )
    assert (bad_points.status, bad_points.code) == (400, "invalid_points")

    unexplained = await service.refusal(
        contracts.ApproveCourse(course_id=course.course_id, decided_by=COMMITTEE, reason="Voldoet.", points=D("7.5"))
    )
    assert (unexplained.status, unexplained.code) == (422, "points_deviation_unexplained")
    approved = await service.call(
        contracts.ApproveCourse(
            course_id=course.course_id,
            decided_by=COMMITTEE,
            reason="Voldoet.",
            points=D("7.5"),
            points_deviation_reason="Een half uur van de dag is pauze.",
        )
    )
    assert (approved.status, approved.points) == ("approved", D("7.5"))
    # Default validity: from the submission day, for the scheme's three years.
    assert approved.valid_from == today()
    assert approved.valid_until == today().replace(year=today().year + 3) - timedelta(days=1)
    assert approved.objection_deadline == today() + timedelta(weeks=8)
    assert [step.step for step in approved.history] == ["submitted", "approved"]
    assert approved.history[-1].by == COMMITTEE
    assert approved.history[-1].reason == "Voldoet.\nEen half uur van de dag is pauze."
    queue = await service.call(contracts.ListCoursesForReview())
    assert course.course_id not in {c.course_id for c in queue.courses}
    await eventually(
        lambda: service.events.of(contracts.CourseAccredited, lambda e: e.course_id == course.course_id),
        message="CourseAccredited",
    )
    (event,) = service.events.of(contracts.CourseAccredited, lambda e: e.course_id == course.course_id)
    assert (event.points, event.valid_from, event.provider_id) == (D("7.5"), today(), provider.provider_id)
    # The registry mails the provider from the event: it carries the name, the contact address and the reason.
    assert (event.provider_name, event.provider_contact_email, event.reason) == (
        provider.name,
        provider.contact_email,
        "Voldoet.\nEen half uur van de dag is pauze.",
    )

    again = await service.refusal(
        contracts.ApproveCourse(course_id=course.course_id, decided_by=COMMITTEE, reason="Nog eens.", points=D(8))
    )
    assert (again.status, again.code) == (409, "decision_not_allowed")


async def test_a_request_for_changes_is_answered_by_a_revision_that_returns_to_the_queue(service: Service) -> None:
    provider = await service.provider()
    course = await service.submitted_course(provider.provider_id)
    asked = await service.call(
        contracts.RequestCourseChanges(course_id=course.course_id, decided_by=COMMITTEE, reason="Programma ontbreekt.")
    )
    assert asked.status == "changes_requested"
    revise = contracts.ReviseCourse(
        provider_id=provider.provider_id,
        course_id=course.course_id,
        revised_by="account:provider",
        title=course.title,
        description=course.description,
        category="A1",
        study_load_hours=D(6),
        programme="Nu met programma.",
        note="Programma toegevoegd.",
    )
    other = await service.provider()
    refused = await service.refusal(revise.model_copy(update={"provider_id": other.provider_id}))
    assert (refused.status, refused.code) == (403, "not_your_course")
    revised = await service.call(revise)
    assert (revised.status, revised.study_load_hours, revised.programme) == ("submitted", D(6), "Nu met programma.")
    assert [s.step for s in revised.history] == ["submitted", "changes_requested", "revised"]
    again = await service.refusal(revise)
    assert (again.status, again.code) == (409, "course_not_revisable")


async def test_a_rejected_provider_objects_once_within_the_window_and_the_committee_answers(service: Service) -> None:
    provider = await service.provider()
    course = await service.submitted_course(provider.provider_id)
    rejected = await service.call(
        contracts.RejectCourse(course_id=course.course_id, decided_by=COMMITTEE, reason="Te algemeen.")
    )
    assert rejected.status == "rejected" and rejected.objection_deadline == today() + timedelta(weeks=8)

    objection = contracts.ObjectToCourseDecision(
        provider_id=provider.provider_id,
        course_id=course.course_id,
        objected_by="account:provider",
        reason="Onterecht.",
    )
    objected = await service.call(objection)
    assert objected.objection_open and objected.status == "rejected" and objected.objection_deadline is None
    queue = await service.call(contracts.ListCoursesForReview())
    assert course.course_id in {c.course_id for c in queue.courses}
    # The register office sees the open objection in its objection queue too.
    open_objections = await service.call(contracts.ListOpenCourseObjections())
    assert course.course_id in {c.course_id for c in open_objections.courses}
    assert all(c.objection_open for c in open_objections.courses)
    twice = await service.refusal(objection)
    assert (twice.status, twice.code) == (409, "already_objected")

    dismissed = await service.call(
        contracts.DismissCourseObjection(course_id=course.course_id, decided_by=COMMITTEE, reason="Besluit blijft.")
    )
    assert (dismissed.status, dismissed.objection_open) == ("rejected", False)
    answered = await service.call(contracts.ListOpenCourseObjections())
    assert course.course_id not in {c.course_id for c in answered.courses}
    assert [s.step for s in dismissed.history] == ["submitted", "rejected", "objected", "objection_dismissed"]
    # One objection per decision: the dismissed one used it up.
    assert (await service.refusal(objection)).code == "already_objected"
    # The committee's dismissal decided the objection in the register's one flow too (not upheld, its reasons).
    flow = await service.call(contracts.ListCourseObjections(requested_by=OFFICE))
    [decided] = [item for item in flow.objections if item.course_id == course.course_id]
    assert (decided.state, decided.outcome, decided.decision_reasons) == ("decided", "not_upheld", "Besluit blijft.")


async def test_an_upheld_objection_is_a_new_decision(service: Service) -> None:
    provider = await service.provider()
    course = await service.submitted_course(provider.provider_id)
    await service.call(contracts.RejectCourse(course_id=course.course_id, decided_by=COMMITTEE, reason="Te algemeen."))
    await service.call(
        contracts.ObjectToCourseDecision(
            provider_id=provider.provider_id, course_id=course.course_id, objected_by="p", reason="Zie bijlage."
        )
    )
    approved = await service.call(
        contracts.ApproveCourse(
            course_id=course.course_id, decided_by=COMMITTEE, reason="Bezwaar gegrond.", points=D(8)
        )
    )
    assert (approved.status, approved.objection_open) == ("approved", False)


async def test_an_objection_to_fewer_points_than_asked_runs_the_register_s_objection_flow_with_its_deadlines(
    service: Service, eventually
) -> None:  # type: ignore[no-untyped-def]
    provider = await service.provider()
    course = await service.submitted_course(provider.provider_id)
    await service.call(
        contracts.ApproveCourse(
            course_id=course.course_id,
            decided_by=COMMITTEE,
            reason="Voldoet, met minder punten.",
            points=D(6),
            points_deviation_reason="Twee uur van de dag is geen leerstof.",
        )
    )
    await service.call(
        contracts.ObjectToCourseDecision(
            provider_id=provider.provider_id,
            course_id=course.course_id,
            objected_by="account:provider",
            reason="De middag is een casusbespreking en hoort bij de studielast.",
        )
    )
    queue = await service.call(contracts.ListCourseObjections(requested_by=OFFICE, include_decided=False))
    [filed] = [item for item in queue.objections if item.course_id == course.course_id]
    # The shared rules' clock: filed today, decided within 6 weeks, the filing window the scheme's (8 weeks).
    assert (filed.state, filed.decision_step, filed.provider_name, filed.course_title) == (
        "received",
        "approved",
        provider.name,
        course.title,
    )
    assert (filed.filed_on, filed.filing_deadline, filed.decision_due_on) == (
        today(),
        today() + timedelta(weeks=8),
        today() + timedelta(weeks=6),
    )

    step = await service.call(contracts.AcknowledgeCourseObjection(objection_id=filed.objection_id, decided_by=OFFICE))
    assert (step.objection.state, step.objection.acknowledged_on) == ("acknowledged", today())
    again = await service.refusal(
        contracts.AcknowledgeCourseObjection(objection_id=filed.objection_id, decided_by=OFFICE)
    )
    assert (again.status, again.code) == (409, "already_acknowledged")
    late_hearing = datetime.combine(today() + timedelta(weeks=7), time(10))
    refused = await service.refusal(
        contracts.InviteToCourseObjectionHearing(
            objection_id=filed.objection_id, decided_by=OFFICE, hearing_at=late_hearing, place="Utrecht"
        )
    )
    assert (refused.status, refused.code) == (422, "hearing_after_deadline")
    hearing = datetime.combine(today() + timedelta(weeks=2), time(14, 30))
    step = await service.call(
        contracts.InviteToCourseObjectionHearing(
            objection_id=filed.objection_id, decided_by=OFFICE, hearing_at=hearing, place="Utrecht"
        )
    )
    assert (step.objection.state, step.objection.hearing_place) == ("hearing_scheduled", "Utrecht")
    step = await service.call(
        contracts.ExtendCourseObjectionTerm(
            objection_id=filed.objection_id, decided_by=OFFICE, reason="Advies van de commissie nodig."
        )
    )
    assert (step.objection.original_decision_due_on, step.objection.decision_due_on) == (
        today() + timedelta(weeks=6),
        today() + timedelta(weeks=12),
    )
    twice = await service.refusal(
        contracts.ExtendCourseObjectionTerm(objection_id=filed.objection_id, decided_by=OFFICE, reason="Nog eens.")
    )
    assert (twice.status, twice.code) == (409, "already_extended")
    before = await service.call(contracts.GetCourseObjectionStatistics())
    no_reasons = await service.refusal(
        contracts.DecideCourseObjection(
            objection_id=filed.objection_id, decided_by=OFFICE, outcome="not_upheld", reasons="Nee."
        )
    )
    assert (no_reasons.status, no_reasons.code) == (422, "reasons_required")
    step = await service.call(
        contracts.DecideCourseObjection(
            objection_id=filed.objection_id,
            decided_by=OFFICE,
            outcome="not_upheld",
            reasons="De casusbespreking is geen nieuwe leerstof; zes punten blijven.",
        )
    )
    assert (step.objection.state, step.objection.outcome) == ("decided", "not_upheld")
    after = await service.call(contracts.GetCourseObjectionStatistics())
    [year_before] = [year for year in before.years if year.year == today().year]
    [year_after] = [year for year in after.years if year.year == today().year]
    assert (year_after.filed, year_after.not_upheld, year_after.open) == (
        year_before.filed,
        year_before.not_upheld + 1,
        year_before.open - 1,
    )
    # Not upheld is the committee's dismissal: the approval with six points stands, the course leaves the queue.
    details = await service.call(contracts.GetCourse(course_id=course.course_id))
    assert (details.status, details.points, details.objection_open) == ("approved", D(6), False)
    assert details.history[-1].step == "objection_dismissed"
    # The provider's course page shows the objection with its deadlines and the decision's reasons.
    assert details.objection is not None
    assert (details.objection.outcome, details.objection.decision_due_on) == (
        "not_upheld",
        today() + timedelta(weeks=12),
    )

    def steps() -> list[str]:
        events = service.events.of(contracts.CourseObjectionStepped, lambda e: e.objection_id == filed.objection_id)
        return [event.step for event in events]

    await eventually(lambda: len(steps()) == 5, message="five CourseObjectionStepped")
    assert steps() == ["received", "acknowledged", "hearing", "extended", "decided"]
    [decided] = service.events.of(
        contracts.CourseObjectionStepped, lambda e: e.objection_id == filed.objection_id and e.step == "decided"
    )
    # The registry mails the provider from the event: address, outcome and reasons travel with it.
    assert (decided.provider_contact_email, decided.outcome) == (provider.contact_email, "not_upheld")
    assert decided.reasons == "De casusbespreking is geen nieuwe leerstof; zes punten blijven."


async def test_an_objection_the_office_upholds_stays_with_the_committee_for_the_new_decision(
    service: Service,
) -> None:
    provider = await service.provider()
    course = await service.submitted_course(provider.provider_id)
    await service.call(contracts.RejectCourse(course_id=course.course_id, decided_by=COMMITTEE, reason="Te algemeen."))
    await service.call(
        contracts.ObjectToCourseDecision(
            provider_id=provider.provider_id, course_id=course.course_id, objected_by="p", reason="Zie het programma."
        )
    )
    queue = await service.call(contracts.ListCourseObjections(requested_by=OFFICE))
    [filed] = [item for item in queue.objections if item.course_id == course.course_id]
    await service.call(
        contracts.DecideCourseObjection(
            objection_id=filed.objection_id,
            decided_by=OFFICE,
            outcome="upheld",
            reasons="Het programma is specifiek voor leerplicht; de commissie beslist opnieuw.",
        )
    )
    review = await service.call(contracts.ListCoursesForReview(requested_by=COMMITTEE))
    assert course.course_id in {c.course_id for c in review.courses}
    approved = await service.call(
        contracts.ApproveCourse(course_id=course.course_id, decided_by=COMMITTEE, reason="Na bezwaar.", points=D(8))
    )
    assert (approved.status, approved.objection_open) == ("approved", False)
    after = await service.call(contracts.ListCourseObjections(requested_by=OFFICE))
    [decided] = [item for item in after.objections if item.objection_id == filed.objection_id]
    # The office's decision stays the flow's decision; the committee's approval is the new course decision.
    assert (decided.outcome, decided.decision_reasons) == (
        "upheld",
        "Het programma is specifiek voor leerplicht; de commissie beslist opnieuw.",
    )
    missing = await service.refusal(contracts.AcknowledgeCourseObjection(objection_id=uuid.uuid4(), decided_by=OFFICE))
    assert (missing.status, missing.code) == (404, "objection_not_found")


async def test_a_provider_cannot_object_to_another_providers_decision_or_before_a_decision(service: Service) -> None:
    owner, other = await service.provider(), await service.provider()
    course = await service.submitted_course(owner.provider_id)
    early = await service.refusal(
        contracts.ObjectToCourseDecision(
            provider_id=owner.provider_id, course_id=course.course_id, objected_by="p", reason="?"
        )
    )
    assert (early.status, early.code) == (409, "nothing_to_object_to")
    await service.call(contracts.RejectCourse(course_id=course.course_id, decided_by=COMMITTEE, reason="Nee."))
    foreign = await service.refusal(
        contracts.ObjectToCourseDecision(
            provider_id=other.provider_id, course_id=course.course_id, objected_by="p", reason="?"
        )
    )
    assert (foreign.status, foreign.code) == (403, "not_your_course")


async def test_providers_see_and_extend_only_their_own_courses(service: Service) -> None:
    owner, other = await service.provider(), await service.provider()
    course = await service.submitted_course(owner.provider_id)
    mine = await service.call(contracts.ListProviderCourses(provider_id=owner.provider_id))
    theirs = await service.call(contracts.ListProviderCourses(provider_id=other.provider_id))
    assert [c.course_id for c in mine.courses] == [course.course_id]
    assert theirs.courses == []

    read = await service.refusal(contracts.GetCourse(course_id=course.course_id, provider_id=other.provider_id))
    assert (read.status, read.code) == (403, "not_your_course")
    committee_view = await service.call(contracts.GetCourse(course_id=course.course_id))
    assert committee_view.course_id == course.course_id
    add = contracts.AddEdition(
        provider_id=other.provider_id,
        course_id=course.course_id,
        added_by="p",
        start_date=today(),
        end_date=today() + timedelta(days=1),
    )
    assert (await service.refusal(add)).code == "not_your_course"
    edition = await service.call(add.model_copy(update={"provider_id": owner.provider_id}))
    assert edition.course_id == course.course_id
    reloaded = await service.call(contracts.GetCourse(course_id=course.course_id, provider_id=owner.provider_id))
    assert len(reloaded.editions) == 2
    backwards = await service.refusal(
        add.model_copy(update={"provider_id": owner.provider_id, "end_date": today() - timedelta(days=1)})
    )
    assert (backwards.status, backwards.code) == (400, "invalid_edition_dates")
    unknown = await service.refusal(contracts.GetCourse(course_id=uuid.uuid4()))
    assert (unknown.status, unknown.code) == (404, "course_not_found")


async def test_withdrawing_an_accreditation_keeps_earlier_attendance_and_refuses_later_editions(
    service: Service, eventually
) -> None:  # type: ignore[no-untyped-def]
    provider = await service.provider()
    course, early_edition = await service.approved_course(provider.provider_id, ended_days_ago=20)
    late = await service.call(
        contracts.AddEdition(
            provider_id=provider.provider_id,
            course_id=course.course_id,
            added_by="p",
            start_date=today() - timedelta(days=6),
            end_date=today() - timedelta(days=5),
        )
    )
    first, second = await service.register_people(2)
    before = await service.post(provider.provider_id, early_edition, [(first, None)])
    assert before.counts.recorded == 1

    withdrawn = await service.call(
        contracts.WithdrawAccreditation(
            course_id=course.course_id,
            decided_by=COMMITTEE,
            reason="Inhoud verouderd.",
            withdrawn_on=today() - timedelta(days=10),
        )
    )
    assert (withdrawn.status, withdrawn.withdrawn_on) == ("withdrawn", today() - timedelta(days=10))
    await eventually(
        lambda: service.events.of(contracts.AccreditationWithdrawn, lambda e: e.course_id == course.course_id),
        message="AccreditationWithdrawn",
    )
    (notice,) = service.events.of(contracts.AccreditationWithdrawn, lambda e: e.course_id == course.course_id)
    assert (notice.provider_id, notice.title, notice.provider_contact_email) == (
        provider.provider_id,
        course.title,
        provider.contact_email,
    )
    assert await service.attendance_count(early_edition) == 1  # earned in good faith: stays
    # An edition completed before the withdrawal can still be posted; one completed after it cannot.
    assert (await service.post(provider.provider_id, early_edition, [(second, None)])).counts.recorded == 1
    refusal = await service.refusal(service.post_request(provider.provider_id, late.edition_id, [(second, None)]))
    assert (refusal.status, refusal.code) == (422, "accreditation_not_valid_on_completion_date")
    closed = await service.refusal(
        contracts.AddEdition(
            provider_id=provider.provider_id,
            course_id=course.course_id,
            added_by="p",
            start_date=today(),
            end_date=today(),
        )
    )
    assert (closed.status, closed.code) == (409, "course_closed")


async def test_the_catalogue_lists_approved_valid_courses_and_searches_them(service: Service) -> None:
    provider = await service.provider(name=f"Catalogus Academie {uuid.uuid4().hex[:6]}")
    marker = uuid.uuid4().hex[:10]
    submit = contracts.SubmitCourse(
        provider_id=provider.provider_id,
        submitted_by="p",
        title=f"Verzuim en 100% aanwezigheid {marker}",
        description="Over verzuim.",
        category="A1",
        study_load_hours=D(4),
        editions=[contracts.EditionInput(start_date=today(), end_date=today())],
    )
    listed = await service.call(submit)
    pending = await service.call(submit.model_copy(update={"title": f"Nog niet beoordeeld {marker}"}))
    expired = await service.call(submit.model_copy(update={"title": f"Verlopen {marker}"}))
    await service.call(
        contracts.ApproveCourse(course_id=listed.course_id, decided_by=COMMITTEE, reason="Ok.", points=D(4))
    )
    await service.call(
        contracts.ApproveCourse(
            course_id=expired.course_id,
            decided_by=COMMITTEE,
            reason="Ok.",
            points=D(4),
            valid_from=today() - timedelta(days=1000),
            valid_until=today() - timedelta(days=1),
        )
    )

    found = await service.call(contracts.SearchCatalogue(q=marker))
    assert [c.course_id for c in found.courses] == [listed.course_id] and found.total == 1
    entry = found.courses[0]
    assert (entry.provider_name, entry.points, len(entry.editions)) == (provider.name, D(4), 1)
    assert pending.course_id not in {c.course_id for c in found.courses}
    by_provider = await service.call(contracts.SearchCatalogue(q=provider.name.upper()))
    assert [c.course_id for c in by_provider.courses] == [listed.course_id]
    wildcard = await service.call(contracts.SearchCatalogue(q=f"100% aanwezigheid {marker}"))
    assert wildcard.total == 1
    assert (await service.call(contracts.SearchCatalogue(q=f"100_ {marker}"))).total == 0  # LIKE wildcards are literal
    assert (await service.call(contracts.SearchCatalogue(q=marker, category="A2"))).total == 0
    paging = await service.refusal(contracts.SearchCatalogue(limit=0))
    assert (paging.status, paging.code) == (400, "invalid_paging")


async def test_separation_finding_a_committee_member_linked_to_the_provider_cannot_decide_its_course(
    service: Service,
) -> None:
    provider = await service.provider()
    member = uuid.uuid4()
    await service.call(
        contracts.LinkProviderAccount(provider_id=provider.provider_id, account_id=str(member), linked_by="office:test")
    )
    course = await service.submitted_course(provider.provider_id)
    for command in (
        contracts.ApproveCourse(
            course_id=course.course_id, decided_by=f"account:{member}", reason="Prima.", points=D(8)
        ),
        contracts.RejectCourse(course_id=course.course_id, decided_by=f"account:{member}", reason="Nee."),
        contracts.RequestCourseChanges(course_id=course.course_id, decided_by=f"account:{member}", reason="Anders."),
    ):
        refused = await service.refusal(command)
        assert (refused.status, refused.code) == (403, "conflict_of_interest")
    independent = await service.call(
        contracts.ApproveCourse(
            course_id=course.course_id, decided_by=f"account:{uuid.uuid4()}", reason="Voldoet.", points=D(8)
        )
    )
    assert independent.status == "approved"
