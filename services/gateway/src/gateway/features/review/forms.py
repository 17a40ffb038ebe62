"""The reviewers' forms, as the framework decodes them (see `web.forms.PostedForm`)."""

from __future__ import annotations

from gateway.web.forms import PostedForm


class JudgementForm(PostedForm):
    """A reviewer's verdict on one activity, with a reason."""

    verdict: str = ""
    reason: str = ""
