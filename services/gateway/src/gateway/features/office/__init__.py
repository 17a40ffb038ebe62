"""The office's pages (/beheer): applications, re-registrations, reviewers and the objection queue."""

from litestar.types import ControllerRouterHandler

from gateway.features.office.objections import OfficeObjectionPages
from gateway.features.office.pages import OfficePages
from gateway.features.office.reregistrations import AuditStatisticsPage, OfficeReregistrationPages
from gateway.features.office.reviewers import OfficeReviewerPages

route_handlers: list[ControllerRouterHandler] = [
    OfficeReregistrationPages,
    OfficeReviewerPages,
    AuditStatisticsPage,
    OfficePages,
    OfficeObjectionPages,
]
