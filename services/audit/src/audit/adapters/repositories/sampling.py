"""The intake of frozen dossiers: the yearly sampling seed, the dossier rounds already handled, the new dossiers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from audit.adapters.orm import dossier_rounds, dossiers, sampling_seeds
from lklr_shared.kit.db import dialect_insert


async def get_or_create_seed(session: AsyncSession, year: int, candidate: str, now: datetime) -> str:
    """The recorded seed of ``year``; ``candidate`` becomes it when none is recorded yet.

    Insert-or-ignore then read: two replicas racing both end up with the one seed that won the key.
    """
    await session.execute(
        dialect_insert(session, sampling_seeds)
        .values(year=year, seed=candidate, created_at=now)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    seed = (await session.execute(sa.select(sampling_seeds.c.seed).where(sampling_seeds.c.year == year))).scalar_one()
    return str(seed)


async def insert_new_rounds(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> set[tuple[uuid.UUID, int]]:
    """Record dossier rounds, skipping those already recorded; return the (dossier, round) keys that were new.

    The key is DossierFrozen's natural key: whatever message id a re-sent event has, it is handled once.
    """
    if not rows:
        return set()
    statement = (
        dialect_insert(session, dossier_rounds)
        .on_conflict_do_nothing(index_elements=["dossier_id", "round"])
        .returning(dossier_rounds.c.dossier_id, dossier_rounds.c.round)
    )
    result = await session.execute(statement, list(rows))
    return {(row[0], row[1]) for row in result}


async def insert_dossiers(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(dossiers), list(rows))
