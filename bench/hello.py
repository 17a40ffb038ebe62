"""The floor of the HTTP measures: a Litestar hello world served by uvicorn exactly as `python -m gateway` serves
the gateway (same `uvicorn.Config` options, uvloop where installed, one process).

    uv run python -m bench.hello --port 8123
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from litestar import Litestar, get


@get("/hello", sync_to_thread=False)
def hello() -> dict[str, str]:
    """The smallest JSON answer Litestar gives."""
    return {"hello": "world"}


def app() -> Litestar:
    """The hello-world application."""
    return Litestar(route_handlers=[hello], openapi_config=None)


def main(argv: list[str] | None = None) -> int:
    """Serve the hello world on 127.0.0.1 and the given port until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bench.hello")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    config = uvicorn.Config(
        app(),
        host="127.0.0.1",
        port=args.port,
        lifespan="on",
        log_config=None,
        proxy_headers=False,
        loop="asyncio" if os.environ.get("LKLR_EVENT_LOOP") == "asyncio" else "auto",
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
