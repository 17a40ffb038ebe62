"""The gateway's broker connection stops cleanly, also while it is reconnecting after losing the broker.

The broker is cut off by a TCP relay between the gateway and the real RabbitMQ (closing the relay's sockets), so
the shared broker is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit, urlunsplit

import pytest

from gateway.adapters.broker import BrokerCaller
from lklr_shared.kit.topology import Topology

pytestmark = pytest.mark.integration


class CuttableRelay:
    """Forwards TCP connections to the broker until `cut()` closes them all and refuses new ones."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        self._writers += [writer, upstream_writer]
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for writer in self._writers:
            writer.close()
        for task in list(self._tasks):
            task.cancel()


async def test_stop_ends_a_connection_that_is_reconnecting_after_losing_the_broker(amqp_url: str) -> None:
    parts = urlsplit(amqp_url)
    relay = CuttableRelay(parts.hostname or "127.0.0.1", parts.port or 5672)
    relay_port = await relay.start()
    netloc = parts.netloc.rsplit("@", 1)
    via_relay = urlunsplit(
        parts._replace(netloc=f"{netloc[0]}@127.0.0.1:{relay_port}" if len(netloc) == 2 else f"127.0.0.1:{relay_port}")
    )
    caller = BrokerCaller(via_relay, Topology(prefix="broker-caller-test"), rpc_timeout=2)
    before = set(asyncio.all_tasks())
    await caller.start()
    for _ in range(100):
        if (await caller.broker_ok())[0]:
            break
        await asyncio.sleep(0.05)
    assert (await caller.broker_ok())[0], "never connected through the relay"

    await relay.cut()
    for _ in range(100):
        if not (await caller.broker_ok())[0]:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # let the robust connection start reconnecting (to a refused port)

    await asyncio.wait_for(caller.stop(), timeout=5)
    await asyncio.sleep(0.1)
    left = {task for task in asyncio.all_tasks() - before if task is not asyncio.current_task() and not task.done()}
    assert not left, f"tasks left running after stop(): {left}"


async def test_stop_during_a_first_connection_that_never_answers_leaves_nothing_running(amqp_url: str) -> None:
    """A broker that accepts TCP but never speaks AMQP (a wedged node): stopping must not hang or leak tasks."""
    held: list[asyncio.StreamWriter] = []

    async def accept_and_stay_silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    silent = await asyncio.start_server(accept_and_stay_silent, "127.0.0.1", 0)
    port = int(silent.sockets[0].getsockname()[1])
    before = set(asyncio.all_tasks())
    caller = BrokerCaller(f"amqp://guest:guest@127.0.0.1:{port}/", Topology(prefix="broker-caller-test"), rpc_timeout=2)
    try:
        await caller.start()
        for _ in range(50):
            if held:
                break
            await asyncio.sleep(0.05)
        assert held, "the caller never opened a TCP connection"
        assert not (await caller.broker_ok())[0]
        await asyncio.wait_for(caller.stop(), timeout=5)
        await asyncio.sleep(0.2)
        left = {task for task in asyncio.all_tasks() - before if task is not asyncio.current_task() and not task.done()}
        assert not left, f"tasks left running after stop(): {left}"
    finally:
        silent.close()
        for writer in held:
            writer.close()
