"""Reading a portfolio activity from form fields (pages and API; its form streams its files, see
`web.uploads.receive_form`), which field a refusal concerns, and the pages' plain forms as the framework decodes
them (see `web.forms.PostedForm`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from gateway.web.dates import parse_date
from gateway.web.forms import PostedForm, parse_hours
from gateway.web.uploads import EVIDENCE_FIELD
from lklr_shared.contracts import portfolio as contracts


def parse_decimal(text: str) -> Decimal | None:
    """`4`, `4,5` or `4.5`; None when empty. Raises ValueError when it is not a finite number above zero."""
    if not text.replace(" ", ""):
        return None
    value = parse_hours(text)
    if value is None or value <= 0:
        raise ValueError(text)
    return value


FIELD_OF_CODE: Final = {
    "completion_in_future": "completion_date",
    "study_load_hours_required": "study_load_hours",
    "a2_type_required": "a2_type",
    "unknown_a2_type": "a2_type",
    "quantity_required": "quantity",
    "quantity_not_whole": "quantity",
    "condition_not_met": "hours_per_unit",
    "fields_not_for_a1": "category",
    "fields_not_for_a2": "category",
    "evidence_too_large": EVIDENCE_FIELD,
    "storage_quota_exceeded": EVIDENCE_FIELD,
    "unsupported_evidence_type": EVIDENCE_FIELD,
    "empty_evidence": EVIDENCE_FIELD,
    "too_many_files": EVIDENCE_FIELD,
    "reason_required": "reason",
}
"""Which form field a refusal of the portfolio service concerns (else it is shown above the form)."""


def activity_input(fields: dict[str, str]) -> tuple[contracts.ActivityInput | None, dict[str, str]]:
    """An ActivityInput from form fields, or the problem codes per field (`code` values, not texts).

    Only the fields of the chosen category are passed on, so a form that shows both sets of fields (without
    script) does not send A2 fields with an A1 course.
    """
    problems: dict[str, str] = {}
    category = fields.get("category", "")
    if category not in ("A1", "A2"):
        problems["category"] = "category_required"
    title = fields.get("title", "")
    if not title:
        problems["title"] = "title_required"
    elif len(title) > 200:
        title = title[:200]
    completion: date | None = None
    try:
        completion = parse_date(fields.get("completion_date", ""))
    except ValueError:
        problems["completion_date"] = "date_invalid"
    else:
        if completion is None:
            problems["completion_date"] = "date_invalid"
    numbers: dict[str, Decimal | None] = {}
    wanted = ("study_load_hours",) if category == "A1" else ("quantity", "hours_per_unit")
    for name in wanted:
        try:
            numbers[name] = parse_decimal(fields.get(name, ""))
        except ValueError:
            problems[name] = "number_invalid"
    if problems or completion is None:
        return None, problems
    try:
        entry = contracts.ActivityInput(
            category=category,
            title=title,
            description=fields.get("description", "")[:4000],
            completion_date=completion,
            study_load_hours=numbers.get("study_load_hours"),
            a2_type=(fields.get("a2_type") or None) if category == "A2" else None,
            quantity=numbers.get("quantity"),
            hours_per_unit=numbers.get("hours_per_unit"),
        )
    except ValueError:
        return None, {"_": "number_invalid"}
    return entry, {}


class DisputeForm(PostedForm):
    """Why a provider-placed entry is wrong."""

    reason: str = ""
