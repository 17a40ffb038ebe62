"""The administrator's forms, as the framework decodes them (see `web.forms.PostedForm`)."""

from __future__ import annotations

from gateway.web.forms import PostedForm


class RolesForm(PostedForm):
    """An account's staff roles (a checkbox each), and the address the page was found by."""

    email: str = ""
    roles: tuple[str, ...] = ()
