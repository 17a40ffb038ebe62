"""Registers the re-registration and audit side of the gateway as one Litestar plugin: the
professional's application page, the reviewers' case pages, the office's decision overview and reviewer page, and
the public audit statistics. A plugin keeps the composition root's edit to one line.
"""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from gateway.entrypoints.office_reregistrations import AuditStatisticsPage, OfficeReregistrationPages
from gateway.entrypoints.office_reviewers import OfficeReviewerPages
from gateway.entrypoints.reregistration_pages import ReregistrationPages
from gateway.entrypoints.review_pages import ReviewPages
from gateway.service_layer.context import Gateway


class AuditRoutes(InitPluginProtocol):
    """`Litestar(..., plugins=[AuditRoutes(gateway)])`."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(
            [ReregistrationPages, ReviewPages, OfficeReregistrationPages, OfficeReviewerPages, AuditStatisticsPage]
        )
        return app_config
