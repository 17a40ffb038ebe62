"""Mail goes out only after a commit and is never lost when sending fails; the folder mailer round-trips; the
0002 migration carries existing registrations over; 0017 gives existing accounts Dutch mail."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from lklr_shared.kit.db import make_engine, make_session_factory, run_migrations
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.mail import FolderMailer, MailNotSent, OutgoingMail
from registry.adapters.mail_relay import MailRelay
from registry.adapters.orm import mail_outbox
from registry.adapters.unit_of_work import EventUnitOfWork, RegistryUnitOfWork
from registry.bootstrap import MIGRATIONS_DIR

from .conftest import wait_until

pytestmark = pytest.mark.integration


class FlakyMailer:
    """Refuses the first ``failures`` sends, then records what it sends."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[OutgoingMail] = []

    async def send(self, mail: OutgoingMail) -> None:
        if self.failures:
            self.failures -= 1
            raise MailNotSent("mail server said 421, try again later")
        self.sent.append(mail)


async def test_a_mail_that_cannot_be_sent_stays_queued_with_its_error_and_goes_out_later(databases: Any) -> None:
    url = await databases.create("mailrelay")
    await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    mailer = FlakyMailer(failures=1)
    relay = MailRelay(session_factory, mailer)
    try:
        async with RegistryUnitOfWork(session_factory, mail_relay=relay) as uow:
            await uow.queue_mail(to="rolled-back@example.nl", subject="never", body="never", person_id=None)
            # Leaving without commit: the change and its mail are gone together.
        async with RegistryUnitOfWork(session_factory, mail_relay=relay) as uow:
            mail_id = await uow.queue_mail(to="a@example.nl", subject="Hallo", body="link: secret", person_id=None)
            await uow.commit()

        assert await relay.relay_once() == 1
        async with engine.connect() as connection:
            row = (await connection.execute(sa.select(mail_outbox))).one()
        assert (row.mail_id, row.sent_at, row.attempts) == (mail_id, None, 1)
        assert "421" in row.last_error and row.next_attempt_at > datetime.now(UTC)
        assert mailer.sent == []

        async with engine.begin() as connection:  # time passes until the retry is due
            await connection.execute(sa.update(mail_outbox).values(next_attempt_at=datetime.now(UTC) - timedelta(1)))
        assert await relay.relay_once() == 1
        assert [(mail.to, mail.subject, mail.body) for mail in mailer.sent] == [
            ("a@example.nl", "Hallo", "link: secret")
        ]
        async with engine.connect() as connection:
            sent = (await connection.execute(sa.select(mail_outbox))).one()
        assert sent.sent_at is not None and sent.last_error is None
        assert sent.body == ""  # the link is not kept once the mail is out
        assert await relay.relay_once() == 0
    finally:
        await engine.dispose()


async def test_mail_queued_by_an_event_handler_goes_out_when_the_consumers_transaction_commits(databases: Any) -> None:
    url = await databases.create("handlermail")
    await asyncio.to_thread(run_migrations, url, MIGRATIONS_DIR)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    mailer = FlakyMailer(failures=0)
    # A poll far longer than the test: only the wake after the commit can send the mail in time.
    relay = MailRelay(session_factory, mailer, poll_seconds=600)
    running = asyncio.create_task(relay.run())
    try:
        async with UnitOfWork(session_factory) as consumer_uow:
            await EventUnitOfWork(consumer_uow, relay).queue_mail(
                to="rolled-back@example.nl", subject="never", body="never", person_id=None
            )
            # The consumer leaves without committing (the handler failed): no mail, now or later.
        async with UnitOfWork(session_factory) as consumer_uow:
            handler_uow = EventUnitOfWork(consumer_uow, relay)
            await handler_uow.queue_mail(to="a@example.nl", subject="Ontvangen", body="ok", person_id=None)
            await asyncio.sleep(0.2)
            assert mailer.sent == []  # queued, not committed: nothing goes out
            await consumer_uow.commit()  # what the kit's consumer does after recording the inbox row

        async def sent() -> bool:
            return bool(mailer.sent)

        await wait_until(sent, timeout=5, message="mail sent after the commit")
        assert [mail.to for mail in mailer.sent] == ["a@example.nl"]
    finally:
        relay.stop()
        await running
        await engine.dispose()


async def test_the_folder_mailer_lists_what_it_wrote_newest_first(tmp_path: Path) -> None:
    mailer = FolderMailer(tmp_path / "mail", "LKLR <noreply@lklr.example>")
    first = OutgoingMail(mail_id=uuid.uuid4(), to="één@example.nl", subject="Eerste / first", body="Dag ë\nregel 2")
    second = OutgoingMail(mail_id=uuid.uuid4(), to="b@example.nl", subject="Tweede", body="x")
    await mailer.send(first)
    await mailer.send(second)
    await mailer.send(second)  # a resend after a crash replaces the file, it does not add one
    entries = await mailer.read(10)
    assert [entry.mail_id for entry in entries] == [str(second.mail_id), str(first.mail_id)]
    assert (entries[1].to, entries[1].subject, entries[1].body.strip()) == (
        "één@example.nl",
        "Eerste / first",
        "Dag ë\nregel 2",
    )
    assert await mailer.read(1) == entries[:1]


async def test_migration_0002_moves_names_into_people_and_continues_the_number_sequence(databases: Any) -> None:
    url = await databases.create("migration")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["database_url"] = url
    await asyncio.to_thread(command.upgrade, config, "0001")
    engine = make_engine(url)
    person_id = uuid.uuid4()
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO registrations (person_id, sequence, registration_number, initials, surname, roles, "
                    "employer_id, registered_since, status) VALUES (:id, 7, '0000073', 'A.', 'Jansen', "
                    "'[\"leerplichtambtenaar\"]', 'gemeente-utrecht', :since, 'registered')"
                ),
                {"id": person_id, "since": date(2022, 3, 1)},
            )
        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.connect() as connection:
            person = (await connection.execute(sa.text("SELECT * FROM people"))).one()
            counter = (await connection.execute(sa.text("SELECT last_sequence FROM registration_number_counter"))).one()
        assert (person.person_id, person.initials, person.surname, person.roles, person.employer_id) == (
            person_id,
            "A.",
            "Jansen",
            ["leerplichtambtenaar"],
            "gemeente-utrecht",
        )
        assert counter.last_sequence == 7

        await asyncio.to_thread(command.downgrade, config, "0001")
        async with engine.connect() as connection:
            back = (await connection.execute(sa.text("SELECT surname, employer_id FROM registrations"))).one()
        assert tuple(back) == ("Jansen", "gemeente-utrecht")
    finally:
        await engine.dispose()


async def test_migration_0017_gives_existing_accounts_dutch_mail_and_keeps_other_languages_out(databases: Any) -> None:
    url = await databases.create("migration")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["database_url"] = url
    await asyncio.to_thread(command.upgrade, config, "0014")
    engine = make_engine(url)
    person_id = uuid.uuid4()
    now = datetime.now(UTC)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO people (person_id, initials, surname, roles, created_at, updated_at) "
                    "VALUES (:id, 'A.', 'Jansen', '[]', :now, :now)"
                ),
                {"id": person_id, "now": now},
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO accounts (account_id, email, password_hash, account_roles, created_at) "
                    "VALUES (:id, 'jansen@example.nl', 'x', '[\"professional\"]', :now)"
                ),
                {"id": person_id, "now": now},
            )
        await asyncio.to_thread(command.upgrade, config, "0017")
        async with engine.connect() as connection:
            language = (await connection.execute(sa.text("SELECT preferred_language FROM accounts"))).scalar_one()
        assert language == "nl"
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(sa.text("UPDATE accounts SET preferred_language = 'de'"))
        await asyncio.to_thread(command.downgrade, config, "0014")
        async with engine.connect() as connection:
            columns = (
                await connection.execute(
                    sa.text("SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts'")
                )
            ).scalars()
            assert "preferred_language" not in set(columns)
    finally:
        await engine.dispose()
