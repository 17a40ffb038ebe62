"""An erasable append-only log on both supported databases: DELETE only inside ``allow_log_erasure``, UPDATE never."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from lklr_shared.kit.db import make_engine, make_session_factory, transaction
from lklr_shared.kit.security_log import allow_log_erasure, append_only_statements, log_erasure_marker_statements

pytestmark = pytest.mark.integration


@pytest.fixture(params=["postgresql", "sqlite"])
async def session_factory(request, databases, tmp_path):
    url = await databases.create("log") if request.param == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/t.db"
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.execute(sa.text("CREATE TABLE sign_ins (id INTEGER PRIMARY KEY, email VARCHAR(50))"))
        dialect = connection.dialect.name
        for statement in [
            *log_erasure_marker_statements(dialect),
            *append_only_statements("sign_ins", dialect, erasable=True),
        ]:
            await connection.execute(sa.text(statement))
        await connection.execute(sa.text("INSERT INTO sign_ins VALUES (1, 'a@example.nl'), (2, 'b@example.nl')"))
    yield make_session_factory(engine)
    await engine.dispose()


async def test_an_erasable_log_deletes_only_inside_the_erasure_block_and_never_updates(session_factory):
    for statement in ("DELETE FROM sign_ins WHERE id = 1", "UPDATE sign_ins SET email = 'x' WHERE id = 1"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with transaction(session_factory) as session:
                await session.execute(sa.text(statement))
    with pytest.raises(DBAPIError, match="append-only"):
        async with transaction(session_factory) as session, allow_log_erasure(session):
            await session.execute(sa.text("UPDATE sign_ins SET email = 'x' WHERE id = 1"))

    async with transaction(session_factory) as session:
        async with allow_log_erasure(session):
            await session.execute(sa.text("DELETE FROM sign_ins WHERE id = 1"))
        # After the block the same transaction is refused again.
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(sa.text("DELETE FROM sign_ins WHERE id = 2"))
    async with session_factory() as session:
        left = (await session.execute(sa.text("SELECT id, email FROM sign_ins"))).all()
    assert [tuple(row) for row in left] == [(2, "b@example.nl")]
