"""The digital portfolio: the person's pages and their own API (/api/v1/me/...)."""

from litestar.types import ControllerRouterHandler

from gateway.features.portfolio.api import PortfolioApi
from gateway.features.portfolio.pages import PortfolioPages

route_handlers: list[ControllerRouterHandler] = [PortfolioPages, PortfolioApi]
