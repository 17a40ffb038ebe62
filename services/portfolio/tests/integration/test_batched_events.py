"""Events applied in batches (many messages in one transaction) write exactly what one message per transaction
wrote: the same rows, the same events (with the same causes), the same inbox.

One script of events goes, envelope for envelope, to two portfolio processes on their own databases, one with
`event_batch_size=0` (the plain consumer) and one batching: registrations and cycles, a status change before its
registration and one after, a cycle re-announced with a later end, attendance posts, the same rows re-sent as a
new message, a redelivered envelope, a void before its attendance arrives and a void after, approved teaching.
Both run on the same manual clock, so the times the handlers write are the same too.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from lklr_shared.contracts import accreditation as accreditation_events
from lklr_shared.contracts import registry as registry_events
from lklr_shared.contracts.envelope import Envelope, wrap
from lklr_shared.kit.clock import ManualClock
from lklr_shared.kit.db import inbox_table, outbox_table
from portfolio.adapters.orm import (
    activities,
    activity_versions,
    attendance_voids,
    cycles,
    early_status_changes,
    norm_met_announcements,
    registered_people,
)
from tests.support.waiting import wait_for

from .conftest import Harness, running_portfolio

pytestmark = [pytest.mark.integration]

TABLES = (
    registered_people,
    early_status_changes,
    cycles,
    activities,
    activity_versions,
    attendance_voids,
    norm_met_announcements,
)


def _script(today: Any) -> list[list[Envelope]]:
    """Every kind of event the read models take, with the orders and repeats that happen on a real broker; in
    parts, each sent once the one before is applied. A re-sent post must come after its original: which of the
    two places the rows (under its batch id) is whichever is applied first, and the plain consumer handles up to
    its prefetch of deliveries at once, so in one part the copy sometimes overtook the original there (2 of 20
    runs; the batching consumer, which keeps the order of messages about the same people, never)."""
    since = today - timedelta(days=400)
    people = [uuid.uuid4() for _ in range(6)]
    numbers = [f"8{index:06d}" for index in range(6)]
    envelopes: list[Envelope] = []
    # A status change that overtakes its registration (kept as an early change, applied when it arrives).
    envelopes.append(
        wrap(
            registry_events.RegistrationStatusChanged(
                person_id=people[5],
                registration_number=numbers[5],
                old_status="registered",
                new_status="suspended",
                effective_on=since + timedelta(days=30),
                reason="test",
            )
        )
    )
    cycle_ids = [uuid.uuid4() for _ in people]
    for person, number, cycle_id in zip(people, numbers, cycle_ids, strict=True):
        envelopes.append(
            wrap(
                registry_events.RegistrationGranted(
                    person_id=person,
                    registration_number=number,
                    initials="T.",
                    surname=f"Tester {number}",
                    roles=["leerplichtambtenaar"],
                    employer_id="gemeente-test",
                    registered_since=since,
                )
            )
        )
        envelopes.append(
            wrap(
                registry_events.CycleOpened(
                    person_id=person,
                    registration_number=number,
                    cycle_id=cycle_id,
                    sequence=1,
                    starts_on=since,
                    ends_on=since + timedelta(days=5 * 365 - 1),
                    scheme_version="2018.1",
                )
            )
        )
    # A status change after the registration.
    envelopes.append(
        wrap(
            registry_events.RegistrationStatusChanged(
                person_id=people[2],
                registration_number=numbers[2],
                old_status="registered",
                new_status="suspended",
                effective_on=since + timedelta(days=30),
                reason="test",
            )
        )
    )
    provider = uuid.uuid4()
    rows = [
        accreditation_events.AttendanceRow(
            attendance_id=uuid.uuid4(),
            registration_number=number,
            person_id=person,
            hours=Decimal(8),
            points=Decimal("7.5"),
        )
        for person, number in zip(people[:5], numbers[:5], strict=True)
    ]
    # A void that overtakes its attendance (kept, applied when the row arrives).
    envelopes.append(
        wrap(
            accreditation_events.AttendanceVoided(
                attendance_id=rows[4].attendance_id,
                person_id=people[4],
                provider_id=provider,
                reason="Dubbel ingevoerd.",
                voided_at=datetime(2026, 1, 2, 9, 0, tzinfo=UTC),
            )
        )
    )
    attended = accreditation_events.AttendanceRecorded(
        batch_id=uuid.uuid4(),
        provider_id=provider,
        provider_name="Opleidingen B.V.",
        course_id=uuid.uuid4(),
        course_title="Gespreksvoering",
        edition_id=uuid.uuid4(),
        category="A1",
        completion_date=today - timedelta(days=3),
        rows=rows,
    )
    first = wrap(attended)
    envelopes.append(first)
    envelopes.append(first)  # redelivered: the inbox skips it
    first_part, envelopes = envelopes, []
    # A cycle re-announced with a later end (an extension), and an announcement older than the one applied (it
    # changes nothing), each behind the cycle's first announcement.
    envelopes.append(
        wrap(
            registry_events.CycleOpened(
                person_id=people[1],
                registration_number=numbers[1],
                cycle_id=cycle_ids[1],
                sequence=1,
                starts_on=since,
                ends_on=since + timedelta(days=5 * 365 + 60),
                scheme_version="2018.1",
            )
        )
    )
    envelopes.append(
        wrap(
            registry_events.CycleOpened(
                person_id=people[3],
                registration_number=numbers[3],
                cycle_id=cycle_ids[3],
                sequence=1,
                starts_on=since,
                ends_on=since + timedelta(days=5 * 365 - 30),
                scheme_version="2018.1",
            ),
            occurred_at=first_part[0].occurred_at - timedelta(days=1),
        )
    )
    # A person re-granted (re-entry) after a status change of theirs, and one whose status change, attendance and
    # teaching come before their registration and cycle: the cycle, announced with its norm already met by the
    # entries, announces the norm (caused by the cycle's event).
    envelopes.append(
        wrap(
            registry_events.RegistrationGranted(
                person_id=people[2],
                registration_number=numbers[2],
                initials="T.",
                surname=f"Tester {numbers[2]} again",
                roles=["leerplichtambtenaar"],
                employer_id="gemeente-test",
                registered_since=since,
            )
        )
    )
    late, late_number, late_cycle = uuid.uuid4(), "8000099", uuid.uuid4()
    envelopes.append(
        wrap(
            registry_events.RegistrationStatusChanged(
                person_id=late,
                registration_number=late_number,
                old_status="registered",
                new_status="suspended",
                effective_on=since + timedelta(days=30),
                reason="test",
            ),
            occurred_at=first_part[0].occurred_at + timedelta(days=400),
        )
    )
    envelopes.append(
        wrap(
            attended.model_copy(
                update={
                    "batch_id": uuid.uuid4(),
                    "rows": [
                        accreditation_events.AttendanceRow(
                            attendance_id=uuid.uuid4(),
                            registration_number=late_number,
                            person_id=late,
                            hours=Decimal(120),
                            points=Decimal(120),
                        )
                    ],
                }
            )
        )
    )
    envelopes.append(
        wrap(
            accreditation_events.TeachingApproved(
                claim_id=uuid.uuid4(),
                person_id=late,
                hours=Decimal(40),
                points=Decimal(40),
                completion_date=today - timedelta(days=2),
                description="Training verzuimaanpak gegeven",
            )
        )
    )
    # The plain consumer applies deliveries concurrently: a cycle applied beside its registration finds no person
    # yet and skips the norm check (and the registration checks no norm), so the norm goes unannounced there. So
    # the registration comes once the entries are in, and the cycle once the registration is.
    second_part, envelopes = envelopes, []
    envelopes.append(
        wrap(
            registry_events.RegistrationGranted(
                person_id=late,
                registration_number=late_number,
                initials="L.",
                surname="Laat",
                roles=["leerplichtambtenaar"],
                employer_id="gemeente-test",
                registered_since=since,
            )
        )
    )
    third_part, envelopes = envelopes, []
    envelopes.append(
        wrap(
            registry_events.CycleOpened(
                person_id=late,
                registration_number=late_number,
                cycle_id=late_cycle,
                sequence=1,
                starts_on=since,
                ends_on=since + timedelta(days=5 * 365 - 1),
                scheme_version="2018.1",
            )
        )
    )
    # The same rows re-sent as a new message (new batch id): the natural key skips them.
    envelopes.append(wrap(attended.model_copy(update={"batch_id": uuid.uuid4()})))
    # A void after its attendance.
    envelopes.append(
        wrap(
            accreditation_events.AttendanceVoided(
                attendance_id=rows[0].attendance_id,
                person_id=people[0],
                provider_id=provider,
                reason="Niet aanwezig.",
                voided_at=datetime(2026, 1, 3, 9, 0, tzinfo=UTC),
            )
        )
    )
    envelopes.append(
        wrap(
            accreditation_events.TeachingApproved(
                claim_id=uuid.uuid4(),
                person_id=people[3],
                hours=Decimal(4),
                points=Decimal(4),
                completion_date=today - timedelta(days=10),
                description="Gastles",
            )
        )
    )
    return [first_part, second_part, third_part, envelopes]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def _state(service: Harness) -> dict[str, Any]:
    """Every row the handlers wrote, the events they emitted (type, body without its own id and time, cause) and
    the inbox (consumer, message id)."""
    state: dict[str, Any] = {}
    async with service.engine.connect() as connection:
        for table in TABLES:
            rows = (await connection.execute(sa.select(table))).mappings().all()
            state[table.name] = sorted(repr(sorted((k, _plain(v)) for k, v in row.items())) for row in rows)
        emitted = (await connection.execute(sa.select(outbox_table.c.message_type, outbox_table.c.body))).all()
        events = []
        for message_type, body in emitted:
            envelope = Envelope.from_bytes(body)
            events.append((message_type, envelope.causation_id, envelope.correlation_id, envelope.payload))
        state["events"] = sorted(repr(event) for event in events)
        inbox = (await connection.execute(sa.select(inbox_table.c.consumer, inbox_table.c.message_id))).all()
        state["inbox"] = sorted((consumer, str(message_id)) for consumer, message_id in inbox)
    return state


async def _apply(service: Harness, parts: list[list[Envelope]]) -> dict[str, Any]:
    """Each part published while the consumer is stopped, then taken at once: the batching consumer gets the part
    in few batches (its runs of one contract hold many events), as under load."""
    consumer = service.runtime.consumer
    assert consumer is not None
    sent: list[Envelope] = []
    for part in parts:
        await consumer.stop()
        for envelope in part:
            await service.publish(envelope)
        await consumer.start()
        sent += part
        await _settled(service, sent)
    return await _state(service)


async def _settled(service: Harness, script: list[Envelope]) -> None:
    unique = len({envelope.message_id for envelope in script})

    async def settled() -> bool:
        async with service.engine.connect() as connection:
            applied = (
                await connection.execute(
                    sa.select(sa.func.count()).select_from(inbox_table).where(inbox_table.c.consumer == "portfolio")
                )
            ).scalar_one()
        consumer = service.runtime.consumer
        assert consumer is not None
        handled = consumer.stats["applied"] + consumer.stats["duplicate"]
        return applied == unique and handled >= len(script)

    await wait_for(settled, timeout=60, message="every event to be applied")


async def test_batched_events_write_what_one_message_per_transaction_wrote(
    databases: Any, broker_names: Any, amqp_url: str, tmp_path_factory: Any
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    script = _script(clock().date())
    states = {}
    for batch_size in (0, 200):
        async with running_portfolio(
            databases,
            broker_names,
            amqp_url,
            tmp_path_factory.mktemp(f"blobs{batch_size}"),
            clock=clock,
            event_batch_size=batch_size,
        ) as service:
            assert type(service.runtime.consumer).__name__ == ("BatchEventConsumer" if batch_size else "EventConsumer")
            states[batch_size] = await _apply(service, script)

    per_message, batched = states[0], states[200]
    assert per_message["activities"], "the script places entries"
    assert per_message["attendance_voids"] and per_message["early_status_changes"] == []
    assert per_message["norm_met_announcements"], "a cycle announced after its entries announces its norm met"
    assert any("portfolio.PortfolioNormMet" in event for event in per_message["events"])
    for part in per_message:
        assert batched[part] == per_message[part], (part, set(batched[part]) ^ set(per_message[part]))
