"""Re-registration: the professional's application, answers to the reviewer and the outcome."""

from litestar.types import ControllerRouterHandler

from gateway.features.reregistration.pages import ReregistrationPages

route_handlers: list[ControllerRouterHandler] = [ReregistrationPages]
