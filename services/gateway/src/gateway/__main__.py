"""`python -m gateway`: serve the web pages and the API with uvicorn (graceful shutdown on Ctrl-C/SIGTERM)."""

from __future__ import annotations

import contextlib
import os
import signal
import warnings
from collections.abc import Iterator

import uvicorn

from gateway.app import build_app, load_settings
from gateway.web.access_log import configure_access_log
from lklr_shared.kit import tracing
from lklr_shared.kit.cli import freeze_startup_objects
from lklr_shared.kit.logs import configure_logging


class _GracefulServer(uvicorn.Server):
    """uvicorn, but a SIGTERM/SIGINT stop ends with exit code 0 like the services, instead of re-raising the
    signal after the graceful shutdown (which makes a supervised, cleanly stopped process look killed)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def main() -> int:
    # advanced_alchemy (pulled in by litestar) uses APIs SQLAlchemy 2.1 deprecates; not ours to fix. Only those.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"advanced_alchemy(\..*)?$")
    settings = load_settings()
    # The same log format as every service (uvicorn's loggers included: log_config=None below).
    configure_logging("gateway", settings)
    # Reset and confirmation tokens travel in query strings: the access log writes paths without them.
    configure_access_log()
    tracing.configure_tracing("gateway", settings.otlp_endpoint)
    app = build_app(settings)
    freeze_startup_objects()
    # uvicorn traps SIGINT/SIGTERM itself: it stops accepting, lets requests in flight finish within the grace
    # period, then runs the app's shutdown (which closes the broker connection).
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        lifespan="on",
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        log_config=None,
        # The app applies the trusted proxies' forwarded headers itself (GATEWAY_TRUSTED_PROXIES, see gateway.app).
        proxy_headers=False,
        # uvloop when installed (as for the services, see lklr_shared.kit.cli.run_event_loop).
        loop="asyncio" if os.environ.get("LKLR_EVENT_LOOP") == "asyncio" else "auto",
    )
    try:
        _GracefulServer(config).run()
    except KeyboardInterrupt:
        # uvicorn re-raises the signal after its graceful shutdown (a second Ctrl-C lands here too).
        return 130
    finally:
        tracing.shutdown_tracing()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
