"""The command line every service shares: `python -m <service> [serve|migrate]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from lklr_shared.kit.db import run_migrations
from lklr_shared.kit.runtime import ServiceRuntime
from lklr_shared.kit.settings import ServiceSettings


def configure_logging(level: str = "INFO") -> None:
    """One log format for every process, so the combined output of a local run reads well."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)


def service_main(
    name: str,
    load_settings: Callable[[], ServiceSettings],
    build_runtime: Callable[[ServiceSettings], ServiceRuntime],
    migrations_dir: Path,
    argv: list[str] | None = None,
) -> int:
    """Parse the command line, then migrate and/or serve."""
    parser = argparse.ArgumentParser(prog=f"python -m {name}")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    configure_logging()
    settings = load_settings()
    if args.command == "migrate" or settings.auto_migrate:
        run_migrations(settings.database_url, migrations_dir)
    if args.command == "migrate":
        return 0
    asyncio.run(build_runtime(settings).run_until_signalled())
    return 0
