"""Helpers for the HTML forms: reading posted fields, and turning a service's refusal into field messages.

A refusal (`RpcError`) lists every broken rule at once as problems, each with a code and an English text. Pages
show them next to the field they concern, in the page's language (`problem.<code>` in the catalogue), and fall back
to the service's own text for a code the catalogue does not know yet. Nothing here parses message text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from litestar import Request

from gateway.i18n import CATALOGUE, Translator
from gateway.web.rendering import request_language
from gateway.web.request_ids import REQUEST_ID_FIELD
from gateway.web.web_session import CSRF_FIELD
from lklr_shared.errors import RpcError

GENERAL: Final = "_"  # the key of a message that belongs to no single field

FormErrors = dict[str, str]


@dataclass(frozen=True)
class FormAgain:
    """A form shown again after its post was refused: the message per field, the values as posted, the status."""

    errors: FormErrors
    values: dict[str, str]
    status_code: int = 422


def translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(request_language(request)[0])


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The posted fields, first value each, surrounding whitespace removed (the CSRF token and the request id
    left out: `request_ids.posted_request_id` reads the latter)."""
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if key in (CSRF_FIELD, REQUEST_ID_FIELD) or key in fields or not isinstance(value, str):
            continue
        fields[key] = value.strip()
    return fields


async def form_list(request: Request[Any, Any, Any], name: str) -> list[str]:
    """Every value posted under `name` (checkbox groups)."""
    form = await request.form()
    return [value for value in form.getall(name, []) if isinstance(value, str)]


def problem_messages(
    t: Translator,
    refusal: RpcError,
    fields: Mapping[str, str] | None = None,
    *,
    texts: str = "problem",
    fallback: str | None = None,
    **values: object,
) -> FormErrors:
    """Field → message for a service's refusal: the one mapping from refusals to forms.

    `fields` maps problem codes to form fields (others go above the form). Each problem is shown in the page's
    language as `<texts>.<code>` when the catalogue has it, else as the `fallback` text with the service's text as
    `detail`, else as the service's own text. A refusal without a problem list is one problem under its own code.
    """
    problems = [(problem.code, problem.message) for problem in refusal.problems] or [(refusal.code, refusal.message)]
    errors: FormErrors = {}
    for code, text in problems:
        field = (fields or {}).get(code, GENERAL)
        key = f"{texts}.{code}"
        if key in CATALOGUE[t.lang] or key in CATALOGUE["nl"]:
            shown = t(key, detail=text, **values)
        else:
            shown = t(fallback, detail=text) if fallback else text
        errors[field] = f"{errors[field]} {shown}" if field in errors else shown
    return errors


def shown_on_form(refusal: RpcError, *, auth_too: bool = False) -> bool:
    """Whether a service's refusal belongs on the form that caused it (a 4xx), or goes on to the error handlers.

    A 401 or 403 goes on (to sign in, or to the 403 page) unless `auth_too` (a page whose service says 403 for a
    step its owner may not take now); a 5xx always goes on.
    """
    return 400 <= refusal.status < 500 and (auth_too or refusal.status not in {401, 403})


def problem_message(t: Translator, refusal: RpcError, *, texts: str = "problem", fallback: str | None = None) -> str:
    """A refusal as one message (for a notice above a form), by the same rules as `problem_messages`."""
    return " ".join(problem_messages(t, refusal, {}, texts=texts, fallback=fallback).values())


def parse_hours(text: str) -> Decimal | None:
    """Hours per week as typed: `24`, `24,5` or `24.5`; None when it is not a number."""
    cleaned = text.replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        hours = Decimal(cleaned)
    except InvalidOperation:
        return None
    return hours if hours.is_finite() else None


def wait_seconds(refusal: RpcError, default: int = 60) -> int:
    """How long a refusal (429) says to wait, at least one second."""
    return max(1, refusal.retry_after or default)
