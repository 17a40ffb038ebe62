"""Contracts owned by the accreditation service: courses, attendance and teaching claims."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from lklr_shared.contracts.base import Message, MessageKind


class _AccreditationEvent(Message):
    owner: ClassVar[str] = "accreditation"
    kind: ClassVar[MessageKind] = "event"


class CourseAccredited(_AccreditationEvent):
    """The committee approved a course: it enters the catalogue and earns accredited points."""

    wire_name: ClassVar[str] = "accreditation.CourseAccredited"

    course_id: uuid.UUID
    provider_id: uuid.UUID
    title: str
    category: Literal["A1", "A2"]
    study_load_hours: Decimal
    points: Decimal
    valid_from: date
    valid_until: date


class AccreditationWithdrawn(_AccreditationEvent):
    """An accreditation was withdrawn; points earned before `withdrawn_on` stay."""

    wire_name: ClassVar[str] = "accreditation.AccreditationWithdrawn"

    course_id: uuid.UUID
    withdrawn_on: date
    reason: str


class AttendanceRow(Message):
    """One recorded attendance inside a batch (a nested value, not a message of its own)."""

    attendance_id: uuid.UUID
    registration_number: str
    person_id: uuid.UUID
    hours: Decimal
    points: Decimal


class AttendanceRecorded(_AccreditationEvent):
    """A batch of attendance rows recorded for one course edition (one message per batch, not per row)."""

    wire_name: ClassVar[str] = "accreditation.AttendanceRecorded"

    batch_id: uuid.UUID
    provider_id: uuid.UUID
    provider_name: str
    course_id: uuid.UUID
    course_title: str
    edition_id: uuid.UUID
    category: Literal["A1", "A2"]
    completion_date: date
    rows: list[AttendanceRow]


class AttendanceVoided(_AccreditationEvent):
    """A provider voided one of its own attendance posts, with a reason."""

    wire_name: ClassVar[str] = "accreditation.AttendanceVoided"

    attendance_id: uuid.UUID
    provider_id: uuid.UUID
    person_id: uuid.UUID
    reason: str
    voided_at: datetime


class TeachingApproved(_AccreditationEvent):
    """The committee approved a professional's claim of having given a training: accredited A2 points."""

    wire_name: ClassVar[str] = "accreditation.TeachingApproved"

    claim_id: uuid.UUID
    person_id: uuid.UUID
    hours: Decimal
    points: Decimal
    completion_date: date
    description: str
