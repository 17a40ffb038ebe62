"""Accreditation settings: environment variables prefixed ACCREDITATION_ (read only in the composition root)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class AccreditationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACCREDITATION_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/accreditation.db"
    health_port: int = 8103
    # Events applied in one transaction (with their inbox rows, acknowledged after its commit, in arrival order per
    # person); 0: one per transaction, up to the prefetch of them at once. A burst of registry events is applied
    # many times faster in batches (bench/README.md).
    event_batch_size: int = Field(default=200, ge=0)
    # How long a first attendance post holds its Idempotency-Key before a retry may take it over (a crashed
    # attempt's key is blocked this long). Keep it well above the gateway's RPC timeout for attendance posts.
    idempotency_lease_seconds: float = Field(default=120.0, gt=0)
    # LoadDemoData (a provider with a publicly known API key). Off unless asked for: the local start script and
    # the tests turn it on; a production deployment never should.
    allow_demo_commands: bool = False
    # Webhooks. Retries of a failed delivery: the first after `webhook_first_retry_seconds`, each next one
    # `webhook_retry_factor` times longer (at most `webhook_max_retry_delay_seconds`), until the message is
    # `webhook_give_up_after_seconds` old (3 days); `webhook_disable_after_failures` failed attempts in a row
    # disable the endpoint. Tests set short delays.
    webhook_poll_seconds: float = Field(default=0.5, gt=0)
    webhook_first_retry_seconds: float = Field(default=30.0, gt=0)
    webhook_retry_factor: float = Field(default=2.0, ge=1)
    webhook_max_retry_delay_seconds: float = Field(default=12 * 3600.0, gt=0)
    webhook_give_up_after_seconds: float = Field(default=3 * 24 * 3600.0, gt=0)
    webhook_disable_after_failures: int = Field(default=30, ge=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_batch_size: int = Field(default=50, ge=1)
    # `accreditation.expiring` goes out this many days before an accreditation's last valid day.
    webhook_expiry_warning_days: int = Field(default=60, ge=1)
    webhook_expiry_check_seconds: float = Field(default=3600.0, gt=0)
    # A provider's objection against a course decision is decided within these weeks of receipt, which the office
    # may extend once (the registry's REGISTRY_OBJECTION_* for people: one objection flow, the same clock).
    objection_decision_weeks: int = Field(default=6, ge=1, le=52)
    objection_extension_weeks: int = Field(default=6, ge=1, le=52)
