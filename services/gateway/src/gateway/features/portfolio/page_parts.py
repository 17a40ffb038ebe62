"""What the portfolio pages share: whose portfolio, the filters and labels of the overview, the A2 options and
the evidence list of a form."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from litestar import Controller, Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from gateway.features.portfolio.queries import get_portfolio
from gateway.i18n import CATALOGUE, Translator
from gateway.service_layer.context import Gateway, GatewayDep
from gateway.web.owners import PortfolioOwner, current_person
from gateway.web.rendering import request_language
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.scheme import A2ActivityType, SchemeVersion

log = logging.getLogger(__name__)

CATEGORIES: Final = ("A1", "A2")
SOURCES: Final = ("self_entered", "provider_placed", "teaching")
STATES: Final = ("placed", "confirmed", "disputed", "voided", "to_be_checked", "approved", "rejected")
FILTERS: Final = ("categorie", "herkomst", "status", "jaar")
FLASHES: Final = {
    "opgeslagen": "portfolio.flash.saved",
    "gewijzigd": "portfolio.flash.edited",
    "bevestigd": "portfolio.flash.confirmed",
    "betwist": "portfolio.flash.disputed",
}
# Refusals a person can act on: shown on the page they came from (with their status), not as an error page.
SHOWN_ON_PAGE: Final = (409, 413, 415, 422)


def page_language(request: Request[Any, Any, Any]) -> contracts.Language:
    """The page's language as the portfolio service takes it."""
    return "en" if request_language(request)[0] == "en" else "nl"


async def page_owner(request: Request[Any, Any, Any], gateway: GatewayDep) -> PortfolioOwner:
    """The `owner` dependency of the portfolio pages: the signed-in person's portfolio, changes recorded as from
    `web` (the 404 page for an account without a registration)."""
    owner = await current_person(request, gateway.caller, "web")
    if owner is None:
        raise NotFoundException("no registration, so no portfolio")
    return owner


OwnerDep: TypeAlias = NamedDependency[PortfolioOwner]


@dataclass(frozen=True)
class OwnEntry:
    """An entry of the signed-in person's portfolio as a page's path names it (`{activity_id}`); the portfolio
    service checks that it is theirs."""

    owner: PortfolioOwner
    activity_id: uuid.UUID


async def own_entry(owner: OwnerDep, activity_id: FromPath[uuid.UUID]) -> OwnEntry:
    """The `entry` dependency of the pages about one entry."""
    return OwnEntry(owner, activity_id)


EntryDep: TypeAlias = NamedDependency[OwnEntry]


class OwnerPages(Controller):
    """The frame of the portfolio's page controllers: HTML pages (kept out of the OpenAPI document) whose handlers
    may take the signed-in person as `owner: OwnerDep` (resolved only for a handler that takes it)."""

    include_in_schema = False
    dependencies = {"owner": Provide(page_owner), "entry": Provide(own_entry)}


async def find_activity(
    gateway: Gateway, owner: PortfolioOwner, activity_id: uuid.UUID, lang: contracts.Language
) -> tuple[contracts.PortfolioActivity, contracts.Portfolio]:
    """The activity as its cycle's portfolio lists it (the shown cycle first, then the others)."""
    portfolio = await get_portfolio(gateway.caller, owner, lang, svg=False)
    for activity in portfolio.activities:
        if activity.activity_id == activity_id:
            return activity, portfolio
    shown = portfolio.cycle.cycle_id if portfolio.cycle else None
    for cycle in portfolio.cycles:
        if cycle.cycle_id == shown:
            continue
        other = await get_portfolio(gateway.caller, owner, lang, cycle.cycle_id, svg=False)
        for activity in other.activities:
            if activity.activity_id == activity_id:
                return activity, other
    raise NotFoundException("no such activity in your portfolio")


def uuid_or_none(text: str | None) -> uuid.UUID | None:
    """A UUID from a query parameter; None when absent or not one."""
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def filter_activities(
    activities: list[contracts.PortfolioActivity], filters: Mapping[str, str]
) -> list[contracts.PortfolioActivity]:
    shown = activities
    if filters.get("categorie") in CATEGORIES:
        shown = [a for a in shown if a.category == filters["categorie"]]
    if filters.get("herkomst") in SOURCES:
        shown = [a for a in shown if a.source == filters["herkomst"]]
    if filters.get("status") in STATES:
        shown = [a for a in shown if a.state == filters["status"]]
    year = filters.get("jaar", "")
    if year.isdigit():
        shown = [a for a in shown if a.completion_date.year == int(year)]
    return shown


def scheme_for(gateway: Gateway, portfolio: contracts.Portfolio | None) -> SchemeVersion:
    if portfolio is not None and portfolio.cycle is not None:
        try:
            return gateway.scheme.get(portfolio.cycle.scheme_version)
        except KeyError:
            pass
    return gateway.scheme.version_in_force(gateway.today())


def type_label(scheme: SchemeVersion, lang: str) -> dict[str, str]:
    """Activity type key → its label in the page language."""
    labels = {a2.key: a2.label_en if lang == "en" else a2.label_nl for a2 in scheme.a2_types}
    labels["course"] = CATALOGUE[lang]["portfolio.type.course"]
    labels["accredited_course"] = CATALOGUE[lang]["portfolio.type.accredited_course"]
    return labels


def a2_options(scheme: SchemeVersion, t: Translator) -> list[dict[str, Any]]:
    """The scheme's A2 activity types as the form's options, in the page's language."""

    def option(a2: A2ActivityType) -> dict[str, Any]:
        label = a2.label_en if t.lang == "en" else a2.label_nl
        return {
            "key": a2.key,
            "text": t(
                "portfolio.form.a2_type_option", label=label, points=t.number(a2.points), unit=t(f"unit.{a2.unit}")
            ),
            "min_hours": a2.min_hours_per_unit,
        }

    # Giving a training earns accredited points through the committee's interim approval, not by entering it.
    return [option(a2) for a2 in scheme.a2_types if not a2.accredited_after_approval]


def kept_values(values: list[str]) -> list[dict[str, str]]:
    """Evidence already stored, carried in the form as `id|filename` (the service checks each id is yours)."""
    kept = []
    for value in values:
        evidence_id, _, filename = value.partition("|")
        if uuid_or_none(evidence_id) is not None:
            kept.append({"id": evidence_id, "filename": filename})
    return kept


def evidence_item(evidence: contracts.EvidenceFile) -> dict[str, str]:
    """An evidence file as the form lists it."""
    return {"id": str(evidence.evidence_id), "filename": evidence.filename}
