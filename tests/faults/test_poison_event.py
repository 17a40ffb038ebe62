"""A malformed message among 1,000 good events: it goes to the dead-letter queue, the good ones are applied once."""

from __future__ import annotations

import uuid
from pathlib import Path

import aio_pika
import pytest

from lklr_shared.contracts import registry as registry_contracts
from tests.support.fault_rig import fault_rig
from tests.support.ledger_check import check_ledger, event_bindings, settle, topic_matches
from tests.support.load import fetch

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

POISON = b'{"message_id": "not-a-uuid", "type": "registry.RegistrationGranted", "payload": ['
ROUTING_KEY = registry_contracts.RegistrationGranted.wire_name


async def test_a_poison_event_is_dead_lettered_and_the_1000_good_ones_around_it_are_applied_once(
    tmp_path: Path,
) -> None:
    async with fault_rig(tmp_path) as rig:
        scenario = rig.scenario
        await scenario.prepare(people=0, editions=0)
        topology = rig.system.topology
        queues = sorted(
            {q for q, p in await event_bindings(rig.rabbit, topology.events_exchange) if topic_matches(p, ROUTING_KEY)}
        )
        assert queues, "no consumer binds the poison's routing key"

        connection = await aio_pika.connect(rig.rabbit.amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(topology.events_exchange)
            poison_id = str(uuid.uuid4())

            async def poison() -> None:
                await exchange.publish(
                    aio_pika.Message(
                        POISON,
                        message_id=poison_id,
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=ROUTING_KEY,
                    mandatory=True,
                )

            # 500 registrations = 1,000 good events (RegistrationGranted and CycleOpened), the poison in the middle.
            await scenario.announce_people(250)
            await poison()
            await scenario.announce_people(250)

            await settle(rig.system, rig.rabbit, dead_letters=len(queues))
            report = await check_ledger(rig.system, rig.rabbit, scenario.ledger, published=scenario.published)
            assert not report.problems, report.describe()
            assert len(scenario.published) == 1_000
            assert report.dead_letters == {topology.dead_letter_queue(q): 1 for q in queues}, report.describe()
            for queue in queues:
                dead = await (await connection.channel()).get_queue(topology.dead_letter_queue(queue), ensure=False)
                letter = await dead.get(no_ack=False, fail=True)
                assert letter is not None
                assert (letter.body, letter.message_id) == (POISON, poison_id)
                await letter.nack(requeue=True)

        # Applied once: each person once in each read model (the inbox check above found every event applied).
        for service, table in (("portfolio", "registered_people"), ("accreditation", "registered_people")):
            rows = await fetch(
                rig.system, service, f"SELECT count(*), count(DISTINCT registration_number) FROM {table}"
            )
            assert tuple(rows[0]) == (500, 500), (service, tuple(rows[0]))
