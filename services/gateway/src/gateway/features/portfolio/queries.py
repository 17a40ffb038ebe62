"""What the portfolio pages and API ask the portfolio service for."""

from __future__ import annotations

import uuid

from gateway.caller import ServiceCaller
from gateway.web.owners import PortfolioOwner
from lklr_shared.contracts import portfolio as contracts
from lklr_shared.kit.requests import ask


async def get_portfolio(
    caller: ServiceCaller,
    owner: PortfolioOwner,
    lang: contracts.Language,
    cycle_id: uuid.UUID | None = None,
    *,
    svg: bool = True,
) -> contracts.Portfolio:
    """The owner's portfolio of one cycle (None: the cycle that contains today, else the latest)."""
    return await ask(
        caller,
        contracts.GetPortfolio(
            person_id=owner.person_id, actor=owner.actor, cycle_id=cycle_id, language=lang, include_svg=svg
        ),
    )
