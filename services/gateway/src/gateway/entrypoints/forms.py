"""Helpers for the HTML forms: reading posted fields, and turning a service's rule breaks into field messages.

The registry reports every broken rule at once as ``<code>: <English text>; <code>: <text>``. Pages show them
next to the field they concern, in the page's language (`problem.<code>` in the catalogue), and fall back to
the registry's own text for a code the catalogue does not know yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from litestar import Request

from gateway.entrypoints.rendering import request_language
from gateway.entrypoints.web_session import CSRF_FIELD
from gateway.i18n import CATALOGUE, Translator
from lklr_shared.contracts.registry import retry_after_seconds

GENERAL: Final = "_"  # the key of a message that belongs to no single field

FormErrors = dict[str, str]


def translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(request_language(request)[0])


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The posted fields, first value each, surrounding whitespace removed (the CSRF token left out)."""
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if key == CSRF_FIELD or key in fields or not isinstance(value, str):
            continue
        fields[key] = value.strip()
    return fields


async def form_list(request: Request[Any, Any, Any], name: str) -> list[str]:
    """Every value posted under `name` (checkbox groups)."""
    form = await request.form()
    return [value for value in form.getall(name, []) if isinstance(value, str)]


def parse_problems(message: str) -> list[tuple[str, str]]:
    """``code: text; code: text`` → [(code, text), ...]; a message without codes is one general problem."""
    problems = []
    for part in message.split("; "):
        code, separator, text = part.partition(": ")
        if separator and code and " " not in code:
            problems.append((code.strip(), text.strip()))
        elif part.strip():
            problems.append((GENERAL, part.strip()))
    return problems


def problem_messages(t: Translator, message: str, fields: Mapping[str, str], **values: object) -> FormErrors:
    """Field → message for a registry rule-break message. `fields` maps problem codes to form fields."""
    errors: FormErrors = {}
    for code, text in parse_problems(message):
        field = fields.get(code, GENERAL)
        key = f"problem.{code}"
        known = key in CATALOGUE[t.lang] or key in CATALOGUE["nl"]
        shown = t(key, **values) if known else text
        errors[field] = f"{errors[field]} {shown}" if field in errors else shown
    return errors


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


def wait_seconds(message: str, default: int = 60) -> int:
    """The retry-after of a 429 message, at least one second."""
    return max(1, retry_after_seconds(message) or default)
