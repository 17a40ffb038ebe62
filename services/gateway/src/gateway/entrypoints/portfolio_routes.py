"""Registers the portfolio side of the gateway as one Litestar plugin: the portfolio pages and the
professional's own API (`/api/v1/me/...`). A plugin keeps the composition root's edit to one line.

The API authenticates with the person's API token, whose security scheme the registry routes declare.
"""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from gateway.entrypoints.portfolio_api import PortfolioApi
from gateway.entrypoints.portfolio_pages import PortfolioPages
from gateway.service_layer.context import Gateway


class PortfolioRoutes(InitPluginProtocol):
    """`Litestar(..., plugins=[PortfolioRoutes(gateway)])`."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend([PortfolioPages, PortfolioApi])
        return app_config
