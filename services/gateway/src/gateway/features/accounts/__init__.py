"""Accounts: sign-up, sign-in, the second factor, password reset, and the account API (tokens)."""

from litestar.types import ControllerRouterHandler

from gateway.features.accounts.api import AccountApi
from gateway.features.accounts.pages import AccountPages
from gateway.features.accounts.second_factor import SecondFactorPages

route_handlers: list[ControllerRouterHandler] = [AccountPages, SecondFactorPages, AccountApi]
