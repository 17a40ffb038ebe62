"""Contracts owned by the registry service: people, registrations, cycles and decisions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from lklr_shared.contracts.base import Message, MessageKind

Role = Literal["leerplichtambtenaar", "rmc_medewerker"]
EmployerKind = Literal["municipality", "region", "rbl"]


class _RegistryEvent(Message):
    owner: ClassVar[str] = "registry"
    kind: ClassVar[MessageKind] = "event"


class RegistrationGranted(_RegistryEvent):
    """The office approved an application: the person is registered from `registered_since`."""

    wire_name: ClassVar[str] = "registry.RegistrationGranted"

    person_id: uuid.UUID
    registration_number: str
    initials: str
    surname: str
    roles: list[Role]
    employer_id: str
    registered_since: date


class RegistrationStatusChanged(_RegistryEvent):
    """A registration moved from one status to another (kept as history by every reader)."""

    wire_name: ClassVar[str] = "registry.RegistrationStatusChanged"

    person_id: uuid.UUID
    registration_number: str
    old_status: str
    new_status: str
    effective_on: date
    reason: str = ""


class CycleOpened(_RegistryEvent):
    """A registration cycle started; activities completed from `starts_on` to `ends_on` count in it."""

    wire_name: ClassVar[str] = "registry.CycleOpened"

    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    sequence: int
    starts_on: date
    ends_on: date
    scheme_version: str


class ReregistrationRequested(_RegistryEvent):
    """A professional applied for re-registration for a cycle."""

    wire_name: ClassVar[str] = "registry.ReregistrationRequested"

    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    requested_on: date


class ReregistrationDecided(_RegistryEvent):
    """The outcome of a re-registration: granted (next cycle follows) or not granted."""

    wire_name: ClassVar[str] = "registry.ReregistrationDecided"

    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    granted: bool
    decided_on: date
    reason: str = ""


class PersonUpdated(_RegistryEvent):
    """A person's register-relevant data changed (name, roles, employer, hours)."""

    wire_name: ClassVar[str] = "registry.PersonUpdated"

    person_id: uuid.UUID
    initials: str
    surname: str
    roles: list[Role]
    employer_id: str
    employer_name: str
    employer_kind: EmployerKind
    hours_per_week: float


class GetStatistics(Message):
    """Query: the public statistics of the register."""

    wire_name: ClassVar[str] = "registry.GetStatistics"
    kind: ClassVar[MessageKind] = "query"
    owner: ClassVar[str] = "registry"


class Statistics(Message):
    """Reply to GetStatistics."""

    wire_name: ClassVar[str] = "registry.Statistics"
    kind: ClassVar[MessageKind] = "reply"
    owner: ClassVar[str] = "registry"

    registered: int
    working_total: int | None
    percentage: float | None
    per_role: dict[str, int] = {}


class GrantDemoRegistration(Message):
    """Command (demo and tests only): register a person directly, skipping the application flow."""

    wire_name: ClassVar[str] = "registry.GrantDemoRegistration"
    kind: ClassVar[MessageKind] = "command"
    owner: ClassVar[str] = "registry"

    initials: str
    surname: str
    roles: list[Role]
    employer_id: str
    registered_since: date


class RegistrationReceipt(Message):
    """Reply to GrantDemoRegistration."""

    wire_name: ClassVar[str] = "registry.RegistrationReceipt"
    kind: ClassVar[MessageKind] = "reply"
    owner: ClassVar[str] = "registry"

    person_id: uuid.UUID
    registration_number: str
