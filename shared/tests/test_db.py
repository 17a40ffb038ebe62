"""Database helpers of the kit on both supported databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lklr_shared.kit.db import make_engine, make_session_factory, transaction, upsert

pytestmark = pytest.mark.integration

metadata = sa.MetaData()
people = sa.Table("people", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))


@pytest.fixture(params=["postgresql", "sqlite"])
async def session_factory(request, databases, tmp_path):
    url = await databases.create("db") if request.param == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/t.db"
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield make_session_factory(engine)
    await engine.dispose()


async def test_upsert_inserts_then_updates_the_row_with_the_same_key(session_factory):
    async with transaction(session_factory) as session:
        await upsert(session, people, {"id": 1, "name": "Jansen"}, key=["id"])
    async with transaction(session_factory) as session:
        await upsert(session, people, {"id": 1, "name": "Jansen-de Vries"}, key=["id"])
    async with session_factory() as session:
        rows = (await session.execute(sa.select(people.c.id, people.c.name))).all()
    assert [tuple(row) for row in rows] == [(1, "Jansen-de Vries")]


async def test_sqlite_databases_run_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/wal.db")
    async with engine.connect() as connection:
        mode = (await connection.execute(sa.text("PRAGMA journal_mode"))).scalar_one()
    await engine.dispose()
    assert mode == "wal"
