"""The register's information pages: accessibility statement, privacy statement, contact, and one page for
developers (API and messaging documentation, and the register's status as a page rather than raw JSON)."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from litestar import Controller, Request, get
from litestar.response import Template

from gateway.service_layer.context import GatewayDep
from gateway.service_layer.queries import readiness
from gateway.web.rendering import page

# The day the accessibility statement was drawn up; a statement carries its date (and is renewed with it).
ACCESSIBILITY_STATEMENT_DATE: Final = date(2026, 12, 7)


class InfoPages(Controller):
    include_in_schema = False

    @get("/toegankelijkheid", name="accessibility_statement")
    async def accessibility(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "info/toegankelijkheid.html", statement_date=ACCESSIBILITY_STATEMENT_DATE)

    @get("/privacy", name="privacy_statement")
    async def privacy(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "info/privacy.html")

    @get("/contact", name="contact")
    async def contact(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "info/contact.html")

    @get("/ontwikkelaars", name="developers")
    async def developers(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        """The documentation links and the readiness checks of /readyz, in words (a failing part says so; why it
        fails goes to the log, as for /readyz)."""
        checks = await readiness(gateway.caller, gateway.services, gateway.readiness_timeout)
        parts = [{"name": name, "ok": check.ok} for name, check in checks.items()]
        return page(request, "info/ontwikkelaars.html", parts=parts, ready=all(part["ok"] for part in parts))
