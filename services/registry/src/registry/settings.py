"""Registry settings: environment variables prefixed REGISTRY_ (read only in the composition root)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/registry.db"
    health_port: int = 8101
    # "production" (the default) refuses to start with the development TOTP key or a demo switch on; "local"
    # (scripts/start, the tests) allows them.
    environment: Literal["production", "local"] = "production"
    # The register's calendar: decision dates, cycle starts and "this year" of the statistics.
    timezone: str = "Europe/Amsterdam"

    # --- mail
    mail_backend: Literal["folder", "smtp"] = "folder"
    mail_dir: Path = Path(".data/mail")
    # ListDevMail (the gateway's /dev/mail) reads the mail folder back, reset links included. Only local runs and
    # tests turn it on, with the gateway's dev pages; a folder mailer in a trial deployment does not list mail.
    dev_mailbox: bool = False
    mail_from: str = "LKLR <noreply@lklr.example>"
    mail_poll_seconds: float = Field(default=5.0, gt=0)
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_start_tls: bool = True
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # Links in mails point at the gateway's pages: base URL + path + "?token=...".
    public_base_url: str = "http://127.0.0.1:8000"
    confirm_email_path: str = "/account/bevestigen"
    reset_password_path: str = "/account/wachtwoord-herstellen"
    enrol_second_factor_path: str = "/account/tweede-stap"

    # --- accounts
    confirmation_token_hours: float = Field(default=48, gt=0)
    password_reset_token_minutes: float = Field(default=60, gt=0)
    session_hours: float = Field(default=12, gt=0)
    api_token_days: float = Field(default=30, gt=0)
    # The one-time link a new staff member gets to enrol their second factor.
    second_factor_link_hours: float = Field(default=72, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: float = Field(default=15, gt=0)
    login_backoff_base_seconds: float = Field(default=1.0, ge=0)
    login_backoff_max_seconds: float = Field(default=30.0, ge=0)
    totp_issuer: str = "LKLR"
    # The Fernet key TOTP secrets are sealed with at rest (32 bytes, url-safe base64). Empty: the public
    # development key, for local runs and tests only; every other deployment sets it from a secret.
    totp_encryption_key: SecretStr = SecretStr("")

    # --- verifiable credentials (Open Badges 3.0 as VC-JWT, lklr_shared.credentials)
    # The Ed25519 private key (32-byte seed, base64url) credentials and status lists are signed with. Empty: the
    # public development key, for local runs and tests only. The issuer id, key set and status list URLs are built
    # from public_base_url (the gateway serves /.well-known/jwks.json and /status/{n} there).
    credential_signing_key: SecretStr = SecretStr("")
    credential_key_id: str = "lklr-credentials-1"

    # --- public register
    register_lookups_per_window: int = Field(default=60, ge=1)
    register_lookup_window_seconds: int = Field(default=60, ge=1)
    # Sign-ups, sign-ins, password resets and token requests per client address, across every gateway (a busy
    # office behind one address needs headroom; a guesser trying many addresses does not get it).
    account_requests_per_window: int = Field(default=30, ge=1)
    account_request_window_seconds: int = Field(default=300, ge=1)
    register_search_max_results: int = Field(default=50, ge=1, le=500)

    # --- objections (bezwaar): the office decides within these weeks of receipt, extendable once (Awb 7:10: six
    # weeks, once six more). The filing window is the scheme's reconsideration_weeks (default 6).
    objection_decision_weeks: int = Field(default=6, ge=1, le=52)
    objection_extension_weeks: int = Field(default=6, ge=1, le=52)

    # --- statistics
    statistics_decimals: int = Field(default=0, ge=0, le=2)

    # --- scheduled jobs (expiry at cycle end, reminders before it, digests of new provider-placed entries)
    scheduled_jobs_enabled: bool = True
    scheduled_jobs_interval_seconds: float = Field(default=60.0, gt=0)
    # Rows per transaction; several replicas each take their own pages.
    scheduled_jobs_batch_size: int = Field(default=200, ge=1, le=5000)

    # --- retention (registry.domain.retention): days each kind of personal data is kept, counted from the day the
    # registration ended (expired or struck off); the scheduled job erases what has passed, in every service. The
    # defaults are this register's reading of the law; the data protection officer sets them per deployment.
    # An account of someone who never registered: erased on request at any time; a sign-up never confirmed is
    # erased by the job after this period (AVG art. 5(1)(e), storage limitation: no longer than needed).
    retention_account_days: int = Field(default=365, ge=0)
    # The registration, its decisions and status history: decisions of a public register are archive documents,
    # kept seven years after the registration ended (Archiefwet 1995 with the selection list for decisions of
    # an administrative body; a fresh application after a lapse is judged against this history).
    retention_registration_days: int = Field(default=7 * 365, ge=0)
    # Portfolio activities and evidence files: they underpin the last re-registration decision, which can be
    # objected to (six weeks, Awb 6:7) and appealed against in court (Awb 8:1 and on, with higher appeal); two
    # years after the end covers a case to its last instance.
    retention_portfolio_days: int = Field(default=2 * 365, ge=0)
    # Audit dossiers (sampled activities, judgements, answers) underpin the audit outcome: as the portfolio.
    retention_audit_dossiers_days: int = Field(default=2 * 365, ge=0)
    # Attendance providers posted (and disputes of it): evidence of the portfolio's placed entries, as the portfolio.
    retention_attendance_days: int = Field(default=2 * 365, ge=0)
    # Logs: mail records and sign-in tokens, and the security logs (the sign-in log with the addresses people
    # typed, the audit trail with account ids). The job prunes sign-in log and audit trail rows older than this
    # (the erasure lines stay, pseudonymous); erasing a person deletes their rows at once. The security logs are
    # append-only but for these two deletions. Two years follows the BIO's logging control (12.4) as this register
    # applies it.
    retention_logs_days: int = Field(default=2 * 365, ge=0)
    # The key of the pseudonym an erasure is logged under (HMAC-SHA256 of the person id): without it a log reader
    # cannot link the line to a person id. Empty: a public development key (local runs only; production refuses).
    pseudonym_key: SecretStr = SecretStr("")

    # GrantDemoRegistration, CreateDemoAccount and RunScheduledJobs without an office account (known passwords, fixed TOTP secrets). Off unless asked for:
    # the local start script and the tests turn it on; a production deployment never should.
    allow_demo_commands: bool = False
