"""Verifiable credentials on the web: the professional's download on Mijn LKLR, the register's published key set
and status lists, and `/verifieren`, where anyone checks a credential.

The registry issues and signs (`IssueMyCredential`, `GetCredentialKeys`, `GetStatusList`); the judgement is
`lklr_shared.credentials.verify_credential`, the same function the offline command `python -m lklr_shared.verify`
uses. The page asks the registry for the key set and the status list the credential names over RPC rather than
fetching the gateway's own URLs.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Final

import segno
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from gateway.features.mine.forms import CredentialForm
from gateway.service_layer.context import GatewayDep
from gateway.web.forms import FORM
from gateway.web.rendering import page, request_language
from gateway.web.web_session import SignedInPages, client_ip, current_account
from lklr_shared.contracts import registry as contracts
from lklr_shared.credentials import CredentialFormatError, Verdict, unverified_claims, verify_credential
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

JWT_MEDIA_TYPE: Final = "application/vc+jwt"
# A credential is a few kilobytes; anything far larger is not one (and is not worth parsing).
MAX_TOKEN_CHARS: Final = 20_000
_STATUS_PATH = re.compile(r"/status/(\d{1,6})$")


def qr_svg(url: str) -> str:
    """An inline SVG QR code for ``url`` (inline, so the page's img-src 'self' policy needs no data: URLs)."""
    return segno.make(url, error="m").svg_inline(scale=4, title=url)


async def _issue(
    gateway: GatewayDep, request: Request[Any, Any, Any], kind: contracts.CredentialKind = "registration"
) -> contracts.IssuedCredential:
    account = current_account(request)
    return await ask(
        gateway.caller,
        contracts.IssueMyCredential(
            actor_account_id=account.account_id, client_ip=client_ip(request), credential_kind=kind
        ),
    )


def _jwt_download(issued: contracts.IssuedCredential, name: str) -> Response[bytes]:
    return Response(
        issued.jwt.encode("ascii"),
        media_type=JWT_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="lklr-{name}-{issued.registration_number}.jwt"'},
    )


class CredentialPages(SignedInPages):
    """`/mijn/bewijs`: the professional's credentials (registration; the cycle's norm met, once it is) and the PDF
    certificate, with a QR code to their public register entry."""

    @get("/mijn/bewijs", name="mine_credential")
    async def credential_page(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        try:
            issued = await _issue(gateway, request)
        except RpcError as exc:
            if exc.code not in ("not_registered", "registration_not_active"):
                raise
            return page(request, "mijn/bewijs.html", status_code=409, issued=None, norm=None, refusal=exc.code, qr=None)
        try:
            norm: contracts.IssuedCredential | None = await _issue(gateway, request, "norm_met")
        except RpcError as exc:
            if exc.code != "norm_not_met":
                raise
            norm = None
        return page(
            request,
            "mijn/bewijs.html",
            issued=issued,
            norm=norm,
            refusal=None,
            qr=qr_svg(issued.register_entry_url),
        )

    @get("/mijn/bewijs.jwt", name="mine_credential_download")
    async def download(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Response[bytes]:
        return _jwt_download(await _issue(gateway, request), "registratie")

    @get("/mijn/bewijs-norm.jwt", name="mine_norm_credential_download")
    async def download_norm(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Response[bytes]:
        return _jwt_download(await _issue(gateway, request, "norm_met"), "norm-behaald")

    @get("/mijn/bewijs.pdf", name="mine_certificate_download")
    async def certificate(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Response[bytes]:
        account = current_account(request)
        reply = await ask(
            gateway.caller,
            contracts.GetMyRegistrationCertificate(actor_account_id=account.account_id),
        )
        return Response(
            base64.b64decode(reply.data),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{reply.filename}"'},
        )


class CredentialPublication(Controller):
    """The key set and status lists verifiers fetch (public, cacheable for a short while)."""

    include_in_schema = False

    @get("/.well-known/jwks.json", name="jwks")
    async def jwks(self, gateway: GatewayDep) -> Response[dict[str, Any]]:
        reply = await ask(gateway.caller, contracts.GetCredentialKeys())
        return Response(
            reply.jwks, media_type="application/jwk-set+json", headers={"Cache-Control": "public, max-age=3600"}
        )

    @get("/status/{list_number:int}", name="status_list")
    async def status_list(self, gateway: GatewayDep, list_number: FromPath[int]) -> Response[bytes]:
        if list_number < 1:
            raise NotFoundException()
        reply = await ask(gateway.caller, contracts.GetStatusList(list_number=list_number))
        # Short: a revocation must reach verifiers soon.
        return Response(
            reply.jwt.encode("ascii"), media_type=JWT_MEDIA_TYPE, headers={"Cache-Control": "public, max-age=60"}
        )


async def judge(gateway: GatewayDep, token: str) -> Verdict:
    """Verify ``token`` against the register's key set and the status list it names (fetched from the registry),
    as of the register's today (the demo's clock offset included)."""
    keys = await ask(gateway.caller, contracts.GetCredentialKeys())
    lists: dict[str, str] = {}
    try:
        list_url = str(unverified_claims(token).get("credentialStatus", {}).get("statusListCredential", ""))
    except (CredentialFormatError, AttributeError):
        list_url = ""  # verify_credential reports the malformed token as forged
    found = _STATUS_PATH.search(list_url)
    if found:
        try:
            lists[list_url] = (await ask(gateway.caller, contracts.GetStatusList(list_number=int(found[1])))).jwt
        except RpcError as exc:
            if exc.code != "not_found":
                raise

    def status_list(url: str) -> str:
        if url not in lists:
            raise CredentialFormatError(f"the register publishes no status list at {url}")
        return lists[url]

    # The register's day (moved by the demo's clock offset) at the current time of day.
    now = datetime.combine(gateway.today(), datetime.now(UTC).time(), tzinfo=UTC)
    return verify_credential(token, keys.jwks, status_list, now=now)


class VerifyPage(Controller):
    """`/verifieren`: paste (or pick a file, read into the field by the page's script) and see the verdict."""

    include_in_schema = False

    @get("/verifieren", name="verify")
    async def form(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "verifieren.html", verdict=None, token="", error=None)

    @post("/verifieren", name="verify_post")
    async def check(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[CredentialForm, FORM]
    ) -> Template:
        token = "".join(data.credential.split())
        if not token or len(token) > MAX_TOKEN_CHARS:
            error = "verify.empty" if not token else "verify.too_long"
            return page(request, "verifieren.html", status_code=422, verdict=None, token="", error=error)
        verdict = await judge(gateway, token)
        lang = request_language(request)[0]
        return page(request, "verifieren.html", verdict=verdict, reason=verdict.text(lang), token=token, error=None)
