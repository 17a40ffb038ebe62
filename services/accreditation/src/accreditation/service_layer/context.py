"""What every use case needs besides its command: a unit of work, the scheme, the clock and a few limits.

Built once in the composition root; tests build their own (with a fixed clock, for instance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from accreditation.domain.webhooks import RetryPolicy
from lklr_shared.contracts.envelope import utcnow
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.scheme import NoSchemeVersionInForce, SchemeBook, SchemeVersion

# Register dates (end of an edition, start of a validity) are Dutch calendar days: "today" changes at
# midnight in Amsterdam, not at midnight UTC.
REGISTER_TIME_ZONE = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class AccreditationContext:
    """Dependencies of the accreditation use cases."""

    unit_of_work: Callable[[], UnitOfWork]
    scheme: SchemeBook
    clock: Callable[[], datetime] = field(default=utcnow)
    # How long a first request holds its Idempotency-Key before a retry may take over, at most: a request with a
    # deadline holds it until that deadline plus a short margin (domain.idempotency.lease_length), so a crash does
    # not block a provider's retry for long after the gateway answered 504.
    idempotency_lease: timedelta = timedelta(minutes=2)
    # Whether LoadDemoData may run (its provider's API key is published in the README).
    allow_demo_commands: bool = False
    # Webhooks: when failed deliveries are retried and endpoints disabled; whether http and local addresses are
    # allowed (local runs only); how long before an accreditation ends its `accreditation.expiring` goes out.
    webhook_policy: RetryPolicy = field(default_factory=RetryPolicy)
    webhooks_local: bool = False
    webhook_expiry_warning: timedelta = timedelta(days=60)
    # Objections against course decisions: decided within these weeks of receipt, extendable once.
    objection_decision_weeks: int = 6
    objection_extension_weeks: int = 6

    def now(self) -> datetime:
        """The current time (UTC, aware)."""
        return self.clock()

    def today(self) -> date:
        """Today's date in the Netherlands."""
        return self.clock().astimezone(REGISTER_TIME_ZONE).date()

    def rules_on(self, day: date) -> SchemeVersion:
        """The scheme version in force on ``day`` (the first version for days before it)."""
        try:
            return self.scheme.version_in_force(day)
        except NoSchemeVersionInForce:
            return self.scheme.versions[0]
