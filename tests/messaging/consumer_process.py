"""A consumer process that dies (os._exit) right after its first commit, before acknowledging.

python -m tests.messaging.consumer_process <amqp_url> <database_url> <prefix> <delivery_limit>
"""

from __future__ import annotations

import asyncio
import os
import sys

from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.broker import connect_broker
from lklr_shared.kit.topology import Topology
from tests.messaging.harness import make_consumer, prepare_database

DIED_AFTER_COMMIT = 17


async def main(amqp_url: str, database_url: str, prefix: str, delivery_limit: int) -> None:
    _engine, session_factory = await prepare_database(database_url)
    broker = await connect_broker(amqp_url, name="consumer-process")

    async def die(_envelope: Envelope) -> None:
        # The handler's transaction is committed; the ack has not been sent. Die exactly here.
        os._exit(DIED_AFTER_COMMIT)

    consumer = make_consumer(
        broker, Topology(prefix=prefix, delivery_limit=delivery_limit), session_factory, after_commit=die
    )
    await consumer.start()
    await asyncio.sleep(30)
    os._exit(1)  # no message arrived: the test fails on the exit code


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
