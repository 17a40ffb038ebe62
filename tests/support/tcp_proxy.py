"""A small TCP proxy a test controls, to cut the network between one process and a server (the broker).

    async with TcpProxy("127.0.0.1", broker_port) as proxy:
        url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/"   # give this URL to the process to cut off
        await proxy.cut()       # every connection through the proxy is dropped; new ones are refused
        await proxy.restore()   # connections are accepted and relayed again

A cut resets the open connections (the process sees its socket fail, as when a link or a firewall drops it) and
closes every new connection at once while it lasts, so reconnect attempts fail until `restore`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType

log = logging.getLogger("lklr.tests.proxy")
CHUNK = 65536


class TcpProxy:
    """Relays 127.0.0.1:<port> to (target_host, target_port) until `cut`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.connections_accepted = 0
        self.connections_refused = 0
        self._server: asyncio.Server | None = None
        self._cut = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def is_cut(self) -> bool:
        return self._cut

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def cut(self) -> None:
        """Drop every open connection and refuse new ones until `restore`."""
        self._cut = True
        for writer in list(self._writers):
            _abort(writer)
        self._writers.clear()

    async def restore(self) -> None:
        """Relay new connections again."""
        self._cut = False

    async def stop(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self._cut:
            self.connections_refused += 1
            _abort(client_writer)
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError as exc:
            log.info("proxy: target %s:%s unreachable (%r)", self.target_host, self.target_port, exc)
            _abort(client_writer)
            return
        self.connections_accepted += 1
        self._writers.update((client_writer, server_writer))
        pumps = [
            asyncio.create_task(self._pump(client_reader, server_writer, client_writer)),
            asyncio.create_task(self._pump(server_reader, client_writer, server_writer)),
        ]
        self._tasks.update(pumps)
        try:
            await asyncio.gather(*pumps, return_exceptions=True)
        finally:
            self._tasks.difference_update(pumps)
            for writer in (client_writer, server_writer):
                self._writers.discard(writer)
                _abort(writer)

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, other: asyncio.StreamWriter
    ) -> None:
        """Copy one direction until either side closes; then end the other side too."""
        try:
            while not self._cut:
                data = await reader.read(CHUNK)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass  # the peer went away (or the cut aborted this side): the connection is over, both sides close
        finally:
            _abort(writer)
            _abort(other)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close a socket with a reset (no graceful FIN), as a broken link looks to both ends."""
    transport = writer.transport
    if transport.is_closing():
        return
    with contextlib.suppress(OSError, RuntimeError):
        transport.abort()
