"""What every page of the provider portal (/aanbieder) shares: the provider the signed-in account acts for,
the portal's frame and navigation, and reading a course or edition form."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from litestar import Request, Response
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template

from gateway.i18n import Translator
from gateway.service_layer.context import Gateway
from gateway.web.dates import parse_day
from gateway.web.forms import FormErrors, parse_hours
from gateway.web.rendering import page
from gateway.web.web_session import SignedInPages, current_account
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

PORTAL: Final = "/aanbieder"
PROVIDER_NAVIGATION: Final = (
    ("prov.nav.overview", PORTAL),
    ("prov.nav.new_course", f"{PORTAL}/opleidingen/nieuw"),
    ("prov.nav.disputes", f"{PORTAL}/betwistingen"),
    ("prov.nav.api_keys", f"{PORTAL}/api-sleutels"),
    ("int.nav.webhooks", f"{PORTAL}/webhooks"),
    ("int.nav.guide", "/aanbieders/koppelen"),
)
# The edition page's query naming a post whose result it shows (and that the same form was sent again).
POSTED_QUERY: Final = "doorgegeven"
REPLAYED_QUERY: Final = "nogmaals"
MAX_UPLOAD_BYTES: Final = 4 * 1024 * 1024
# The course form's fields → the service's problem codes that concern them.
COURSE_FIELDS: Final = {
    "title_required": "title",
    "title_too_long": "title",
    "description_required": "description",
    "description_too_long": "description",
    "invalid_study_load_hours": "study_load_hours",
    "invalid_trainers": "trainers",
    "target_group_too_long": "target_group",
    "programme_too_long": "programme",
    "invalid_edition_dates": "start_date",
    "location_too_long": "location",
    "too_many_editions": "start_date",
}
EDITION_FIELDS: Final = {
    "invalid_edition_dates": "start_date",
    "location_too_long": "location",
    "too_many_editions": "start_date",
}


class NotAProvider(PermissionDeniedException):
    """The signed-in account acts for no training provider."""


def actor_of(request: Request[Any, Any, Any]) -> str:
    """How the service records who acted: the account's id."""
    return f"account:{current_account(request).account_id}"


def uuid_or_none(text: str | None) -> uuid.UUID | None:
    """A UUID from a form or query value; None when absent or not one."""
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def lines(text: str) -> list[str]:
    """One name per line (trainers), blanks left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]


async def find_provider(request: Request[Any, Any, Any], gateway: Gateway) -> contracts.ProviderDetails:
    """The provider the signed-in account acts for; NotAProvider (403) when there is none."""
    account = current_account(request)
    try:
        reply = await ask(gateway.caller, contracts.FindProviderForAccount(account_id=str(account.account_id)))
    except RpcError as exc:
        if exc.code == "no_provider_for_account":
            raise NotAProvider(detail="This account does not act for a training provider.") from exc
        raise
    return reply


PUBLIC_BASE_URL_STATE: Final = "lklr_public_base_url"


def public_base_url(request: Request[Any, Any, Any]) -> str:
    """The register's public address (set by the accreditation routes), else the request's own."""
    configured = str(request.app.state.get(PUBLIC_BASE_URL_STATE) or "")
    return (configured or str(request.base_url)).rstrip("/")


def not_a_provider_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The "you act for no provider" page wherever a portal page finds no provider (installed in app.py)."""
    return page(request, "aanbieder/geen_aanbieder.html", status_code=403)


class PortalPages(SignedInPages):
    """The frame of the portal's page controllers."""

    path = PORTAL


def provider_page(
    request: Request[Any, Any, Any],
    template: str,
    provider: contracts.ProviderDetails,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    path = request.url.path
    navigation = [
        {"label": key, "href": href, "current": path == href or (href != PORTAL and path.startswith(href))}
        for key, href in PROVIDER_NAVIGATION
    ]
    return page(
        request, template, status_code=status_code, provider=provider, provider_navigation=navigation, **context
    )


async def provider_course(
    gateway: Gateway, provider: contracts.ProviderDetails, course_id: uuid.UUID
) -> contracts.CourseDetails:
    """One of the provider's own courses (the service refuses another provider's: 403)."""
    return await ask(gateway.caller, contracts.GetCourse(course_id=course_id, provider_id=provider.provider_id))


def edition_dates(t: Translator, values: Mapping[str, str], errors: FormErrors) -> tuple[date, date] | None:
    """The edition's first and last day (a one-day edition may leave the end empty), or errors for the fields."""
    start_text = values.get("start_date", "")
    start, end = parse_day(start_text), parse_day(values.get("end_date", "") or start_text)
    if start is None:
        errors["start_date"] = t("prov.edition.date_invalid")
    elif end is None:
        errors["end_date"] = t("prov.edition.date_invalid")
    elif end < start:
        errors["end_date"] = t("prov.edition.end_before_start")
    else:
        return start, end
    return None


def course_values(course: contracts.CourseDetails | None = None) -> dict[str, str]:
    """A course form's values: empty, or the course being revised."""
    if course is None:
        return {"category": "A1"}
    return {
        "title": course.title,
        "description": course.description,
        "category": course.category,
        "study_load_hours": f"{course.study_load_hours.normalize():f}",
        "trainers": "\n".join(course.trainers),
        "target_group": course.target_group,
        "programme": course.programme,
        "allows_partial_attendance": "1" if course.allows_partial_attendance else "",
    }


def check_course_form(t: Translator, values: dict[str, str], errors: FormErrors) -> Decimal | None:
    """The course form's checks before it is sent; the study load when it is a number."""
    if not values.get("title"):
        errors["title"] = t("prov.course.title_required")
    if not values.get("description"):
        errors["description"] = t("prov.course.description_required")
    if values.get("category") not in ("A1", "A2"):
        errors["category"] = t("prov.course.category_required")
    hours = parse_hours(values.get("study_load_hours", ""))
    if hours is None or hours <= 0:
        errors["study_load_hours"] = t("prov.course.hours_invalid")
        return None
    return hours
