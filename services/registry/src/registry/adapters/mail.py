"""Sending e-mail: by SMTP in production, or into a local folder (the embedded default) for development.

The folder mailer writes each message as an ``.eml`` file named by its mail id, so a resend after a crash
overwrites the same file instead of showing the mail twice; the development mail page lists the folder.
"""

from __future__ import annotations

import asyncio
import email.policy
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Protocol

import aiosmtplib

MAIL_ID_HEADER = "X-LKLR-Mail-Id"
# The Date header has whole seconds; the development mailbox orders by this one (microseconds, ISO 8601).
SENT_AT_HEADER = "X-LKLR-Sent-At"


class MailNotSent(Exception):
    """The mail could not be handed over; the relay keeps it and tries again later."""


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One plain-text mail to one address."""

    mail_id: uuid.UUID
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    """Hands a mail over for delivery; raises :class:`MailNotSent` when that fails."""

    async def send(self, mail: OutgoingMail) -> None: ...


def build_message(mail: OutgoingMail, sender: str, sent_at: datetime) -> EmailMessage:
    """The MIME message of a mail (UTF-8 plain text)."""
    message = EmailMessage()
    message["From"] = sender
    # A plain string, not headerregistry.Address: that refuses internationalised addresses (é@example.nl),
    # which the register accepts and SMTPUTF8 servers deliver.
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(sent_at)
    message[MAIL_ID_HEADER] = str(mail.mail_id)
    message[SENT_AT_HEADER] = sent_at.isoformat()
    message.set_content(mail.body)
    return message


@dataclass(frozen=True, slots=True)
class MailboxEntry:
    """A mail read back from the development folder."""

    mail_id: str
    to: str
    subject: str
    body: str
    sent_at: datetime


class FolderMailer:
    """Writes each mail as an .eml file into ``folder`` (development and demo: no mail server needed)."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    async def send(self, mail: OutgoingMail) -> None:
        try:
            await asyncio.to_thread(self._write, mail, datetime.now(UTC))
        except OSError as exc:
            raise MailNotSent(f"could not write mail {mail.mail_id} to {self.folder}: {exc}") from exc

    def _write(self, mail: OutgoingMail, sent_at: datetime) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{mail.mail_id}.eml"
        partial = target.with_suffix(".eml.partial")
        partial.write_bytes(build_message(mail, self.sender, sent_at).as_bytes(policy=email.policy.SMTPUTF8))
        # Atomic on POSIX: a reader never sees half a mail.
        os.replace(partial, target)

    async def read(self, limit: int) -> list[MailboxEntry]:
        """The newest ``limit`` mails in the folder, newest first."""
        return await asyncio.to_thread(self._read, limit)

    def _read(self, limit: int) -> list[MailboxEntry]:
        if not self.folder.is_dir():
            return []
        entries = [self._parse(path) for path in self.folder.glob("*.eml")]
        entries.sort(key=lambda entry: (entry.sent_at, entry.mail_id), reverse=True)
        return entries[:limit]

    @staticmethod
    def _parse(path: Path) -> MailboxEntry:
        with path.open("rb") as handle:
            message = BytesParser(policy=email.policy.default).parse(handle)
        body_part = message.get_body(preferencelist=("plain",))
        body = body_part.get_content() if body_part is not None else ""
        return MailboxEntry(
            mail_id=str(message.get(MAIL_ID_HEADER, path.stem)),
            to=str(message.get("To", "")),
            subject=str(message.get("Subject", "")),
            body=str(body),
            sent_at=_sent_at(message),
        )


def _sent_at(message: EmailMessage) -> datetime:
    precise = message.get(SENT_AT_HEADER)
    if precise:
        return datetime.fromisoformat(str(precise)).astimezone(UTC)
    return parsedate_to_datetime(str(message["Date"])).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class SmtpOptions:
    """Where and how to hand mail to an SMTP server."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    start_tls: bool = True
    use_tls: bool = False
    timeout_seconds: float = 10.0


class SmtpMailer:
    """Sends through an SMTP server with aiosmtplib (one connection per mail: the volume is low)."""

    def __init__(self, options: SmtpOptions, sender: str) -> None:
        self.options = options
        self.sender = sender

    async def send(self, mail: OutgoingMail) -> None:
        options = self.options
        message = build_message(mail, self.sender, datetime.now(UTC))
        try:
            await aiosmtplib.send(
                message,
                hostname=options.host,
                port=options.port,
                username=options.username,
                password=options.password,
                start_tls=options.start_tls and not options.use_tls,
                use_tls=options.use_tls,
                timeout=options.timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailNotSent(f"SMTP {options.host}:{options.port} refused mail {mail.mail_id}: {exc}") from exc
