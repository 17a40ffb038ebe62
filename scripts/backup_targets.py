"""What a backup holds and where it lives: each service's database and the portfolio's evidence store, found from
the same settings (environment variables) the services read, so a backup taken beside a deployment needs nothing
else: `<SVC>_DATABASE_URL` (PostgreSQL, or a SQLite file in a local run) and `PORTFOLIO_BLOB_BACKEND` with
`PORTFOLIO_BLOB_DIR` or the `PORTFOLIO_S3_*` settings.

A backup folder holds `backup.json` (what is in it), one file per database (`<service>.dump`, pg_dump's custom
format, or `<service>.sqlite`) and `evidence/`: the evidence store's files or objects under their own names.
Shared by `scripts.backup` and `scripts.restore`.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import URL, make_url

from accreditation.settings import AccreditationSettings
from audit.settings import AuditSettings
from lklr_shared.kit.settings import ServiceSettings
from portfolio.settings import PortfolioSettings
from registry.settings import RegistrySettings

MANIFEST = "backup.json"
EVIDENCE_FOLDER = "evidence"
FORMAT_VERSION = 1
# Every service that owns a database; the gateway keeps nothing durable.
SETTINGS: dict[str, type[ServiceSettings]] = {
    "registry": RegistrySettings,
    "portfolio": PortfolioSettings,
    "accreditation": AccreditationSettings,
    "audit": AuditSettings,
}
# Objects copied at once from or to S3: enough to keep a round trip's latency busy, few enough for a small server.
S3_CONCURRENCY = 16


class BackupError(RuntimeError):
    """A backup or restore step failed, with what to do about it."""


@dataclass(frozen=True)
class Database:
    """One service's database, as its `<SVC>_DATABASE_URL` names it."""

    service: str
    url: URL

    @property
    def kind(self) -> Literal["postgresql", "sqlite"]:
        backend = self.url.get_backend_name()
        if backend in ("postgresql", "sqlite"):
            return backend  # type: ignore[return-value]
        raise BackupError(f"{self.service}: cannot back up a {backend} database ({self.url!r})")

    @property
    def file_name(self) -> str:
        return f"{self.service}.dump" if self.kind == "postgresql" else f"{self.service}.sqlite"

    @property
    def sqlite_path(self) -> Path:
        if not self.url.database:
            raise BackupError(f"{self.service}: the SQLite URL names no file")
        return Path(self.url.database)


def service_databases() -> list[Database]:
    """Every service's database from its settings (the environment, else the local-run defaults)."""
    return [Database(service, make_url(settings().database_url)) for service, settings in SETTINGS.items()]


def portfolio_settings() -> PortfolioSettings:
    return PortfolioSettings()


def _libpq(url: URL, database: str | None = None) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the PostgreSQL client tools and the environment with its password (kept off the
    command line, where other users of the machine could read it)."""
    query: dict[str, Any] = dict(url.query)
    ssl = query.pop("ssl", None)  # asyncpg's name for libpq's sslmode
    if ssl is not None and "sslmode" not in query:
        query["sslmode"] = "require" if ssl in ("true", "1") else ssl
    plain = url.set(drivername="postgresql", password=None, query=query)
    if database is not None:
        plain = plain.set(database=database)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


def run_pg(tool: str, url: URL, *args: str, database: str | None = None) -> str:
    """Run a PostgreSQL client tool (pg_dump, pg_restore, psql) against `url`, or against another `database` of
    its server; its output, or BackupError."""
    uri, env = _libpq(url, database)
    command = [tool, *args, f"--dbname={uri}"]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{tool} is not installed: install the PostgreSQL client tools (postgresql-client)") from exc
    if done.returncode != 0:
        raise BackupError(f"{tool} failed for {url.database} ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def evidence_files(folder: Path) -> list[Path]:
    """The files under `folder`, relative to it, in a stable order."""
    return sorted(path.relative_to(folder) for path in folder.rglob("*") if path.is_file())
