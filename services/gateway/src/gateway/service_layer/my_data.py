"""The "download all my data" document: what the registry, the portfolio (activities of every cycle), accreditation
(providers' attendance records, teaching claims) and the audit (dossiers, judgements, answers) hold about the person.

Each service exports what it holds about the person; the gateway only gathers. The document says what it
includes and what it does not, so a partial answer (a service that did not answer in time) is never mistaken for a
complete one.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Final

from gateway.caller import ServiceCaller
from gateway.i18n import Translator
from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Request as ContractRequest
from lklr_shared.contracts.envelope import utcnow
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

log = logging.getLogger(__name__)

FORMAT: Final = "lklr.my-data/1"
# Said in the document itself, in both languages of the site.
NOT_INCLUDED: Final = [
    {
        "what": "evidence_files",
        "nl": "De bewijsstukken zelf (bestanden); hun gegevens staan bij de activiteiten. Download ze in het portfolio.",
        "en": "The evidence files themselves; their details are listed with the activities. Download them in the portfolio.",
    },
    {
        "what": "reviewer_identities",
        "nl": "Wie uw dossier beoordeelde: de oordelen staan erin, de namen van de beoordelaars niet.",
        "en": "Who reviewed your dossier: the judgements are included, the reviewers' names are not.",
    },
]
# How the document names the sections of accreditation and the audit when they are missing (Dutch, English).
_SECTION_NAMES: Final = {
    "accreditation": (
        "Registraties van aanbieders en onderwijsclaims",
        "Providers' attendance records and teaching claims",
    ),
    "audit": ("Herregistratiedossiers en de beoordeling ervan", "Re-registration dossiers and their review"),
}


async def _portfolio_cycles(
    caller: ServiceCaller, person_id: uuid.UUID, origin: str, language: portfolio_contracts.Language
) -> list[dict[str, Any]]:
    actor = portfolio_contracts.Actor(person_id=person_id, role="professional", origin=origin)
    first = await ask(
        caller, portfolio_contracts.GetPortfolio(person_id=person_id, actor=actor, language=language, include_svg=False)
    )
    portfolios = [first]
    shown = first.cycle.cycle_id if first.cycle is not None else None
    for cycle in first.cycles:
        if cycle.cycle_id == shown:
            continue
        portfolios.append(
            await ask(
                caller,
                portfolio_contracts.GetPortfolio(
                    person_id=person_id, actor=actor, cycle_id=cycle.cycle_id, language=language, include_svg=False
                ),
            )
        )
    return [
        portfolio.model_dump(mode="json", exclude={"progress_svg", "timeline_svg"}, exclude_none=False)
        for portfolio in portfolios
    ]


def _missing(what: str, nl: str, en: str) -> dict[str, str]:
    return {"what": what, "nl": nl, "en": en}


async def _portfolio_section(
    caller: ServiceCaller, person_id: uuid.UUID, origin: str, language: portfolio_contracts.Language
) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    """The portfolio's part (every cycle), or None and a note for `not_included` when it did not answer."""
    try:
        return {"cycles": await _portfolio_cycles(caller, person_id, origin, language)}, None
    except RpcError as exc:
        log.warning("my-data export without the portfolio: %s (%s)", exc.message, exc.code)
        return None, _missing(
            "portfolio",
            f"Het portfolio kon nu niet worden opgehaald ({exc.code}). Probeer het later opnieuw.",
            f"The portfolio could not be fetched just now ({exc.code}). Please try again later.",
        )


async def _section(
    caller: ServiceCaller, request: ContractRequest[Any]
) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    """One service's export of the person, or None and a note for `not_included` when it did not answer."""
    service = type(request).service()
    try:
        reply = await ask(caller, request)
    except RpcError as exc:
        log.warning("my-data export without %s: %s (%s)", service, exc.message, exc.code)
        nl_name, en_name = _SECTION_NAMES[service]
        return None, _missing(
            service,
            f"{nl_name}: konden nu niet worden opgehaald ({exc.code}). Probeer het later opnieuw.",
            f"{en_name}: could not be fetched just now ({exc.code}). Please try again later.",
        )
    section: dict[str, Any] = reply.model_dump(mode="json")
    return section, None


async def export_my_data(
    caller: ServiceCaller, account_id: uuid.UUID, *, origin: str, language: portfolio_contracts.Language = "nl"
) -> dict[str, Any]:
    """Everything the registry, the portfolio, accreditation and the audit hold about the account's person, as one
    JSON document."""
    registry_export = await ask(caller, registry_contracts.ExportMyData(actor_account_id=account_id))
    sections: dict[str, dict[str, Any] | None] = {"portfolio": None, "accreditation": None, "audit": None}
    missing: list[dict[str, str]] = []
    if registry_export.registration is None:
        missing.append(
            _missing(
                "portfolio",
                "Geen portfolio: u bent (nog) niet geregistreerd.",
                "No portfolio: you are not registered (yet).",
            )
        )
    else:
        person_id = registry_export.registration.person_id
        # The services answer independently: asked at once, put in the document in a fixed order.
        answers = await asyncio.gather(
            _portfolio_section(caller, person_id, origin, language),
            _section(caller, accreditation_contracts.ExportPersonData(person_id=person_id)),
            _section(caller, audit_contracts.ExportPersonData(person_id=person_id)),
        )
        for name, (section, note) in zip(sections, answers, strict=True):
            sections[name] = section
            if note is not None:
                missing.append(note)
    return {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "included": ["registry", *(name for name, section in sections.items() if section is not None)],
        # The latest service first, as each missing part was put in front of the fixed notes.
        "not_included": [*reversed(missing), *NOT_INCLUDED],
        "kept": _kept(registry_export.retention, language),
        "registry": registry_export.model_dump(mode="json"),
        **sections,
    }


def _kept(entries: list[registry_contracts.RetentionEntry], language: str) -> list[dict[str, Any]]:
    """What the register keeps of the person and until when, in the page's language (the same words as on
    Mijn LKLR); ``kept_until`` is None while the period has not started."""
    t = Translator(language)
    kept = []
    for entry in entries:
        days = entry.period_days
        amount = (
            t.plural("retention.years", days // 365) if days and days % 365 == 0 else t.plural("retention.days", days)
        )
        period_key = "retention.period.account" if entry.data_kind == "account" else "retention.period.after_end"
        kept.append(
            {
                "data": t(f"retention.kind.{entry.data_kind}"),
                "kind": entry.data_kind,
                "period": t(period_key, period=amount),
                "kept_until": entry.kept_until.isoformat() if entry.kept_until else None,
                "why": t(f"retention.ground.{entry.legal_ground}"),
            }
        )
    return kept
