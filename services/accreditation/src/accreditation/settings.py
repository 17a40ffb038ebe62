"""Accreditation settings: environment variables prefixed ACCREDITATION_ (read only in the composition root)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import ServiceSettings


class AccreditationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACCREDITATION_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/accreditation.db"
    health_port: int = 8103
    # Events applied in one transaction (with their inbox rows, acknowledged after its commit); 0: one per
    # transaction. A burst of registrations is applied many times faster in batches.
    event_batch_size: int = Field(default=200, ge=0)
    # How long a first attendance post holds its Idempotency-Key before a retry may take it over (a crashed
    # attempt's key is blocked this long). Keep it well above the gateway's RPC timeout for attendance posts.
    idempotency_lease_seconds: float = Field(default=120.0, gt=0)
    # LoadDemoData (a provider with a publicly known API key). Off unless asked for: the local start script and
    # the tests turn it on; a production deployment never should.
    allow_demo_commands: bool = False
