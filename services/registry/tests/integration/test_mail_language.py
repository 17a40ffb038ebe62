"""The language of the mails the registry sends later on, over the real wiring (PostgreSQL, RabbitMQ, the mail
folder): the language a person signed up in is kept on their account, the office's decision and the scheduled
reminders follow it, and after the person changes it the next mail follows the new one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.clock import ManualClock

from .conftest import PASSWORD, Registry, RegistryFactory, rpc_error, wait_until

pytestmark = pytest.mark.integration

START = date(2030, 1, 15)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


@pytest.fixture(scope="module")
async def lingo(start_registry: RegistryFactory) -> Registry:
    return await start_registry(manual_clock=ManualClock(noon(START)))


def set_day(registry: Registry, day: date) -> None:
    assert registry.manual_clock is not None
    registry.manual_clock.set(noon(day))


async def signed_up(
    registry: Registry, language: contracts.MailLanguage, confirm_subject: str
) -> tuple[uuid.UUID, str]:
    """A confirmed account that signed up on a page in ``language``; returns (account id, e-mail)."""
    email = f"{uuid.uuid4().hex[:12]}@example.nl"
    await registry.call(
        contracts.SignUp(email=email, password=PASSWORD, initials="T.", surname="Talen", language=language)
    )
    token = await registry.token_mailed_to(email, confirm_subject)
    confirmed = await registry.call(contracts.ConfirmEmail(token=token))
    return confirmed.account_id, email


async def registered(registry: Registry, office_id: uuid.UUID, account_id: uuid.UUID) -> date:
    """Apply and have the office approve; returns the end of the first cycle."""
    application = await registry.apply(account_id)
    await registry.call(
        contracts.DecideApplication(
            actor_account_id=office_id, application_id=application.application_id, decision="approve"
        )
    )
    view = await registry.call(contracts.GetMyRegistration(actor_account_id=account_id))
    assert view.current_cycle is not None
    ends_on: date = view.current_cycle.ends_on
    return ends_on


async def subjects_to(registry: Registry, address: str) -> list[str]:
    mailbox = await registry.call(contracts.ListDevMail(limit=500))
    return [mail.subject for mail in mailbox.messages if mail.to == address]


async def reminded(registry: Registry, address: str, subject_part: str, count: int) -> None:
    async def arrived() -> bool:
        return sum(subject_part in subject for subject in await subjects_to(registry, address)) == count

    await wait_until(arrived, message=f"{count} {subject_part!r} mail(s) to {address}")


async def test_later_mails_follow_the_sign_up_language_and_then_the_changed_preference(lingo: Registry) -> None:
    set_day(lingo, START)
    office_id, _email, _secret = await lingo.staff("office")
    english_id, english = await signed_up(lingo, "en", "Confirm your e-mail address")
    dutch_id, dutch = await signed_up(lingo, "nl", "Bevestig uw e-mailadres")
    mine = await lingo.call(contracts.GetMyAccount(actor_account_id=english_id))
    assert mine.preferred_language == "en"
    assert (await lingo.call(contracts.GetMyAccount(actor_account_id=dutch_id))).preferred_language == "nl"

    # The office's decision: a mail nobody asked for on a page, in each person's own language.
    cycle_end = await registered(lingo, office_id, english_id)
    assert cycle_end == await registered(lingo, office_id, dutch_id)
    approval_en = await lingo.mail_to(english, "Your registration was approved")
    assert approval_en.body.startswith("Dear T. Talen,") and "Kind regards" in approval_en.body
    approval_nl = await lingo.mail_to(dutch, "Uw registratie is goedgekeurd")
    assert approval_nl.body.startswith("Beste T. Talen,")
    assert not any("goedgekeurd" in subject for subject in await subjects_to(lingo, english))

    # A scheduled job's reminder twelve weeks before the end of the cycle.
    set_day(lingo, cycle_end - timedelta(weeks=12))
    await lingo.call(contracts.RunScheduledJobs())
    await reminded(lingo, english, "Reminder: your cycle ends on", 1)
    await reminded(lingo, dutch, "Herinnering: uw registratieperiode eindigt op", 1)

    # Each changes the preference on Mijn LKLR; the next reminder (six weeks before the end) follows it.
    changed = await lingo.call(contracts.SetPreferredLanguage(actor_account_id=english_id, language="nl"))
    assert changed.preferred_language == "nl"
    await lingo.call(contracts.SetPreferredLanguage(actor_account_id=dutch_id, language="en", client_ip="198.51.100.7"))
    set_day(lingo, cycle_end - timedelta(weeks=6))
    await lingo.call(contracts.RunScheduledJobs())
    await reminded(lingo, english, "Herinnering: uw registratieperiode eindigt op", 1)
    await reminded(lingo, dutch, "Reminder: your cycle ends on", 1)
    assert sum("Reminder" in subject for subject in await subjects_to(lingo, english)) == 1
    assert sum("Herinnering" in subject for subject in await subjects_to(lingo, dutch)) == 1


async def test_a_change_of_language_is_audited_and_setting_the_same_one_again_changes_nothing(lingo: Registry) -> None:
    set_day(lingo, START)
    account_id, _email = await lingo.sign_up_and_confirm()
    await lingo.call(contracts.SetPreferredLanguage(actor_account_id=account_id, language="en", client_ip="192.0.2.4"))
    again = await lingo.call(contracts.SetPreferredLanguage(actor_account_id=account_id, language="en"))
    assert again.preferred_language == "en"
    rows = await lingo.rows(
        "SELECT actor_account_id, client_ip, detail FROM audit_trail "
        "WHERE action = 'set_preferred_language' AND person_id = :p",
        p=account_id,
    )
    assert [(row.actor_account_id, row.client_ip, row.detail) for row in rows] == [
        (account_id, "192.0.2.4", {"before": "nl", "after": "en"})
    ]


async def test_only_a_signed_in_person_sets_their_own_language(lingo: Registry) -> None:
    refused = await rpc_error(lingo, contracts.SetPreferredLanguage(actor_account_id=uuid.uuid4(), language="en"))
    assert (refused.status, refused.code) == (401, "actor_unknown")
