"""Gateway settings: environment variables prefixed GATEWAY_ (read only in the composition root)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import BrokerSettings

DEFAULT_SERVICES = ("registry", "portfolio", "accreditation", "audit")


class GatewaySettings(BrokerSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # Signs session cookies (later issues). Empty means: a random key per process, so sessions do not survive
    # a restart; production sets GATEWAY_SECRET_KEY.
    secret_key: SecretStr = SecretStr("")
    scheme_path: Path | None = None
    # The services /readyz pings (GATEWAY_SERVICES='["registry","portfolio"]').
    services: list[str] = Field(default_factory=lambda: list(DEFAULT_SERVICES))
    # Readiness probes must answer fast, so they get a much shorter RPC timeout than page requests.
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    # How long uvicorn waits for requests in flight on shutdown.
    shutdown_grace_seconds: int = Field(default=10, ge=0)
