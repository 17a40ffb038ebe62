"""Webhook rules (Standard Webhooks): which events exist, which endpoint addresses are allowed, how secrets look,
when a failed delivery is tried again and when an endpoint that keeps failing is disabled.

Pure: no I/O. The sender (adapters/webhook_sender.py) and the use cases (service_layer/webhook*.py) apply them.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from lklr_shared.contracts.accreditation import WEBHOOK_EVENT_TYPES
from lklr_shared.errors import RuleViolation

SECRET_PREFIX: Final = "whsec_"
_SECRET_BYTES: Final = 32
MAX_URL_LENGTH: Final = 2_000
# Hosts that name this machine or a local network whatever they resolve to.
_LOCAL_NAMES: Final = ("localhost", "localhost.localdomain")
_LOCAL_SUFFIXES: Final = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def check_events(events: Iterable[str]) -> list[str]:
    """The chosen event types, known and without repeats, in the register's order (422 `invalid_webhook_events`)."""
    chosen = {event.strip() for event in events if event.strip()}
    unknown = sorted(chosen - set(WEBHOOK_EVENT_TYPES))
    if unknown:
        raise RuleViolation(
            "invalid_webhook_events",
            f"Unknown webhook events: {', '.join(unknown)}. Choose from {', '.join(WEBHOOK_EVENT_TYPES)}.",
        )
    if not chosen:
        raise RuleViolation("invalid_webhook_events", "Choose at least one event for this endpoint.")
    return [event for event in WEBHOOK_EVENT_TYPES if event in chosen]


def check_event_type(event: str) -> str:
    """One known event type (422 `invalid_webhook_events`)."""
    return check_events([event])[0]


def is_forbidden_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is private, loopback, link-local or otherwise not a public internet host."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_endpoint_url(url: str, *, local: bool) -> str:
    """The endpoint address as it will be called (422 `invalid_webhook_url` with the reason).

    Outside local runs only https, and no host that is, or is named as, a private or loopback address: the
    register must not be made to call into its own network. The sender checks the resolved address again.
    """
    text = url.strip()
    if not text or len(text) > MAX_URL_LENGTH:
        raise RuleViolation(
            "invalid_webhook_url", f"Give the endpoint's address (at most {MAX_URL_LENGTH} characters)."
        )
    parts = urlsplit(text)
    allowed_schemes = ("https", "http") if local else ("https",)
    if parts.scheme.lower() not in allowed_schemes:
        raise RuleViolation("invalid_webhook_url", "The endpoint's address must start with https://.")
    host = (parts.hostname or "").lower()
    if not host:
        raise RuleViolation("invalid_webhook_url", "The endpoint's address has no host name.")
    if parts.username or parts.password:
        raise RuleViolation("invalid_webhook_url", "Put no user name or password in the endpoint's address.")
    if parts.fragment:
        raise RuleViolation("invalid_webhook_url", "The endpoint's address may not have a #fragment.")
    try:
        _ = parts.port
    except ValueError:
        raise RuleViolation("invalid_webhook_url", "The endpoint's address has an invalid port.") from None
    if local:
        return text
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES) or "." not in host.strip("[]"):
        raise RuleViolation("invalid_webhook_url", "The endpoint must be a public internet address, not a local name.")
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return text
    if is_forbidden_address(address):
        raise RuleViolation(
            "invalid_webhook_url", "The endpoint may not point at a private, loopback or link-local address."
        )
    return text


def generate_secret() -> str:
    """A new signing secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks defines it."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a failed message is tried again: `first_delay` doubling after each failure, for at most `give_up_after`
    since the message was made (3 days by default); an endpoint is disabled after `disable_after` failed attempts
    in a row (across its messages)."""

    first_delay: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=12)
    give_up_after: timedelta = timedelta(days=3)
    disable_after: int = 30

    def next_attempt(self, *, attempts: int, created_at: datetime, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failed attempts, or None when the message is given up."""
        delay = self.first_delay * (self.factor ** max(attempts - 1, 0))
        delay = min(delay, self.max_delay)
        deadline = created_at + self.give_up_after
        if now >= deadline:
            return None
        return min(now + delay, deadline)

    def disables(self, consecutive_failures: int) -> bool:
        """Whether an endpoint with this many failed attempts in a row is disabled."""
        return consecutive_failures >= self.disable_after


def succeeded(status: int) -> bool:
    """A delivery is accepted by any 2xx answer (Standard Webhooks)."""
    return 200 <= status < 300


def message_id() -> str:
    """A new Standard Webhooks message id (`msg_` and 128 random bits)."""
    return "msg_" + secrets.token_urlsafe(16)


@dataclass(frozen=True)
class DueMessage:
    """A claimed message with what signing and sending it needs."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    message_id: str
    payload: dict[str, Any]
    secrets: tuple[str, ...]


def signing_secrets(
    secret: str, previous_secret: str | None, previous_until: datetime | None, *, now: datetime
) -> tuple[str, ...]:
    """The secrets that sign a message now: the current one, and the one before a rotation while its overlap lasts."""
    if previous_secret and previous_until is not None and previous_until > now:
        return (secret, previous_secret)
    return (secret,)
