"""The accreditation committee's forms and the professional's teaching claim, as the framework decodes them (see
`web.forms.PostedForm`)."""

from __future__ import annotations

from gateway.web.confirmation import ConfirmableForm
from gateway.web.forms import PostedForm


class CourseDecisionForm(ConfirmableForm):
    """A decision on a course: each decision reads its own fields (approve: points and dates; withdraw: the day;
    a withdrawal is asked again on the confirmation page)."""

    decision: str = ""
    reason: str = ""
    points: str = ""
    points_deviation_reason: str = ""
    valid_from: str = ""
    valid_until: str = ""
    withdrawn_on: str = ""


class ClaimDecisionForm(PostedForm):
    decision: str = ""
    reason: str = ""


class TeachingClaimForm(PostedForm):
    hours: str = ""
    given_on: str = ""
    description: str = ""
    course_title: str = ""
