"""The provider portal's forms, as the framework decodes them (see `web.forms.PostedForm`)."""

from __future__ import annotations

from gateway.web.confirmation import ConfirmableForm
from gateway.web.forms import PostedForm


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
