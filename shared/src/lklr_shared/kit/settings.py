"""Settings common to every service. Each service subclasses with its own env prefix.

Settings are read only in a service's composition root (`bootstrap.py`), never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveFloat
from pydantic_settings import BaseSettings, SettingsConfigDict

from lklr_shared.kit.topology import DEFAULT_RETRY_DELAYS, Topology


class ObservabilitySettings(BaseSettings):
    """How a process writes its logs and where it sends its traces (every service and the gateway)."""

    model_config = SettingsConfigDict(extra="ignore")

    # "production" (the default) or "local" (scripts/start, the tests); the subclasses say what else it changes.
    environment: Literal["production", "local"] = "production"
    # "json": one JSON object a line (for a log collector); "text": the readable line of a local run; "auto" (the
    # default): text when the environment is "local", JSON otherwise (see kit/logs.py).
    log_format: Literal["auto", "json", "text"] = "auto"
    # Base URL of an OTLP/HTTP collector (`http://collector:4318`; traces go to its `/v1/traces`). Empty (the
    # default): no exporter, and tracing costs next to nothing (see kit/tracing.py).
    otlp_endpoint: str = ""

    def json_logs(self) -> bool:
        """Whether this process writes JSON lines rather than readable text."""
        if self.log_format == "auto":
            return self.environment != "local"
        return self.log_format == "json"


class BrokerSettings(ObservabilitySettings):
    """Where the broker is and how this deployment names its exchanges and queues."""

    model_config = SettingsConfigDict(extra="ignore")

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Every exchange and queue name starts with this prefix, so test sessions and parallel deployments on
    # one broker never share a queue.
    broker_prefix: str = "lklr"
    publish_timeout_seconds: float = 5.0
    rpc_timeout_seconds: float = 5.0
    # Deliveries of one message before the quorum queue dead-letters it (RabbitMQ 3.10 sets none itself).
    delivery_limit: int = 5
    # Seconds before each retry of an event whose handler failed for a transient reason (database or broker
    # unavailable, a timeout, an unexpected error); after the last, the message is dead-lettered. A JSON list in
    # the environment, e.g. `PORTFOLIO_RETRY_DELAYS_SECONDS=[1,5,30,120,600]`. Each delay is a queue of its own
    # on the broker, so keep the list short.
    retry_delays_seconds: tuple[PositiveFloat, ...] = Field(default=DEFAULT_RETRY_DELAYS, min_length=1, max_length=10)
    prefetch_count: int = 32
    # How often the watchdog checks that every subscriber consumes (see kit/watchdog.py).
    consumer_check_seconds: float = Field(default=2.0, gt=0)

    def topology(self) -> Topology:
        """The broker names and queue arguments these settings describe."""
        return Topology(
            prefix=self.broker_prefix,
            delivery_limit=self.delivery_limit,
            retry_delays=tuple(self.retry_delays_seconds),
        )


class ServiceSettings(BrokerSettings):
    """Settings of a service that owns a database and consumes/publishes events."""

    # The gateway's public key(s) that actor assertions are verified with (base64, comma-separated while a key
    # rotates; see kit/actor.py). Empty: the development key, accepted only in a local run.
    actor_verify_keys: str = ""
    database_url: str = "sqlite+aiosqlite:///.data/service.db"
    health_host: str = "127.0.0.1"
    health_port: int = 0
    # Migrate at start (local runs; on PostgreSQL concurrent starters take turns under an advisory lock). A
    # deployment turns it off and migrates once in a separate step (`python -m <service> migrate`: a Kubernetes
    # Job, a compose one-shot); the service then waits up to migration_wait_seconds for the schema to be at head.
    auto_migrate: bool = True
    migration_wait_seconds: float = Field(default=300, gt=0)
    scheme_path: Path | None = None
    # Demo/test time travel: a file holding a day offset applied to this service's clock (see kit/clock.py).
    clock_offset_file: Path | None = None
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    outbox_batch_size: int = Field(default=200, gt=0)
    # Sent outbox rows, inbox records and request-log rows (request ids) are deleted after this many days, by a job
    # every prune_interval_seconds.
    message_retention_days: float = Field(default=14, gt=0)
    prune_interval_seconds: float = Field(default=3600, gt=0)
    shutdown_grace_seconds: float = 10.0
