"""The forms of Mijn LKLR, as the framework decodes them (see `web.forms.PostedForm`)."""

from __future__ import annotations

from litestar.datastructures import UploadFile

from gateway.web.forms import AsSent, PostedForm


class PersonForm(PostedForm):
    """The person's work details on the overview."""

    employer_name: str = ""
    employer_kind: str = ""
    hours_per_week: str = ""


class MailLanguageForm(PostedForm):
    preferred_language: str = ""


class ApplicationForm(PostedForm):
    """An application for registration: the role, the work, and the declaration ticked."""

    role: str = ""
    employer_name: str = ""
    employer_kind: str = ""
    hours_per_week: str = ""
    declaration: str = ""


class ErasureForm(PostedForm):
    confirm: str = ""


class CredentialForm(PostedForm):
    """A register credential pasted (or read from a file by the page's script) to verify."""

    credential: str = ""


class ObjectionForm(PostedForm):
    """An objection: the decision objected to (`<kind>:<reference>`), the reasons as written, files with it."""

    decision: AsSent = ""
    reasons: AsSent = ""
    attachments: tuple[UploadFile, ...] = ()
