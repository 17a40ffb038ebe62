"""The administrator's pages: staff accounts and roles, the security log, the system's state."""

from litestar.types import ControllerRouterHandler

from gateway.features.admin.accounts import AdminAccountPages
from gateway.features.admin.security_log import AdminSecurityLogPage
from gateway.features.admin.system import AdminSystemPage

route_handlers: list[ControllerRouterHandler] = [AdminAccountPages, AdminSecurityLogPage, AdminSystemPage]
