"""`python -m gateway`: serve the web pages and the API with uvicorn (graceful shutdown on Ctrl-C/SIGTERM)."""

from __future__ import annotations

import uvicorn
from lklr_shared.kit.cli import configure_logging

from gateway.bootstrap import build_app, load_settings


def main() -> int:
    configure_logging()
    settings = load_settings()
    app = build_app(settings)
    # uvicorn traps SIGINT/SIGTERM itself: it stops accepting, lets requests in flight finish within the grace
    # period, then runs the app's shutdown (which closes the broker connection).
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        lifespan="on",
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        log_config=None,
        proxy_headers=True,
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
