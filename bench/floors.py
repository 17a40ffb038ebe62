"""Floors for `python -m bench`: what the raw components do with the same work, measured in the same run.

- `consume_ack`: RabbitMQ and aio-pika alone: the same message bodies in a durable quorum queue (as the services'
  event queues are), consumed with the prefetch of the kit's event consumer and acknowledged one by one.
- `consume_ack_publish`: the same, plus for every message a persistent, mandatory, confirmed publish of one event
  (as the audit publishes per dossier), batch by batch as the audit's batch consumer takes them; the batch's
  deliveries are acknowledged after its publishes are confirmed.
- `http_rate`: closed-loop HTTP load from `clients` concurrent clients for `seconds` against one URL (the same
  client for a service and for its hello-world floor).

Every queue and exchange made here has a name of its own under the run's prefix and is deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import aiohttp

ROOT = Path(__file__).resolve().parents[1]
PUBLISH_WINDOW = 2000


async def _fill(channel: aio_pika.abc.AbstractChannel, queue_name: str, bodies: Sequence[bytes]) -> None:
    """Publish the bodies persistent and confirmed to the queue through the default exchange."""
    for start in range(0, len(bodies), PUBLISH_WINDOW):
        await asyncio.gather(
            *(
                channel.default_exchange.publish(
                    aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=queue_name,
                    timeout=60,
                )
                for body in bodies[start : start + PUBLISH_WINDOW]
            )
        )


async def consume_ack(amqp_url: str, prefix: str, bodies: Sequence[bytes], *, prefetch: int = 32) -> float:
    """Messages a second: publish the bodies to a quorum queue while one consumer (already listening) acks each;
    timed from the first publish to the last ack, as the services' event measure is."""
    connection = await aio_pika.connect_robust(amqp_url)
    queue_name = f"{prefix}.floor-consume"
    try:
        channel = await connection.channel(publisher_confirms=True)
        await channel.declare_queue(queue_name, durable=True, arguments={"x-queue-type": "quorum"})
        consumer_channel = await connection.channel()
        await consumer_channel.set_qos(prefetch_count=prefetch)
        queue = await consumer_channel.get_queue(queue_name)
        done = asyncio.Event()
        seen = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal seen
            await message.ack()
            seen += 1
            if seen >= len(bodies):
                done.set()

        tag = await queue.consume(on_message)
        started = time.perf_counter()
        await _fill(channel, queue_name, bodies)
        await asyncio.wait_for(done.wait(), timeout=600)
        elapsed = time.perf_counter() - started
        await queue.cancel(tag)
        return len(bodies) / elapsed
    finally:
        with contextlib.suppress(aio_pika.exceptions.AMQPError):
            cleanup = await connection.channel()
            await cleanup.queue_delete(queue_name)
        await connection.close()


async def consume_ack_publish(
    amqp_url: str, prefix: str, bodies: Sequence[bytes], event_body: bytes, *, batch: int
) -> float:
    """Messages a second: consume the bodies in batches, publish one confirmed event for each, then ack them."""
    connection = await aio_pika.connect_robust(amqp_url)
    queue_name, sink_name, exchange_name = f"{prefix}.floor-work", f"{prefix}.floor-sink", f"{prefix}.floor-events"
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await channel.declare_queue(queue_name, durable=True, arguments={"x-queue-type": "quorum"})
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        sink = await channel.declare_queue(sink_name, durable=True, arguments={"x-queue-type": "quorum"})
        await sink.bind(exchange, routing_key="#")
        await _fill(channel, queue_name, bodies)
        consumer_channel = await connection.channel()
        await consumer_channel.set_qos(prefetch_count=2 * batch)
        queue = await consumer_channel.get_queue(queue_name)
        pending: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            await pending.put(message)

        tag = await queue.consume(on_message)
        handled = 0
        started = 0.0
        while handled < len(bodies):
            first = await asyncio.wait_for(pending.get(), timeout=600)
            if not handled:
                started = time.perf_counter()
            taken = [first]
            # As the batch consumer: take what has arrived, up to a batch, waiting briefly for more.
            deadline = time.monotonic() + 0.05
            while len(taken) < batch and handled + len(taken) < len(bodies):
                try:
                    taken.append(await asyncio.wait_for(pending.get(), timeout=max(0.0, deadline - time.monotonic())))
                except TimeoutError:
                    break
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(event_body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                        routing_key="floor.event",
                        mandatory=True,
                        timeout=60,
                    )
                    for _ in taken
                )
            )
            for message in taken:
                await message.ack()
            handled += len(taken)
        elapsed = time.perf_counter() - started
        await queue.cancel(tag)
        return len(bodies) / elapsed
    finally:
        with contextlib.suppress(aio_pika.exceptions.AMQPError):
            cleanup = await connection.channel()
            for name in (queue_name, sink_name):
                await cleanup.queue_delete(name)
            await cleanup.exchange_delete(exchange_name)
        await connection.close()


@dataclass
class HttpRun:
    """A closed-loop HTTP load: requests answered 200, seconds, their latencies (ms) and other answers."""

    answered: int
    seconds: float
    latencies_ms: list[float]
    failures: dict[str, int]

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


async def http_rate(
    url: str, *, clients: int, seconds: float, headers: Mapping[str, str] | None = None, warmup: float = 1.0
) -> HttpRun:
    """`clients` concurrent clients each sending GET `url` one after the other for `seconds` (after a warm-up)."""
    latencies: list[float] = []
    failures: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    async with aiohttp.ClientSession(connector=connector, headers=dict(headers or {})) as session:

        async def one() -> float | None:
            started = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
                if response.status != 200:
                    failures[str(response.status)] = failures.get(str(response.status), 0) + 1
                    return None
            return (time.perf_counter() - started) * 1000

        async def client(until: float, record: bool) -> None:
            while time.perf_counter() < until:
                latency = await one()
                if record and latency is not None:
                    latencies.append(latency)

        warm_until = time.perf_counter() + warmup
        await asyncio.gather(*(client(warm_until, False) for _ in range(clients)))
        started = time.perf_counter()
        await asyncio.gather(*(client(started + seconds, True) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return HttpRun(len(latencies), elapsed, latencies, failures)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def hello_world(log_path: Path):  # type: ignore[no-untyped-def]
    """Run `python -m bench.hello` on a free port; yield its base URL; stop it afterwards."""
    port = free_port()
    with log_path.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.hello",
            "--port",
            str(port),
            cwd=ROOT,
            stdout=out,
            stderr=out,
            env=dict(os.environ),
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            async with aiohttp.ClientSession() as session:
                while True:
                    with contextlib.suppress(aiohttp.ClientError):
                        async with session.get(f"{base}/hello") as response:
                            if response.status == 200:
                                break
                    if process.returncode is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"hello world did not start; see {log_path}")
                    await asyncio.sleep(0.1)
            yield base
        finally:
            if process.returncode is None:
                process.terminate()
                await process.wait()
