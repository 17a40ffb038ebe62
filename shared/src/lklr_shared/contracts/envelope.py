"""The envelope every message travels in, and helpers to wrap and unwrap contracts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from lklr_shared.contracts.base import Message, contract_for


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class Envelope(BaseModel):
    """Metadata around a payload: identity, type, version, time and causality.

    `correlation_id` ties together everything caused by one user action; `causation_id` is the id of the
    message that directly caused this one (None for a message started by a person or a timer). `origin` is the
    client address of the HTTP request behind it, for the services' security event logs (None when no person's
    request caused it).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    correlation_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    causation_id: uuid.UUID | None = None
    origin: str | None = None
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def open(self) -> Message:
        """Parse the payload into its contract class (raises UnknownMessageType or ValidationError)."""
        return contract_for(self.type, self.version).model_validate(self.payload)

    def to_bytes(self) -> bytes:
        """Serialise to JSON bytes for the wire."""
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        """Parse JSON bytes from the wire."""
        return cls.model_validate_json(body)


def wrap(
    message: Message,
    *,
    correlation_id: uuid.UUID | None = None,
    caused_by: Envelope | None = None,
    occurred_at: datetime | None = None,
    origin: str | None = None,
) -> Envelope:
    """Put a contract into an envelope; a message caused by another inherits its correlation id and origin."""
    if caused_by is not None:
        correlation_id = caused_by.correlation_id
        origin = origin or caused_by.origin
    return Envelope(
        type=message.wire_name,
        version=message.wire_version,
        occurred_at=occurred_at or utcnow(),
        correlation_id=correlation_id or uuid.uuid4(),
        causation_id=caused_by.message_id if caused_by is not None else None,
        origin=origin,
        payload=message.model_dump(mode="json"),
    )
