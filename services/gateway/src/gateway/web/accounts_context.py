"""What the account, Mijn LKLR, office and register routes need besides the Gateway (built by `gateway.app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from litestar.di import NamedDependency

from gateway.web.web_session import WebSecurity


@dataclass(frozen=True)
class AccountsContext:
    security: WebSecurity
    # The development pages (/dev/mail) and the hints that point at them.
    dev_pages: bool = False


# Handlers declare `accounts_context: AccountsContextDep`; Litestar injects the one instance by parameter name.
AccountsContextDep: TypeAlias = NamedDependency[AccountsContext]
