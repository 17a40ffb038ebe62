"""The re-registration page's forms, as the framework decodes them (see `web.forms.PostedForm`)."""

from __future__ import annotations

from litestar.datastructures import UploadFile

from gateway.web.forms import PostedForm


class AnswerForm(PostedForm):
    """An answer to a reviewer's question: text, a file, or both."""

    answer: str = ""
    evidence: UploadFile | None = None
