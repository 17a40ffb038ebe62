"""What every use case needs besides its unit of work: register configuration, credentials, mail links, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from lklr_shared.contracts.envelope import utcnow
from lklr_shared.scheme import SchemeBook, SchemeVersion
from registry.adapters.credential_signer import CredentialSigner
from registry.adapters.mail import FolderMailer
from registry.adapters.secret_box import SecretBox
from registry.adapters.security import PasswordHasher, TotpVerifier
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.login_throttle import ThrottlePolicy
from registry.domain.rate_limit import RateLimit
from registry.domain.retention import DEFAULT_SCHEDULE, Pseudonymiser, RetentionSchedule

Clock = Callable[[], datetime]


def _not_wired() -> RegistryUnitOfWork:
    raise RuntimeError("the registry context's unit of work is wired by the composition root (bootstrap)")


@dataclass(frozen=True, slots=True)
class MailLinks:
    """Builds the links in mails; they point at the gateway's pages."""

    base_url: str
    confirm_email_path: str
    reset_password_path: str
    enrol_second_factor_path: str = "/account/tweede-stap"

    def confirm_email(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}{self.confirm_email_path}?{urlencode({'token': token})}"

    def reset_password(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}{self.reset_password_path}?{urlencode({'token': token})}"

    def enrol_second_factor(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}{self.enrol_second_factor_path}?{urlencode({'token': token})}"


@dataclass(frozen=True, slots=True)
class RegistryPolicy:
    """Register configuration the use cases apply (from settings)."""

    timezone: ZoneInfo
    throttle: ThrottlePolicy
    register_lookup_rate: RateLimit
    register_search_max_results: int
    session_lifetime: timedelta
    api_token_lifetime: timedelta
    confirmation_token_lifetime: timedelta
    password_reset_token_lifetime: timedelta
    statistics_decimals: int
    allow_demo_commands: bool
    # Sign-ups, sign-ins, resets and token requests per client address (settings: account_requests_per_window).
    account_request_rate: RateLimit = field(default_factory=lambda: RateLimit(limit=30, window=timedelta(minutes=5)))
    # How long the enrolment link mailed to a new staff member works (settings: second_factor_link_hours).
    second_factor_link_lifetime: timedelta = timedelta(hours=72)
    # Weeks the office has to decide on an objection, and the one extension (settings: objection_*_weeks).
    objection_decision_weeks: int = 6
    objection_extension_weeks: int = 6


@dataclass
class Housekeeping:
    """When this process last purged stale rate-limit counters and throttle rows (per process, in memory:
    purging is idempotent, so replicas that each purge now and then is fine)."""

    interval: timedelta = timedelta(minutes=10)
    last_run: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.last_run is None or now - self.last_run >= self.interval


@dataclass
class RegistryContext:
    """The registry's dependencies, built once in the composition root and handed to every use case."""

    policy: RegistryPolicy
    scheme: SchemeBook
    links: MailLinks
    passwords: PasswordHasher
    totp: TotpVerifier
    # The folder mailer when mail goes to a folder and REGISTRY_DEV_MAILBOX is on (local runs, tests); None
    # otherwise, which disables ListDevMail.
    dev_mailbox: FolderMailer | None
    # Seals TOTP secrets at rest (a development key unless configured).
    secrets: SecretBox = field(default_factory=lambda: SecretBox.from_setting(""))
    # Signs verifiable credentials and status lists (a development key unless configured).
    credentials: CredentialSigner = field(
        default_factory=lambda: CredentialSigner.from_setting("", kid="lklr-dev", base_url="http://127.0.0.1:8000")
    )
    # How long each kind of personal data is kept after a registration ends (settings: retention_*_days).
    retention: RetentionSchedule = DEFAULT_SCHEDULE
    # Names an erasure in the security log without naming the person (settings: pseudonym_key).
    pseudonyms: Pseudonymiser = field(default_factory=lambda: Pseudonymiser.from_setting(""))
    clock: Clock = utcnow
    housekeeping: Housekeeping = field(default_factory=Housekeeping)
    # TOTP codes come from the staff member's authenticator app, which knows only the real time. None: the
    # register's clock (a test's ManualClock drives both); a process sets the system clock, so the demo's time
    # travel (a shifted register clock) never makes every code wrong.
    second_factor_clock: Clock | None = None
    # Opens a unit of work (wired by the composition root once the runtime exists; see ``bootstrap``).
    unit_of_work: Callable[[], RegistryUnitOfWork] = field(default=_not_wired)

    def now(self) -> datetime:
        return self.clock()

    def second_factor_now(self) -> datetime:
        """The time TOTP codes are checked at (see ``second_factor_clock``)."""
        return (self.second_factor_clock or self.clock)()

    def today(self, now: datetime | None = None) -> date:
        """The register's calendar date (decisions and cycles are dated in Dutch time, not UTC)."""
        return (now or self.now()).astimezone(self.policy.timezone).date()

    def scheme_on(self, day: date) -> SchemeVersion:
        """The scheme version in force on ``day``."""
        return self.scheme.version_in_force(day)
