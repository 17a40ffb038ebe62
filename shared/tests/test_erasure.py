"""A service's erasure ends the same way everywhere: the kit's copies go, and the security log says so under the
pseudonym."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from lklr_shared.contracts.registry import PersonErasureRequested
from lklr_shared.kit.db import kit_metadata, make_engine, make_session_factory, outbox_table, transaction
from lklr_shared.kit.erasure import finish_erasure
from lklr_shared.kit.security_log import security_log_table

pytestmark = pytest.mark.integration


async def test_finishing_an_erasure_forgets_sent_copies_and_logs_it_under_the_pseudonym(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    async with engine.begin() as connection:
        await connection.run_sync(kit_metadata.create_all)
    session_factory = make_session_factory(engine)
    person_id = uuid.uuid4()
    now = datetime.now(UTC)
    request = PersonErasureRequested(
        erasure_id=uuid.uuid4(), person_id=person_id, pseudonym="p-1", kinds=["portfolio"], reason="on_request"
    )
    async with transaction(session_factory) as session:
        for sent_at in (now, None):
            await session.execute(
                sa.insert(outbox_table).values(
                    message_id=uuid.uuid4(),
                    routing_key="x",
                    message_type="x",
                    body=f'{{"person_id": "{person_id}"}}'.encode(),
                    created_at=now,
                    sent_at=sent_at,
                    next_attempt_at=now,
                )
            )
    async with transaction(session_factory) as session:
        rows = await finish_erasure(session, request, 3, [str(person_id)], detail={"files": "2"})
    async with session_factory() as session:
        unsent = (await session.execute(sa.select(outbox_table.c.sent_at))).scalars().all()
        logged = (await session.execute(sa.select(security_log_table))).mappings().one()
    await engine.dispose()

    assert rows == 4
    assert unsent == [None]
    assert (logged["actor"], logged["action"], logged["object"]) == ("registry", "person.erased", "p-1")
    assert logged["detail"] == {"erasure_id": str(request.erasure_id), "rows": "4", "files": "2"}
