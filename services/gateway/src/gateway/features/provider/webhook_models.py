"""Bodies of the provider API's webhook management routes and of the webhook messages themselves.

The message models document what the register posts to a provider's endpoint (the OpenAPI document's `webhooks`
section refers to them); the delivery log returns each message's body parsed into them. Add fields, never change.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from lklr_shared.contracts import accreditation as contracts

WebhookEvent = Literal[
    "attendance.recorded",
    "attendance.disputed",
    "attendance.dispute_resolved",
    "course.decided",
    "accreditation.expiring",
]

# --- What the register posts -------------------------------------------------------------------------------------


class AttendanceCounts(BaseModel):
    received: int
    recorded: int
    duplicate: int
    rejected: int


class RecordedAttendance(BaseModel):
    attendance_id: uuid.UUID
    registration_number: str
    hours: str = Field(description="Decimal, as text.")
    points: str = Field(description="Decimal, as text.")


class AttendanceRecordedData(BaseModel):
    """One attendance post (API, CSV in the portal, or an xAPI statement) that recorded at least one row."""

    post_id: uuid.UUID
    course_id: uuid.UUID
    edition_id: uuid.UUID
    completion_date: date
    channel: Literal["api", "web", "xapi"]
    counts: AttendanceCounts
    recorded: list[RecordedAttendance]


class AttendanceDisputedData(BaseModel):
    """A professional disputed one of your attendance entries (correct it by voiding it, with a reason)."""

    attendance_id: uuid.UUID
    course_id: uuid.UUID | None = None
    edition_id: uuid.UUID | None = None
    registration_number: str | None = None
    reason: str
    disputed_at: datetime


class DisputeResolvedData(BaseModel):
    """A disputed entry was corrected: you voided it (`resolution` `voided`)."""

    attendance_id: uuid.UUID
    course_id: uuid.UUID | None = None
    edition_id: uuid.UUID | None = None
    registration_number: str | None = None
    resolution: Literal["voided"]
    reason: str
    resolved_at: datetime


class CourseDecidedData(BaseModel):
    """The accreditation committee decided on one of your courses."""

    course_id: uuid.UUID
    title: str
    decision: Literal["approved", "changes_requested", "rejected", "objection_dismissed", "withdrawn"]
    status: str
    reason: str
    decided_on: date
    points: str | None = Field(default=None, description="Decimal, as text; set once approved.")
    valid_from: date | None = Field(default=None, description="First day of the accreditation; set once approved.")
    valid_until: date | None = Field(default=None, description="Last day of the accreditation; set once approved.")


class AccreditationExpiringData(BaseModel):
    """An accreditation ends soon (announced once, weeks ahead): resubmit the course in time."""

    course_id: uuid.UUID
    title: str
    valid_until: date = Field(description="Last day attendance of the course earns accredited points.")
    days_left: int = Field(description="Days from the announcement until `valid_until`.")


class _WebhookMessage(BaseModel):
    timestamp: datetime = Field(description="When the register made the message.")
    sandbox: bool = Field(description="Made by a sandbox key's call: nothing real happened.")
    test: bool = Field(description='Sent with "send test event": sample data, ids of nothing.')


class AttendanceRecordedWebhook(_WebhookMessage):
    type: Literal["attendance.recorded"]
    data: AttendanceRecordedData


class AttendanceDisputedWebhook(_WebhookMessage):
    type: Literal["attendance.disputed"]
    data: AttendanceDisputedData


class DisputeResolvedWebhook(_WebhookMessage):
    type: Literal["attendance.dispute_resolved"]
    data: DisputeResolvedData


class CourseDecidedWebhook(_WebhookMessage):
    type: Literal["course.decided"]
    data: CourseDecidedData


class AccreditationExpiringWebhook(_WebhookMessage):
    type: Literal["accreditation.expiring"]
    data: AccreditationExpiringData


WebhookPayload = Annotated[
    AttendanceRecordedWebhook
    | AttendanceDisputedWebhook
    | DisputeResolvedWebhook
    | CourseDecidedWebhook
    | AccreditationExpiringWebhook,
    Field(discriminator="type"),
]
MESSAGE_MODELS: dict[str, type[_WebhookMessage]] = {
    "attendance.recorded": AttendanceRecordedWebhook,
    "attendance.disputed": AttendanceDisputedWebhook,
    "attendance.dispute_resolved": DisputeResolvedWebhook,
    "course.decided": CourseDecidedWebhook,
    "accreditation.expiring": AccreditationExpiringWebhook,
}

# --- Managing endpoints ----------------------------------------------------------------------------------------


class WebhookEndpointIn(BaseModel):
    """An endpoint to register: https (no private or loopback address), and the events it receives."""

    url: str = Field(description="https://…; a private, loopback or local address is refused (422).")
    events: list[WebhookEvent] = Field(min_length=1)
    description: str = ""
    sandbox: bool = Field(
        default=False,
        description="Receive only sandbox keys' events and test events (always true when a sandbox key registers).",
    )


class WebhookEndpointOut(BaseModel):
    endpoint_id: uuid.UUID
    url: str
    description: str
    events: list[str]
    sandbox: bool
    enabled: bool
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    consecutive_failures: int = Field(description="Failed attempts since the last success.")
    created_at: datetime
    secret_rotated_at: datetime | None = None

    @classmethod
    def of(cls, endpoint: contracts.WebhookEndpointDetails) -> WebhookEndpointOut:
        return cls(**endpoint.model_dump(exclude={"provider_id"}))


class WebhookEndpointListOut(BaseModel):
    endpoints: list[WebhookEndpointOut]


class WebhookSecretOut(BaseModel):
    """The endpoint and its signing secret (`whsec_…`): shown this once. Verify each message's `webhook-signature`
    with it (any Standard Webhooks library does)."""

    endpoint: WebhookEndpointOut
    secret: str


class WebhookDeliveryOut(BaseModel):
    """One message to the endpoint: `pending` (being retried), `delivered` (a 2xx answer) or `failed` (given up)."""

    delivery_id: uuid.UUID
    message_id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    event_type: str
    test: bool
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    last_response_status: int | None = None
    last_error: str | None = None
    payload: WebhookPayload

    @classmethod
    def of(cls, delivery: contracts.WebhookDeliveryDetails) -> WebhookDeliveryOut:
        return cls.model_validate(delivery.model_dump(exclude={"endpoint_id"}))


class WebhookDeliveryLogOut(BaseModel):
    endpoint: WebhookEndpointOut
    deliveries: list[WebhookDeliveryOut]


class WebhookTestIn(BaseModel):
    event_type: WebhookEvent
