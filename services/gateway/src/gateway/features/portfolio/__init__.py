"""The digital portfolio: the person's pages and their own API (/api/v1/me/...)."""

from litestar.types import ControllerRouterHandler

from gateway.features.portfolio.api import PortfolioApi
from gateway.features.portfolio.entry_pages import PortfolioEntryPages
from gateway.features.portfolio.pages import PortfolioPages
from gateway.features.portfolio.record_pages import PortfolioRecordPages

route_handlers: list[ControllerRouterHandler] = [
    PortfolioPages,
    PortfolioEntryPages,
    PortfolioRecordPages,
    PortfolioApi,
]
