"""The reviewers' case pages (/beoordeling)."""

from litestar.types import ControllerRouterHandler

from gateway.features.review.pages import ReviewPages

route_handlers: list[ControllerRouterHandler] = [ReviewPages]
