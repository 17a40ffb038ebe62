"""Attendance posts through the service's RPC queue, on PostgreSQL and RabbitMQ: every row outcome, every
post-level refusal, every idempotency case, provider scoping, voids, and batching of a 5,000-row post."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from accreditation.adapters.orm import idempotency_keys
from accreditation.domain.idempotency import request_fingerprint
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.envelope import utcnow, wrap
from lklr_shared.kit.causation import cause

from .conftest import Service, today

pytestmark = [pytest.mark.integration]

D = Decimal


def _mistype(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


# --- Row outcomes ----------------------------------------------------------------------------------------------


async def test_every_row_gets_its_own_outcome_and_only_valid_rows_are_recorded(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id, hours=D(8), points=D(8))
    valid, already, partial, too_many, bad_hours, twice = await service.register_people(6)
    (late,) = await service.register_people(1, since=today())  # registered after the edition ended
    (stranger,) = service.unused_numbers(1)
    first = await service.post(provider.provider_id, edition, [(already, None)])
    assert first.counts.recorded == 1

    result = await service.post(
        provider.provider_id,
        edition,
        [
            (valid, None),
            (already, None),
            ("12-34", None),
            (_mistype(valid), None),
            (stranger, None),
            (late, None),
            (partial, D("3.5")),
            (too_many, D(9)),
            (bad_hours, "veel"),
            (twice, None),
            (twice, None),
        ],
    )

    outcome = [(row.outcome, row.reason_code) for row in result.rows]
    assert outcome == [
        ("recorded", None),
        ("duplicate", None),
        ("rejected", "malformed_number"),
        ("rejected", "mistyped_number"),
        ("rejected", "unknown_number"),
        ("rejected", "not_registered_on_date"),
        ("recorded", None),
        ("rejected", "hours_exceed_course"),
        ("rejected", "invalid_hours"),
        ("recorded", None),
        ("rejected", "duplicate_in_post"),
    ]
    assert [row.index for row in result.rows] == list(range(11))
    assert result.counts == contracts.AttendanceCounts(received=11, recorded=3, duplicate=1, rejected=7)
    assert all(row.message for row in result.rows if row.outcome != "recorded")
    assert result.rows[1].attendance_id == first.rows[0].attendance_id  # the duplicate names the existing record
    assert (result.rows[6].hours, result.rows[6].points) == (D("3.5"), D("3.5"))
    assert (result.rows[0].hours, result.rows[0].points) == (D(8), D(8))
    assert await service.attendance_count(edition) == 4
    assert result.replayed is False


async def test_partial_hours_are_rejected_on_a_course_without_partial_attendance(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id, partial=False)
    (person,) = await service.register_people(1)
    result = await service.post(provider.provider_id, edition, [(person, D(4))])
    assert result.rows[0].reason_code == "partial_attendance_not_allowed"
    assert await service.attendance_count(edition) == 0


async def test_the_same_person_on_the_same_edition_is_recorded_once_whatever_key_or_channel(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    (person,) = await service.register_people(1)
    by_api = await service.post(provider.provider_id, edition, [(person, None)], channel="api")
    by_web = await service.post(provider.provider_id, edition, [(f" {person} ", D(8))], channel="web")
    assert by_api.rows[0].outcome == "recorded"
    assert by_web.rows[0].outcome == "duplicate"
    assert by_web.rows[0].attendance_id == by_api.rows[0].attendance_id
    assert await service.attendance_count(edition) == 1


async def test_concurrent_posts_under_different_keys_record_each_person_once(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    people = await service.register_people(300)
    rows: list[tuple[str, Decimal | str | None]] = [(n, None) for n in people]
    results = await asyncio.gather(*(service.post(provider.provider_id, edition, rows) for _ in range(4)))
    assert sum(r.counts.recorded for r in results) == 300
    assert all(r.counts.recorded + r.counts.duplicate == 300 for r in results)
    assert await service.attendance_count(edition) == 300


# --- Post-level refusals ---------------------------------------------------------------------------------------


async def test_refuses_a_post_for_an_unknown_edition(service: Service) -> None:
    provider = await service.provider()
    refusal = await service.refusal(service.post_request(provider.provider_id, uuid.uuid4(), [("0000013", None)]))
    assert (refusal.status, refusal.code) == (404, "edition_not_found")


async def test_a_provider_cannot_post_for_another_providers_edition(service: Service) -> None:
    owner, intruder = await service.provider(), await service.provider()
    _course, edition = await service.approved_course(owner.provider_id)
    (person,) = await service.register_people(1)
    refusal = await service.refusal(service.post_request(intruder.provider_id, edition, [(person, None)]))
    assert (refusal.status, refusal.code) == (403, "not_your_course")
    assert await service.attendance_count(edition) == 0


async def test_rejects_attendance_for_unaccredited_course(service: Service) -> None:
    provider = await service.provider()
    course = await service.submitted_course(provider.provider_id)
    (person,) = await service.register_people(1)
    refusal = await service.refusal(
        service.post_request(provider.provider_id, course.editions[0].edition_id, [(person, None)])
    )
    assert (refusal.status, refusal.code) == (422, "course_not_approved")


@pytest.mark.parametrize(
    ("ended_days_ago", "valid_from_days_ago", "code"),
    [
        pytest.param(-5, 30, "edition_not_ended", id="edition-ends-in-five-days"),
        pytest.param(0, 30, "edition_not_ended", id="edition-ends-today"),
        pytest.param(400, 800, "posting_window_closed", id="ended-more-than-12-months-ago"),
        pytest.param(10, 5, "accreditation_not_valid_on_completion_date", id="accredited-after-completion"),
    ],
)
async def test_refuses_a_post_outside_the_rules_of_the_edition(
    service: Service, ended_days_ago: int, valid_from_days_ago: int, code: str
) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(
        provider.provider_id, ended_days_ago=ended_days_ago, valid_from=today() - timedelta(days=valid_from_days_ago)
    )
    (person,) = await service.register_people(1)
    refusal = await service.refusal(service.post_request(provider.provider_id, edition, [(person, None)]))
    assert (refusal.status, refusal.code) == (422, code)
    assert refusal.message
    assert await service.attendance_count(edition) == 0


@pytest.mark.parametrize(
    ("rows", "key", "code"),
    [
        pytest.param(1, "", "missing_idempotency_key", id="empty-key"),
        pytest.param(1, "   ", "missing_idempotency_key", id="blank-key"),
        pytest.param(0, "k", "no_rows", id="no-rows"),
        pytest.param(contracts.MAX_ATTENDEES_PER_POST + 1, "k", "too_many_rows", id="5001-rows"),
    ],
)
async def test_refuses_a_malformed_post_with_400(service: Service, rows: int, key: str, code: str) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    request = service.post_request(provider.provider_id, edition, [("0000013", None)] * rows)
    refusal = await service.refusal(request.model_copy(update={"idempotency_key": key}))
    assert (refusal.status, refusal.code) == (400, code)


# --- Idempotency -----------------------------------------------------------------------------------------------


async def test_same_key_same_body_returns_the_first_response_and_adds_nothing(service: Service, eventually) -> None:  # type: ignore[no-untyped-def]
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    people = await service.register_people(3)
    rows: list[tuple[str, Decimal | str | None]] = [
        (people[0], None),
        (people[1], D(2)),
        ("bad", None),
        (people[2], None),
    ]
    first = await service.post(provider.provider_id, edition, rows, key="post-1")

    def batches_of_edition() -> list[contracts.AttendanceRecorded]:
        return service.events.of(contracts.AttendanceRecorded, lambda e: e.edition_id == edition)

    await eventually(lambda: len(batches_of_edition()) == 1, message="the first post's event")

    again = await service.post(provider.provider_id, edition, rows, key="post-1")
    # The same rows written differently are the same request: a retry from another client library still matches.
    rewritten = await service.post(
        provider.provider_id,
        edition,
        [(f"{people[0]} ", ""), (people[1], "2,00"), ("bad", None), (people[2], None)],
        key="post-1",
    )

    assert again.replayed and rewritten.replayed and not first.replayed
    assert again.model_copy(update={"replayed": False}) == first
    assert rewritten.model_copy(update={"replayed": False}) == first
    assert await service.attendance_count(edition) == 3
    await asyncio.sleep(1)  # give any (wrong) extra event time to arrive
    assert len(batches_of_edition()) == 1


async def test_same_key_with_another_body_is_422(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    first, second = await service.register_people(2)
    await service.post(provider.provider_id, edition, [(first, None)], key="k-422")
    refusal = await service.refusal(service.post_request(provider.provider_id, edition, [(second, None)], key="k-422"))
    assert (refusal.status, refusal.code) == (422, "idempotency_key_reused")
    assert await service.attendance_count(edition) == 1


async def test_same_key_while_the_first_request_is_in_flight_is_409(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    (person,) = await service.register_people(1)
    request = service.post_request(provider.provider_id, edition, [(person, None)], key="k-409")
    # A first request that holds the key right now (reserved, still processing under its lease).
    await service.execute(
        sa.insert(idempotency_keys).values(
            provider_id=provider.provider_id,
            idempotency_key="k-409",
            fingerprint=request_fingerprint(edition, [(person, None)]),
            state="in_flight",
            lease_token=uuid.uuid4(),
            locked_until=utcnow() + timedelta(minutes=5),
            created_at=utcnow(),
        )
    )
    refusal = await service.refusal(request)
    assert (refusal.status, refusal.code) == (409, "request_in_flight")
    assert await service.attendance_count(edition) == 0


async def test_crash_finding_the_redelivered_request_takes_its_key_over_at_once_and_another_gets_409_retry_after(
    service: Service,
) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    (person,) = await service.register_people(1)
    request = service.post_request(provider.provider_id, edition, [(person, None)], key="k-crash")
    envelope = wrap(request)
    # The attempt that reserved the key died with its process: the row holds the lease under its message id.
    await service.execute(
        sa.insert(idempotency_keys).values(
            provider_id=provider.provider_id,
            idempotency_key="k-crash",
            fingerprint=request_fingerprint(edition, [(person, None)]),
            state="in_flight",
            lease_token=envelope.message_id,
            locked_until=utcnow() + timedelta(minutes=2),
            created_at=utcnow(),
        )
    )
    # Another request with the key (a client's own retry) waits, and is told how long.
    other = await service.refusal(request)
    assert (other.status, other.code) == (409, "request_in_flight")
    assert other.retry_after == 5
    # The broker delivers the dead attempt's request again (same message id): it takes the key over at once.
    handler = service.runtime.rpc_handlers[contracts.PostAttendance]
    with cause(envelope):
        result = await handler(request, envelope)
    assert isinstance(result, contracts.AttendancePostResult) and result.counts.recorded == 1
    # From then on the client's retry gets the first response.
    replay = await service.call(request)
    assert replay.replayed and replay.post_id == result.post_id
    assert await service.attendance_count(edition) == 1


async def test_concurrent_retries_of_one_key_record_once_and_see_the_first_response_or_409(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    people = await service.register_people(1_000)
    request = service.post_request(provider.provider_id, edition, [(n, None) for n in people], key="k-race")

    async def attempt() -> contracts.AttendancePostResult | int:
        try:
            return await service.call(request)
        except Exception as exc:  # noqa: BLE001 - the test inspects the status
            return int(getattr(exc, "status", 0))

    outcomes = await asyncio.gather(*(attempt() for _ in range(6)))
    results = [o for o in outcomes if not isinstance(o, int)]
    assert all(o == 409 for o in outcomes if isinstance(o, int))
    originals = [r for r in results if not r.replayed]
    assert len(originals) == 1
    assert all(r.model_copy(update={"replayed": False}) == originals[0] for r in results)
    assert originals[0].counts.recorded == 1_000
    assert await service.attendance_count(edition) == 1_000
    # Once the first has finished, a retry replays.
    assert (await service.call(request)).replayed


async def test_a_key_whose_first_attempt_died_is_taken_over_after_its_lease(service: Service) -> None:
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    (person,) = await service.register_people(1)
    await service.execute(
        sa.insert(idempotency_keys).values(
            provider_id=provider.provider_id,
            idempotency_key="k-dead",
            fingerprint=request_fingerprint(edition, [(person, None)]),
            state="in_flight",
            lease_token=uuid.uuid4(),
            locked_until=utcnow() - timedelta(seconds=1),
            created_at=utcnow() - timedelta(minutes=3),
        )
    )
    result = await service.post(provider.provider_id, edition, [(person, None)], key="k-dead")
    assert (result.replayed, result.counts.recorded) == (False, 1)


async def test_keys_are_scoped_to_the_provider(service: Service) -> None:
    one, other = await service.provider(), await service.provider()
    _c1, edition_one = await service.approved_course(one.provider_id)
    _c2, edition_other = await service.approved_course(other.provider_id)
    (person,) = await service.register_people(1)
    first = await service.post(one.provider_id, edition_one, [(person, None)], key="shared-key")
    second = await service.post(other.provider_id, edition_other, [(person, None)], key="shared-key")
    assert first.counts.recorded == second.counts.recorded == 1
    assert not second.replayed and second.post_id != first.post_id


async def test_a_refused_post_does_not_use_up_its_key(service: Service) -> None:
    provider = await service.provider()
    course = await service.submitted_course(provider.provider_id)
    edition = course.editions[0].edition_id
    (person,) = await service.register_people(1)
    request = service.post_request(provider.provider_id, edition, [(person, None)], key="k-retry")
    assert (await service.refusal(request)).code == "course_not_approved"
    await service.call(
        contracts.ApproveCourse(
            course_id=course.course_id,
            decided_by="committee:test",
            reason="Voldoet.",
            points=D(8),
            valid_from=today() - timedelta(days=100),
        )
    )
    result = await service.call(request)
    assert (result.replayed, result.counts.recorded) == (False, 1)


# --- The big post ----------------------------------------------------------------------------------------------


@pytest.mark.slow
async def test_a_5000_row_post_records_exactly_the_valid_rows_once_in_batched_events(
    service: Service, eventually
) -> None:  # type: ignore[no-untyped-def]
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    registered = await service.register_people(4_300)
    (late,) = await service.register_people(1, since=today())
    valid, already = registered[:4_000], registered[4_000:4_300]
    strangers = service.unused_numbers(298)
    mistyped = [_mistype(n) for n in valid[:400]]
    # 300 already recorded, under another key and through the other channel.
    earlier = await service.post(provider.provider_id, edition, [(n, None) for n in already], channel="web")
    assert earlier.counts.recorded == 300

    rows: list[tuple[str, Decimal | str | None]] = (
        [(n, None) for n in valid[:2_000]]
        + [(n, None) for n in already]
        + [(n, None) for n in mistyped[:400]]
        + [(n, None) for n in valid[2_000:]]
        + [(n, None) for n in strangers]
        + [(late, None)]
    )
    assert len(rows) == 5_000 - 1
    rows.append((valid[0], None))  # one repeat within the post
    inserts: list[int] = []

    def count_attendance_inserts(_conn, _cursor, statement, _params, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO ATTENDANCE "):
            inserts.append(1)

    sa.event.listen(service.runtime.engine.sync_engine, "before_cursor_execute", count_attendance_inserts)
    try:
        result = await service.post(provider.provider_id, edition, rows, key="big-1")
    finally:
        sa.event.remove(service.runtime.engine.sync_engine, "before_cursor_execute", count_attendance_inserts)
    assert len(inserts) == 4  # 4,000 new rows: four multi-row INSERTs of 1,000, no per-row round trips

    assert result.counts == contracts.AttendanceCounts(received=5_000, recorded=4_000, duplicate=300, rejected=700)
    reasons = [row.reason_code for row in result.rows if row.outcome == "rejected"]
    assert (reasons.count("mistyped_number"), reasons.count("unknown_number")) == (400, 298)
    assert (reasons.count("not_registered_on_date"), reasons.count("duplicate_in_post")) == (1, 1)
    recorded_ids = {row.attendance_id for row in result.rows if row.outcome == "recorded"}
    assert len(recorded_ids) == 4_000
    assert await service.attendance_count(edition) == 4_300
    distinct = await service.scalar(
        "SELECT count(DISTINCT person_id) FROM attendance WHERE edition_id = :e AND voided_at IS NULL", e=edition
    )
    assert distinct == 4_300

    def batches_of_post() -> list[contracts.AttendanceRecorded]:
        return service.events.of(contracts.AttendanceRecorded, lambda e: e.post_id == result.post_id)

    await eventually(
        lambda: sum(len(e.rows) for e in batches_of_post()) >= 4_000, timeout=30, message="4,000 rows in events"
    )
    events = batches_of_post()
    assert sorted(len(e.rows) for e in events) == [1_000, 1_000, 1_000, 1_000]
    assert {row.attendance_id for e in events for row in e.rows} == recorded_ids

    # The same rows again under a new key add nothing: every previously valid row is now a duplicate.
    again = await service.post(provider.provider_id, edition, rows, key="big-2")
    assert again.counts == contracts.AttendanceCounts(received=5_000, recorded=0, duplicate=4_300, rejected=700)
    assert await service.attendance_count(edition) == 4_300
    await asyncio.sleep(1)
    assert service.events.of(contracts.AttendanceRecorded, lambda e: e.post_id == again.post_id) == []


# --- Voids and listing -----------------------------------------------------------------------------------------


async def test_a_provider_voids_its_own_attendance_once_with_a_reason(service: Service, eventually) -> None:  # type: ignore[no-untyped-def]
    provider = await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    (person,) = await service.register_people(1)
    posted = await service.post(provider.provider_id, edition, [(person, None)])
    attendance_id = posted.rows[0].attendance_id
    assert attendance_id is not None

    missing_reason = await service.refusal(
        contracts.VoidAttendance(provider_id=provider.provider_id, attendance_id=attendance_id, reason=" ")
    )
    assert (missing_reason.status, missing_reason.code) == (400, "reason_required")
    receipt = await service.call(
        contracts.VoidAttendance(
            provider_id=provider.provider_id, attendance_id=attendance_id, reason="Niet aanwezig geweest."
        )
    )
    repeat = await service.call(
        contracts.VoidAttendance(provider_id=provider.provider_id, attendance_id=attendance_id, reason="Nog eens.")
    )
    assert receipt.newly_voided and not repeat.newly_voided
    assert repeat.voided_at == receipt.voided_at and repeat.reason == "Niet aanwezig geweest."
    await eventually(
        lambda: len(service.events.of(contracts.AttendanceVoided, lambda e: e.attendance_id == attendance_id)) == 1,
        message="one AttendanceVoided",
    )
    voided = service.events.of(contracts.AttendanceVoided, lambda e: e.attendance_id == attendance_id)[0]
    assert (voided.edition_id, voided.reason) == (edition, "Niet aanwezig geweest.")

    # A voided record no longer blocks a corrected post for the same person.
    corrected = await service.post(provider.provider_id, edition, [(person, D(6))])
    assert corrected.rows[0].outcome == "recorded"
    listing = await service.call(contracts.ListAttendance(provider_id=provider.provider_id, edition_id=edition))
    assert [(e.hours, e.voided_at is not None) for e in listing.entries] in (
        [(D(8), True), (D(6), False)],
        [(D(6), False), (D(8), True)],
    )
    assert listing.entries[0].person_name.startswith("T. Persoon")


async def test_a_provider_cannot_void_or_read_another_providers_attendance(service: Service) -> None:
    owner, intruder = await service.provider(), await service.provider()
    _course, edition = await service.approved_course(owner.provider_id)
    (person,) = await service.register_people(1)
    posted = await service.post(owner.provider_id, edition, [(person, None)])
    attendance_id = posted.rows[0].attendance_id
    assert attendance_id is not None

    void = await service.refusal(
        contracts.VoidAttendance(provider_id=intruder.provider_id, attendance_id=attendance_id, reason="Weg ermee.")
    )
    assert (void.status, void.code) == (403, "not_your_attendance")
    read = await service.refusal(contracts.ListAttendance(provider_id=intruder.provider_id, edition_id=edition))
    assert (read.status, read.code) == (403, "not_your_course")
    unknown = await service.refusal(
        contracts.VoidAttendance(provider_id=owner.provider_id, attendance_id=uuid.uuid4(), reason="Onbekend.")
    )
    assert (unknown.status, unknown.code) == (404, "attendance_not_found")
    assert await service.attendance_count(edition) == 1


async def test_a_posts_stored_result_can_be_read_again_by_its_own_provider_only(service: Service) -> None:
    provider, other = await service.provider(), await service.provider()
    _course, edition = await service.approved_course(provider.provider_id)
    (person,) = await service.register_people(1)
    posted = await service.post(provider.provider_id, edition, [(person, None), ("bad", None)], key="result-page")

    again = await service.call(contracts.GetAttendancePost(provider_id=provider.provider_id, post_id=posted.post_id))
    refusal = await service.refusal(contracts.GetAttendancePost(provider_id=other.provider_id, post_id=posted.post_id))
    unknown = await service.refusal(contracts.GetAttendancePost(provider_id=provider.provider_id, post_id=uuid.uuid4()))

    assert again == posted  # the rows and counts as first answered; reading it records nothing
    assert await service.attendance_count(edition) == 1
    assert (refusal.status, refusal.code) == (404, "post_not_found")
    assert (unknown.status, unknown.code) == (404, "post_not_found")
