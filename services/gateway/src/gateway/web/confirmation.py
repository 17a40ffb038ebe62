"""Asking before an irreversible step (revoking an API key, deciding an application, voiding an attendance record,
withdrawing an accreditation): the form posts as usual, and without the confirmation field the answer is a page
that names what will happen and repeats the form with that field (hidden) and a plain "Annuleren" link back.

A page, not a script: it works without JavaScript, the keyboard and a screen reader meet an ordinary heading,
text and two choices, and nothing is done on the first post. Reloading the question asks it again, harmlessly.
Everything the first form carried (its request id included) travels on, so the confirmed post is the same post.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from litestar import Request
from litestar.response import Template

from gateway.web.forms import PostedForm
from gateway.web.rendering import page
from gateway.web.web_session import CSRF_FIELD

CONFIRM_FIELD: Final = "bevestigd"
CONFIRM_VALUE: Final = "ja"


class ConfirmableForm(PostedForm):
    """A form asked again on the confirmation page before it acts: its confirmation field (`CONFIRM_FIELD`)."""

    bevestigd: str = ""


def is_confirmed(values: Mapping[str, str]) -> bool:
    """Whether the post comes from the confirmation page (or says it is confirmed, as a script may)."""
    return values.get(CONFIRM_FIELD) == CONFIRM_VALUE


def confirmation_page(
    request: Request[Any, Any, Any],
    *,
    action: str,
    values: Mapping[str, str],
    title: str,
    consequence: str,
    confirm_label: str,
    cancel_href: str,
    facts: list[tuple[str, str]] | None = None,
) -> Template:
    """The question before ``action`` is carried out: ``title`` as heading, ``consequence`` (what cannot be undone),
    optional ``facts`` (label, value) of what is decided, and the form again with ``values`` and the confirmation."""
    carried = [(name, value) for name, value in values.items() if name not in (CSRF_FIELD, CONFIRM_FIELD)]
    return page(
        request,
        "bevestigen.html",
        action=action,
        carried=carried,
        confirm_field=CONFIRM_FIELD,
        confirm_value=CONFIRM_VALUE,
        question=title,
        consequence=consequence,
        confirm_label=confirm_label,
        cancel_href=cancel_href,
        facts=facts or [],
    )
