"""Development mailbox (`/dev/mail`): the mails the registry's folder mailer wrote, with clickable links.

Mounted only with GATEWAY_DEV_PAGES=true (local runs and tests). It shows every mail to everyone, so it must
never be on in production; the deploy files leave it off (the default).
"""

from __future__ import annotations

import re
from typing import Any, Final

from litestar import Controller, Request, get
from litestar.response import Template
from markupsafe import Markup, escape

from gateway.service_layer.context import GatewayDep
from gateway.web.rendering import page
from lklr_shared.contracts import registry as contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

_URL: Final = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Plain text with its http(s) URLs as links; everything else escaped."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        parts.append(str(escape(text[position : match.start()])))
        url = match.group(0).rstrip(".,;)")
        parts.append(f'<a href="{escape(url)}">{escape(url)}</a>')
        position = match.start() + len(url)
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))


class DevMailPage(Controller):
    include_in_schema = False

    @get("/dev/mail", name="dev_mail")
    async def dev_mail(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        try:
            mailbox = await ask(gateway.caller, contracts.ListDevMail(limit=50))
        except RpcError as exc:
            if exc.code != "dev_mail_disabled":
                raise
            return page(request, "dev_mail.html", messages=[], disabled=True)
        messages = [
            {
                "to": mail.to,
                "subject": mail.subject,
                "sent_at": mail.sent_at,
                "body": linkify(mail.body),
                "id": mail.mail_id,
            }
            for mail in mailbox.messages
        ]
        response = page(request, "dev_mail.html", messages=messages, disabled=False)
        response.headers["Cache-Control"] = "no-store"
        return response
