"""Sending mail: to a person (through their account's address, in their preferred language) or to everyone in the
register office (each in their own language).

A mail sent at once after a request on a page (sign-up, a password reset) is in that page's language; every other
mail goes in the language the account prefers (``accounts.preferred_language``: the sign-up page's language at
first, changed on Mijn LKLR), and in Dutch to a person without an account.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from registry.adapters.repositories.mail import Contact, office_members
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.languages import Language
from registry.service_layer.notifications import Mail


async def mail_contact(uow: MailingUnitOfWork, contact: Contact, mail: Mail) -> uuid.UUID | None:
    """Queue ``mail`` (written in ``contact.language``) to the person; None when they have no account to mail
    (nothing is queued then)."""
    if contact.email is None:
        return None
    subject, body = mail
    return await uow.queue_mail(to=contact.email, subject=subject, body=body, person_id=contact.person_id)


async def mail_office(uow: MailingUnitOfWork, compose: Callable[[Language], Mail]) -> int:
    """Tell every office account about new work in its queue, each in its own language (``compose`` writes the
    mail in a language); returns how many mails were queued."""
    members = await office_members(uow.session)
    for member in members:
        subject, body = compose(member.language)
        await uow.queue_mail(to=member.email, subject=subject, body=body, person_id=member.account_id)
    return len(members)
