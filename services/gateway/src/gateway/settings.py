"""Gateway settings: environment variables prefixed GATEWAY_ (read only in the composition root)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.settings import BrokerSettings

DEFAULT_SERVICES = ("registry", "portfolio", "accreditation", "audit")


class GatewaySettings(BrokerSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    # Signs the session and CSRF cookies; every replica needs the same key. Empty means: a random key per
    # process, so sessions do not survive a restart (nor work across replicas); production sets it.
    secret_key: SecretStr = SecretStr("")
    # Signs the actor assertion of every request to the services (base64 Ed25519 seed; the services hold its
    # public key in <SERVICE>_ACTOR_VERIFY_KEYS; `python -m lklr_shared.kit.actor` makes a pair). Empty: the
    # publicly known development key, refused outside a local run.
    actor_signing_key: SecretStr = SecretStr("")
    scheme_path: Path | None = None
    # Demo time travel: the file holding the day offset every service's clock reads (see kit/clock.py), so the
    # gateway's "today" (scheme in force, current year) moves with theirs.
    clock_offset_file: Path | None = None
    # The services /readyz pings (GATEWAY_SERVICES='["registry","portfolio"]').
    services: list[str] = Field(default_factory=lambda: list(DEFAULT_SERVICES))
    # Readiness probes must answer fast, so they get a much shorter RPC timeout than page requests.
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    # How long uvicorn waits for requests in flight on shutdown.
    shutdown_grace_seconds: int = Field(default=10, ge=0)
    # Development pages (/dev/mail lists every mail the registry wrote to its folder). Local runs and tests turn
    # them on; never in production.
    dev_pages: bool = False
    # How long a "this session is valid" answer of the registry may be reused (a logout elsewhere, a password
    # reset or a role change counts after at most this long).
    session_cache_seconds: float = Field(default=3.0, ge=0, le=10)
    # Secure cookies even on plain http (behind a TLS proxy whose X-Forwarded-Proto uvicorn does not trust);
    # otherwise they are Secure whenever the request came over https.
    secure_cookies: bool = False
    # Strict-Transport-Security max-age on every response (browsers then only ever use https for this host).
    # On by default, as production runs behind TLS; 0 sends none: local runs over plain http (scripts/start) set 0.
    hsts_max_age_seconds: int = Field(default=2 * 365 * 24 * 3600, ge=0)
    # "production" (the default) refuses to start with a missing, short or placeholder secret key or with the dev
    # pages on, and always sends Secure cookies; "local" (scripts/start, the tests) allows all of that.
    environment: Literal["production", "local"] = "production"
    # Who may tell the gateway the client's address (X-Forwarded-For) and scheme (X-Forwarded-Proto): the reverse
    # proxies' addresses or ranges (GATEWAY_TRUSTED_PROXIES='["10.0.0.0/8"]'). Anyone else's headers are ignored,
    # so a client cannot pick the address the rate limits and the security log see.
    # The register's public address (https://lklr.nl): the xAPI account homePage of registration numbers and the
    # base of edition IRIs. Empty: the address each request came in on (local runs and tests).
    public_base_url: str = ""
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1"])
