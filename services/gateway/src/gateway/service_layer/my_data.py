"""The "download all my data" document: what the registry, the portfolio (activities of every cycle), accreditation
(providers' attendance records, teaching claims) and the audit (dossiers, judgements, answers) hold about the person.

Each service exports what it holds about the person; the gateway only gathers. The document says what it
includes and what it does not, so a partial answer (a service that did not answer in time) is never mistaken for a
complete one.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Final

from gateway.caller import ServiceCaller
from gateway.service_layer.queries import expect
from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as registry_contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import utcnow
from lklr_shared.kit.rpc import RpcError

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
    first = expect(
        await caller.call(
            "portfolio",
            portfolio_contracts.GetPortfolio(person_id=person_id, actor=actor, language=language, include_svg=False),
        ),
        portfolio_contracts.Portfolio,
        "portfolio",
    )
    portfolios = [first]
    shown = first.cycle.cycle_id if first.cycle is not None else None
    for cycle in first.cycles:
        if cycle.cycle_id == shown:
            continue
        portfolios.append(
            expect(
                await caller.call(
                    "portfolio",
                    portfolio_contracts.GetPortfolio(
                        person_id=person_id, actor=actor, cycle_id=cycle.cycle_id, language=language, include_svg=False
                    ),
                ),
                portfolio_contracts.Portfolio,
                "portfolio",
            )
        )
    return [
        portfolio.model_dump(mode="json", exclude={"progress_svg", "timeline_svg"}, exclude_none=False)
        for portfolio in portfolios
    ]


async def _section(
    caller: ServiceCaller,
    service: str,
    request: Message,
    reply_type: type[Message],
    included: list[str],
    not_included: list[dict[str, str]],
) -> dict[str, Any] | None:
    """One service's export of the person, or None with a note in `not_included` when it did not answer."""
    try:
        reply = expect(await caller.call(service, request), reply_type, service)
    except RpcError as exc:
        log.warning("my-data export without %s: %s (%s)", service, exc.message, exc.code)
        nl_name, en_name = _SECTION_NAMES[service]
        not_included.insert(
            0,
            {
                "what": service,
                "nl": f"{nl_name}: konden nu niet worden opgehaald ({exc.code}). Probeer het later opnieuw.",
                "en": f"{en_name}: could not be fetched just now ({exc.code}). Please try again later.",
            },
        )
        return None
    included.append(service)
    section: dict[str, Any] = reply.model_dump(mode="json")
    return section


async def export_my_data(
    caller: ServiceCaller, account_id: uuid.UUID, *, origin: str, language: portfolio_contracts.Language = "nl"
) -> dict[str, Any]:
    """Everything the registry, the portfolio, accreditation and the audit hold about the account's person, as one
    JSON document."""
    registry_export = expect(
        await caller.call("registry", registry_contracts.ExportMyData(actor_account_id=account_id)),
        registry_contracts.MyDataExport,
        "registry",
    )
    included = ["registry"]
    not_included = list(NOT_INCLUDED)
    portfolio: dict[str, Any] | None = None
    if registry_export.registration is not None:
        person_id = registry_export.registration.person_id
        try:
            portfolio = {"cycles": await _portfolio_cycles(caller, person_id, origin, language)}
            included.append("portfolio")
        except RpcError as exc:
            log.warning("my-data export without the portfolio: %s (%s)", exc.message, exc.code)
            not_included.insert(
                0,
                {
                    "what": "portfolio",
                    "nl": f"Het portfolio kon nu niet worden opgehaald ({exc.code}). Probeer het later opnieuw.",
                    "en": f"The portfolio could not be fetched just now ({exc.code}). Please try again later.",
                },
            )
    else:
        not_included.insert(
            0,
            {
                "what": "portfolio",
                "nl": "Geen portfolio: u bent (nog) niet geregistreerd.",
                "en": "No portfolio: you are not registered (yet).",
            },
        )
    accreditation: dict[str, Any] | None = None
    audit: dict[str, Any] | None = None
    if registry_export.registration is not None:
        person_id = registry_export.registration.person_id
        accreditation = await _section(
            caller,
            "accreditation",
            accreditation_contracts.ExportPersonData(person_id=person_id),
            accreditation_contracts.PersonDataExport,
            included,
            not_included,
        )
        audit = await _section(
            caller,
            "audit",
            audit_contracts.ExportPersonData(person_id=person_id),
            audit_contracts.PersonDataExport,
            included,
            not_included,
        )
    return {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "included": included,
        "not_included": not_included,
        "registry": registry_export.model_dump(mode="json"),
        "portfolio": portfolio,
        "accreditation": accreditation,
        "audit": audit,
    }
