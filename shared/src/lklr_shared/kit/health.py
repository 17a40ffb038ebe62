"""A minimal HTTP server for liveness and readiness probes and the metrics of the non-HTTP services.

`GET /livez` answers 200 while the event loop runs; `GET /readyz` answers 200 only when every check passes
(database and broker), with a JSON body naming each check; `GET /metrics` answers the process's Prometheus metrics
(``kit.metrics``), the readiness checks among them. Kept dependency-free on purpose: a probe
endpoint should not pull a web framework into every worker.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from lklr_shared.kit import metrics

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]


async def run_checks(checks: Mapping[str, Check]) -> dict[str, bool]:
    """Run readiness checks concurrently; a check that raises counts as failed."""
    names = list(checks)
    results = await asyncio.gather(*(checks[name]() for name in names), return_exceptions=True)
    for name, result in zip(names, results, strict=True):
        if isinstance(result, BaseException):
            # The probe's answer says only ok or failing; why goes to the log.
            log.warning("readiness check %s raised", name, exc_info=result)
    return {name: result is True for name, result in zip(names, results, strict=True)}


class HealthServer:
    """Serves /livez and /readyz on a TCP port."""

    def __init__(self, service: str, checks: Mapping[str, Check], host: str, port: int) -> None:
        self._service = service
        self._checks = dict(checks)
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when configured as 0 = any free port)."""
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await asyncio.wait_for(reader.readline(), timeout=5)).decode("latin-1")
            parts = request_line.split()
            path = parts[1] if len(parts) > 1 else ""
            body: dict[str, Any]
            if path == "/metrics":
                await self._write(writer, 200, *await self._metrics())
                return
            if path == "/livez":
                status, body = 200, {"service": self._service, "status": "alive"}
            elif path == "/readyz":
                results = await run_checks(self._checks)
                ready = all(results.values())
                status = 200 if ready else 503
                body = {
                    "service": self._service,
                    "ready": ready,
                    "checks": {k: "ok" if v else "failing" for k, v in results.items()},
                }
            else:
                status, body = 404, {"error": "not found"}
            await self._write(writer, status, json.dumps(body).encode(), "application/json")
        except (TimeoutError, ConnectionError) as exc:
            log.debug("health probe connection dropped: %r", exc)
        finally:
            writer.close()

    async def _metrics(self) -> tuple[bytes, str]:
        process = metrics.process_metrics()
        process.record_readiness(self._service, await run_checks(self._checks))
        return await process.exposition()

    @staticmethod
    async def _write(writer: asyncio.StreamWriter, status: int, payload: bytes, content_type: str) -> None:
        reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
