"""Restore the register from a folder written by `scripts.backup`: every service's database and the evidence store.

    uv run python -m scripts.restore --from /backups/lklr-2026-12-08            # into missing or empty databases
    uv run python -m scripts.restore --from /backups/lklr-2026-12-08 --replace  # drop what is there first

Stop the services first (the gateway may stay up). Restores into the databases and the evidence store the current
settings name (`<SVC>_DATABASE_URL`, `PORTFOLIO_BLOB_*`, `PORTFOLIO_S3_*`), which may be another server or bucket
than the backup came from. Without `--replace` it refuses to touch a database that holds tables or an evidence
store that holds files: a restore never mixes a backup into live data by accident. Needs `pg_restore` and `psql`
for PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

from portfolio.bootstrap import build_s3_client
from scripts.backup_targets import (
    EVIDENCE_FOLDER,
    FORMAT_VERSION,
    MANIFEST,
    S3_CONCURRENCY,
    BackupError,
    Database,
    evidence_files,
    portfolio_settings,
    run_pg,
    service_databases,
)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _postgres_exists(database: Database) -> bool:
    name = database.url.database
    if not name:
        raise BackupError(f"{database.service}: the database URL names no database")
    literal = "'" + name.replace("'", "''") + "'"
    query = f"SELECT 1 FROM pg_database WHERE datname = {literal}"
    return bool(run_pg("psql", database.url, "-tAc", query, database="postgres").strip())


def check_target(database: Database, entry: dict[str, str], replace: bool) -> None:
    """Refuse before anything changes: a backup of another kind, or (without `replace`) a target holding data."""
    if entry["kind"] != database.kind:
        raise BackupError(
            f"{database.service}: the backup holds a {entry['kind']} database, the target is {database.kind}"
        )
    if replace:
        return
    if database.kind == "sqlite":
        if database.sqlite_path.exists():
            raise BackupError(f"{database.service}: {database.sqlite_path} exists; restore with --replace")
        return
    if _postgres_exists(database):
        tables = run_pg(
            "psql", database.url, "-tAc",
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        ).strip()  # fmt: skip
        if tables != "0":
            raise BackupError(
                f"{database.service}: database {database.url.database} is not empty ({tables} tables); "
                "restore with --replace"
            )


def _prepare_postgres(database: Database, replace: bool) -> None:
    """Make the target database exist (dropping it first with `replace`); `check_target` found it empty."""
    name = str(database.url.database)
    exists = _postgres_exists(database)
    if exists and replace:
        run_pg("psql", database.url, "-c", f"DROP DATABASE {_quoted(name)} WITH (FORCE)", database="postgres")
        exists = False
    if not exists:
        run_pg("psql", database.url, "-c", f"CREATE DATABASE {_quoted(name)}", database="postgres")


def restore_database(database: Database, backup_dir: Path, entry: dict[str, str], replace: bool) -> None:
    """Restore one service's database from its file in `backup_dir`."""
    source = backup_dir / entry["file"]
    if database.kind == "postgresql":
        _prepare_postgres(database, replace)
        # One transaction: a failed restore leaves an empty database, never half of one.
        run_pg("pg_restore", database.url, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
               str(source))  # fmt: skip
        return
    target = database.sqlite_path
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        # A write-ahead log of the old database must not be replayed into the restored one.
        stale.unlink(missing_ok=True)
    with sqlite3.connect(source) as copy, sqlite3.connect(target) as restored:
        copy.backup(restored)


async def _restore_s3(folder: Path, replace: bool) -> int:
    settings = portfolio_settings()
    client = build_s3_client(settings)
    await client.open()
    try:
        await client.ensure_bucket(settings.s3_bucket, create=settings.s3_create_bucket)
        present = await client.list_keys(settings.s3_bucket, settings.s3_prefix)
        if present and not replace:
            raise BackupError(
                f"the bucket {settings.s3_bucket} holds {len(present)} evidence objects; restore with --replace"
            )
        for name in present:
            await client.delete_object(settings.s3_bucket, name)
        files = evidence_files(folder)
        limit = asyncio.Semaphore(S3_CONCURRENCY)

        async def upload(relative: Path) -> None:
            async with limit:
                name = settings.s3_prefix + relative.as_posix()
                data = await asyncio.to_thread((folder / relative).read_bytes)
                await client.put_object(settings.s3_bucket, name, data)

        await asyncio.gather(*(upload(relative) for relative in files))
        return len(files)
    finally:
        await client.close()


async def _s3_objects_present() -> int:
    settings = portfolio_settings()
    client = build_s3_client(settings)
    await client.open()
    try:
        await client.ensure_bucket(settings.s3_bucket, create=settings.s3_create_bucket)
        return len(await client.list_keys(settings.s3_bucket, settings.s3_prefix))
    finally:
        await client.close()


def check_evidence_target(replace: bool) -> None:
    """Refuse before anything changes: a missing bucket, or (without `replace`) a store that holds evidence."""
    settings = portfolio_settings()
    if settings.blob_backend == "s3":
        present = asyncio.run(_s3_objects_present())
    else:
        present = len(evidence_files(settings.blob_dir)) if settings.blob_dir.exists() else 0
    if present and not replace:
        raise BackupError(f"the evidence store holds {present} files or objects; restore with --replace")


def restore_evidence(folder: Path, replace: bool) -> int:
    """Put the backed-up evidence into the configured store; returns how many files or objects."""
    settings = portfolio_settings()
    if settings.blob_backend == "s3":
        return asyncio.run(_restore_s3(folder, replace))
    target = settings.blob_dir
    if target.exists() and evidence_files(target):
        if not replace:
            raise BackupError(f"the evidence folder {target} holds files; restore with --replace")
        shutil.rmtree(target)
    shutil.copytree(folder, target, dirs_exist_ok=True)
    return len(evidence_files(folder))


def restore(backup_dir: Path, *, replace: bool = False) -> dict[str, Any]:
    """Restore everything in `backup_dir`; returns its manifest."""
    manifest_path = backup_dir / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{backup_dir} has no {MANIFEST}: not a backup, or one that did not finish")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT_VERSION}")
    databases = service_databases()
    missing = {database.service for database in databases} - set(manifest["databases"])
    if missing:
        raise BackupError(f"the backup has no database of {', '.join(sorted(missing))}")
    for database in databases:
        check_target(database, manifest["databases"][database.service], replace)
    check_evidence_target(replace)
    for database in databases:
        restore_database(database, backup_dir, manifest["databases"][database.service], replace)
    restore_evidence(backup_dir / EVIDENCE_FOLDER, replace)
    return manifest


def main(argv: list[str] | None = None) -> int:
    """`python -m scripts.restore --from DIR [--replace]`."""
    parser = argparse.ArgumentParser(prog="python -m scripts.restore", description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, required=True, help="a folder written by scripts.backup")
    parser.add_argument("--replace", action="store_true", help="drop the databases and evidence that are there")
    args = parser.parse_args(argv)
    try:
        manifest = restore(args.source, replace=args.replace)
    except BackupError as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"Restored the backup of {manifest['started_at']} from {args.source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
