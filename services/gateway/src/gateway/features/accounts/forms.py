"""The account pages' forms, as the framework decodes them (see `web.forms.PostedForm`)."""

from __future__ import annotations

from gateway.web.forms import PostedForm


class SignUpForm(PostedForm):
    initials: str = ""
    surname: str = ""
    email: str = ""
    password: str = ""
    password_repeat: str = ""


class TokenForm(PostedForm):
    """The confirmation of an address: the token from the mailed link."""

    token: str = ""


class EmailForm(PostedForm):
    """An address to send a mail to (a new confirmation link, a password reset link)."""

    email: str = ""


class LoginForm(PostedForm):
    email: str = ""
    password: str = ""
    totp_code: str = ""
    next: str = ""
    step: str = ""


class ResetPasswordForm(PostedForm):
    token: str = ""
    password: str = ""
    password_repeat: str = ""


class SecondFactorLinkForm(PostedForm):
    """The enrolment link's token and the account's password."""

    token: str = ""
    password: str = ""


class TotpEnrollmentForm(PostedForm):
    """A code from the new secret; the secret and its URI come back to show the step again."""

    enrollment_token: str = ""
    next: str = ""
    totp_code: str = ""
    secret: str = ""
    totp_uri: str = ""
