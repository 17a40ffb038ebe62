"""The provider portal's forms, as the framework decodes them (see `web.forms.PostedForm`)."""

from __future__ import annotations

from litestar.datastructures import UploadFile

from gateway.web.confirmation import ConfirmableForm
from gateway.web.forms import AsSent, PostedForm


class EditionForm(PostedForm):
    """An edition's days and place (a one-day edition may leave the end empty)."""

    start_date: str = ""
    end_date: str = ""
    location: str = ""


class CourseForm(EditionForm):
    """A course submitted (with a first edition when its dates are filled in) or revised (with a note)."""

    title: str = ""
    description: str = ""
    category: str = ""
    study_load_hours: str = ""
    trainers: str = ""
    target_group: str = ""
    programme: str = ""
    allows_partial_attendance: str = ""
    note: str = ""


class ObjectionForm(PostedForm):
    """An objection to the committee's decision on a course."""

    reason: str = ""


class ApiKeyForm(PostedForm):
    label: str = ""
    sandbox: str = ""


class RevokeKeyForm(ConfirmableForm):
    """Revoking an API key: nothing but the confirmation."""


class VoidAttendanceForm(ConfirmableForm):
    reason: str = ""


class WebhookForm(PostedForm):
    """A webhook endpoint registered: its address, the event types it wants (checkboxes), and whether it is the
    sandbox's."""

    url: str = ""
    description: str = ""
    events: tuple[str, ...] = ()
    sandbox: AsSent = ""


class WebhookStatusForm(PostedForm):
    enabled: AsSent = ""


class WebhookTestForm(PostedForm):
    """A test message of one event type, or (`alle`) of every type."""

    alle: AsSent = ""
    event_type: AsSent = ""


class AttendanceForm(PostedForm):
    """An attendance post: a CSV file and/or registration numbers pasted, under the form's idempotency key."""

    idempotency_key: str = ""
    numbers: AsSent = ""
    file: UploadFile | None = None
