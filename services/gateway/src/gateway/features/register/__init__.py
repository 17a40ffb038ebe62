"""The public register: looking a professional up (page and API) and the register's statistics."""

from litestar.types import ControllerRouterHandler

from gateway.features.register.lookup import RegisterApi, RegisterPage
from gateway.features.register.statistics_api import ApiV1

route_handlers: list[ControllerRouterHandler] = [ApiV1, RegisterPage, RegisterApi]
