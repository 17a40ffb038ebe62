"""Back up the register: every service's database and the portfolio's evidence store, into one new folder.

    uv run python -m scripts.backup --out /backups/lklr-2026-12-08

Reads the same settings as the services (see `scripts.backup_targets`); needs `pg_dump` for PostgreSQL. The
services may keep running: each database is dumped as one consistent snapshot (pg_dump's transaction, SQLite's
online backup), and the databases go first and the evidence after them, so every file a dumped row names was
stored before the dump and is in the copy (files stored later are copied too and are simply unreferenced after a
restore; the portfolio's cleanup removes those after a day).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
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


def backup_database(database: Database, out: Path) -> dict[str, str]:
    """Dump one database into `out`; returns its manifest entry."""
    target = out / database.file_name
    if database.kind == "postgresql":
        run_pg("pg_dump", database.url, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}")
    else:
        source_path = database.sqlite_path
        if not source_path.exists():
            raise BackupError(f"{database.service}: no SQLite database at {source_path}")
        # The online backup API copies a consistent state even while the service writes.
        with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
    return {"kind": database.kind, "file": database.file_name}


def _write_object(out: Path, relative: str, data: bytes) -> None:
    path = (out / relative).resolve()
    if not path.is_relative_to(out.resolve()):
        raise BackupError(f"object name {relative!r} would leave the backup folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def _backup_s3(out: Path) -> dict[str, Any]:
    settings = portfolio_settings()
    client = build_s3_client(settings)
    await client.open()
    try:
        names = await client.list_keys(settings.s3_bucket, settings.s3_prefix)
        limit = asyncio.Semaphore(S3_CONCURRENCY)

        async def copy(name: str) -> None:
            # The store's objects are its parts (at most one upload chunk each) and small manifests: one in memory
            # per copy at a time.
            async with limit:
                data = await client.get_object(settings.s3_bucket, name)
            await asyncio.to_thread(_write_object, out, name.removeprefix(settings.s3_prefix), data)

        await asyncio.gather(*(copy(name) for name in names))
    finally:
        await client.close()
    return {"kind": "s3", "bucket": settings.s3_bucket, "prefix": settings.s3_prefix, "objects": len(names)}


def backup_evidence(out: Path) -> dict[str, Any]:
    """Copy the evidence store (folder or S3 objects) into `out`; returns its manifest entry."""
    out.mkdir()
    settings = portfolio_settings()
    if settings.blob_backend == "s3":
        return asyncio.run(_backup_s3(out))
    if settings.blob_dir.exists():
        shutil.copytree(settings.blob_dir, out, dirs_exist_ok=True)
    return {"kind": "local", "folder": str(settings.blob_dir), "objects": len(evidence_files(out))}


def backup(out: Path) -> dict[str, Any]:
    """Write a complete backup into the new folder `out` and return its manifest."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty: a backup goes into a folder of its own")
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"format": FORMAT_VERSION, "started_at": datetime.now(UTC).isoformat()}
    manifest["databases"] = {database.service: backup_database(database, out) for database in service_databases()}
    manifest["evidence"] = backup_evidence(out / EVIDENCE_FOLDER)
    manifest["finished_at"] = datetime.now(UTC).isoformat()
    # Written last: a folder without it is an interrupted backup, and restore refuses it.
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """`python -m scripts.backup --out DIR`."""
    parser = argparse.ArgumentParser(prog="python -m scripts.backup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="a new (or empty) folder for this backup")
    args = parser.parse_args(argv)
    try:
        manifest = backup(args.out)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    databases = ", ".join(f"{name} ({entry['kind']})" for name, entry in manifest["databases"].items())
    evidence = manifest["evidence"]
    print(f"Backup in {args.out}: databases {databases}; evidence {evidence['objects']} {evidence['kind']} objects")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
