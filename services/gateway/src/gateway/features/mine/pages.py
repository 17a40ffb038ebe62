"""Mijn LKLR: the signed-in person's registration, details, the language of their e-mails, application, and the
download of all their data.

Every request names only the signed-in account (`actor_account_id` from the session); the registry answers
with that account's own objects, so there is no id in these URLs to change into someone else's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from decimal import Decimal
from typing import Annotated, Any, Final, Literal

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from gateway.caller import ServiceCaller
from gateway.features.mine.erasure import my_retention
from gateway.features.mine.forms import ApplicationForm, MailLanguageForm, PersonForm
from gateway.service_layer.context import GatewayDep
from gateway.service_layer.my_data import export_my_data
from gateway.web.accounts_context import AccountsContextDep
from gateway.web.forms import FORM, FormAgain, FormErrors, parse_hours, problem_messages, translator
from gateway.web.recorded_words import reason_words
from gateway.web.rendering import page, request_language
from gateway.web.request_ids import form_request_id
from gateway.web.web_session import SignedInPages, client_ip, current_account, web_state
from lklr_shared.contracts import accreditation as accreditation_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.base import ReplyT
from lklr_shared.contracts.base import Request as ContractRequest
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

log = logging.getLogger(__name__)


EMPLOYER_KINDS: Final = ("municipality", "region", "rbl")
MAIL_LANGUAGES: Final[tuple[contracts.MailLanguage, ...]] = ("nl", "en")
ROLE_CHOICES: Final = {
    "leerplichtambtenaar": ["leerplichtambtenaar"],
    "rmc_medewerker": ["rmc_medewerker"],
    "both": ["leerplichtambtenaar", "rmc_medewerker"],
}
_APPLICATION_FIELDS: Final = {
    "no_role": "role",
    "employer_name_missing": "employer_name",
    "hours_invalid": "hours_per_week",
    "too_few_hours": "hours_per_week",
    "declaration_not_accepted": "declaration",
}
_PERSON_FIELDS: Final = {
    "employer_name": "employer_name",
    "employer_kind": "employer_kind",
    "hours_per_week": "hours_per_week",
}


async def optional(caller: ServiceCaller, request: ContractRequest[ReplyT], *absent: str) -> ReplyT | None:
    """The reply, or None when the service says the thing does not exist (one of the `absent` codes)."""
    try:
        return await ask(caller, request)
    except RpcError as exc:
        if exc.status == 404 and exc.code in absent:
            return None
        raise


async def provider_name_for(caller: ServiceCaller, account_id: object) -> str | None:
    """The training provider this account acts for (shown with a link to the provider portal), or None.

    Mijn LKLR is the registry's page: when accreditation does not answer, it renders without the link.
    """
    try:
        reply = await ask(caller, accreditation_contracts.FindProviderForAccount(account_id=str(account_id)))
    except RpcError as exc:
        if exc.code != "no_provider_for_account":
            log.warning("Mijn LKLR without the provider link: %s (%s)", exc.message, exc.code)
        return None
    return reply.name if isinstance(reply, accreditation_contracts.ProviderDetails) else None


def role_choice(roles: list[contracts.Role]) -> str:
    chosen = set(roles)
    if chosen == {"leerplichtambtenaar", "rmc_medewerker"}:
        return "both"
    return roles[0] if roles else ""


def _hours_text(hours: Decimal | None, lang: str) -> str:
    if hours is None:
        return ""
    text = f"{hours.normalize():f}"
    return text.replace(".", ",") if lang == "nl" else text


def _work_values(person: contracts.PersonView | None, lang: str) -> dict[str, str]:
    """The work-details fields as the forms show them before anything is posted."""
    return {
        "employer_name": (person.employer_name or "") if person else "",
        "employer_kind": (person.employer_kind or "") if person else "",
        "hours_per_week": _hours_text(person.hours_per_week if person else None, lang),
    }


async def _my_person(caller: ServiceCaller, account_id: uuid.UUID) -> contracts.PersonView | None:
    return await optional(caller, contracts.GetMyPerson(actor_account_id=account_id), "not_found")


async def _my_application(caller: ServiceCaller, account_id: uuid.UUID) -> contracts.ApplicationView | None:
    return await optional(
        caller,
        contracts.GetMyApplication(actor_account_id=account_id),
        "no_application",
    )


class MinePages(SignedInPages):
    async def _overview(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        *,
        errors: FormErrors | None = None,
        values: dict[str, str] | None = None,
        language_errors: FormErrors | None = None,
        status_code: int = 200,
    ) -> Template:
        account = current_account(request)
        caller = gateway.caller
        # Independent lookups: asked at once, so the page waits for the slowest, not for their sum.
        person, registration, application, provider_name, retention = await asyncio.gather(
            _my_person(caller, account.account_id),
            optional(
                caller,
                contracts.GetMyRegistration(actor_account_id=account.account_id),
                "not_registered",
            ),
            _my_application(caller, account.account_id),
            provider_name_for(caller, account.account_id),
            my_retention(gateway, request),
        )
        if values is None:
            values = _work_values(person, request_language(request)[0])
        return page(
            request,
            "mijn/overzicht.html",
            status_code=status_code,
            person=person,
            registration=registration,
            application=application,
            errors=errors or {},
            values=values,
            employer_kinds=EMPLOYER_KINDS,
            changed=request.query_params.get("gewijzigd"),
            today=gateway.today(),
            provider_name=provider_name,
            reason_words=reason_words,
            mail_languages=MAIL_LANGUAGES,
            language_errors=language_errors or {},
            retention=retention,
        )

    @get("/mijn", name="mine")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._overview(request, gateway)

    @post("/mijn/gegevens", name="mine_update")
    async def update_details(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[PersonForm, FORM]
    ) -> Template | Redirect:
        t = translator(request)
        account = current_account(request)
        values = data.posted()
        errors: FormErrors = {}
        hours = parse_hours(data.hours_per_week)
        if data.hours_per_week and hours is None:
            errors["hours_per_week"] = t("problem.hours_invalid")
        kind = data.employer_kind or None
        if kind is not None and kind not in EMPLOYER_KINDS:
            errors["employer_kind"] = t("problem.employer_kind")
        if not errors:
            try:
                result = await ask(
                    gateway.caller,
                    contracts.UpdateMyPerson(
                        actor_account_id=account.account_id,
                        client_ip=client_ip(request),
                        employer_name=data.employer_name or None,
                        employer_kind=kind,
                        hours_per_week=hours,
                    ),
                )
            except RpcError as exc:
                if exc.code != "invalid_person_change":
                    raise
                errors = problem_messages(t, exc, _PERSON_FIELDS)
            else:
                outcome = "onder-minimum" if result.eligibility_notice_recorded else "1"
                return Redirect(f"/mijn?gewijzigd={outcome}#gegevens", status_code=303)
        return await self._overview(request, gateway, errors=errors, values=values, status_code=422)

    @post("/mijn/taal", name="mine_language")
    async def set_mail_language(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        accounts_context: AccountsContextDep,
        data: Annotated[MailLanguageForm, FORM],
    ) -> Template | Redirect:
        """The language of the person's later e-mails (Dutch or English)."""
        chosen = data.preferred_language
        language = next((code for code in MAIL_LANGUAGES if code == chosen), None)
        if language is None:
            errors: FormErrors = {"preferred_language": translator(request)("mine.language.required")}
            return await self._overview(request, gateway, language_errors=errors, status_code=422)
        session_token = web_state(request).session_token
        assert session_token is not None  # signed in: the guard let the request through
        await accounts_context.security.authenticator.set_preferred_language(
            session_token, current_account(request), language, client_ip=client_ip(request)
        )
        return Redirect("/mijn?gewijzigd=taal#taal", status_code=303)

    @get("/mijn/gegevens.json", name="mine_export")
    async def download_my_data(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Response[bytes]:
        account = current_account(request)
        lang: Literal["nl", "en"] = "en" if request_language(request)[0] == "en" else "nl"
        document = await export_my_data(gateway.caller, account.account_id, origin=client_ip(request), language=lang)
        body = json.dumps(document, ensure_ascii=False, indent=2).encode()
        filename = f"lklr-mijn-gegevens-{gateway.today().isoformat()}.json"
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

    # --- Aanvraag registratie -----------------------------------------------------------------------------------

    def _minimum_hours(self, gateway: GatewayDep) -> Decimal:
        return Decimal(str(gateway.scheme.version_in_force(gateway.today()).registration.min_hours_per_week))

    async def _application_page(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, again: FormAgain | None = None
    ) -> Template:
        """The application page; `again` when a refused application is shown with its messages and values."""
        account = current_account(request)
        values = again.values if again else None
        application, person = await asyncio.gather(
            _my_application(gateway.caller, account.account_id), _my_person(gateway.caller, account.account_id)
        )
        registration_status = person.registration_status if person else None
        # A new application is possible without one, after a rejection, or when the registration expired.
        can_apply = registration_status not in ("registered", "reregistration_pending", "suspended", "struck_off") and (
            application is None or application.status == "rejected" or registration_status == "expired"
        )
        if values is None:
            values = {
                "role": role_choice(person.roles) if person and person.roles else "",
                **_work_values(person, request_language(request)[0]),
            }
        return page(
            request,
            "mijn/aanvraag.html",
            status_code=again.status_code if again else 200,
            application=application,
            can_apply=can_apply,
            registration_status=registration_status,
            errors=again.errors if again else {},
            values=values,
            employer_kinds=EMPLOYER_KINDS,
            role_choices=list(ROLE_CHOICES),
            minimum_hours=self._minimum_hours(gateway),
            submitted=request.query_params.get("ingediend") == "1",
        )

    @get("/mijn/aanvraag", name="mine_application")
    async def application(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._application_page(request, gateway)

    @post("/mijn/aanvraag", name="mine_application_post")
    async def apply(
        self, request: Request[Any, Any, Any], gateway: GatewayDep, data: Annotated[ApplicationForm, FORM]
    ) -> Template | Redirect:
        t = translator(request)
        account = current_account(request)
        values = data.posted()
        minimum = self._minimum_hours(gateway)
        errors: FormErrors = {}
        roles = ROLE_CHOICES.get(data.role)
        if roles is None:
            errors["role"] = t("problem.no_role")
        if not data.employer_name:
            errors["employer_name"] = t("problem.employer_name_missing")
        kind = data.employer_kind
        if kind not in EMPLOYER_KINDS:
            errors["employer_kind"] = t("problem.employer_kind")
        hours = parse_hours(data.hours_per_week)
        if hours is None:
            errors["hours_per_week"] = t("problem.hours_invalid")
        elif hours < minimum:
            # The registry refuses it too; checking here puts the rule next to the field with every other problem.
            errors["hours_per_week"] = t("problem.too_few_hours", minimum=t.number(minimum))
        declared = data.declaration == "yes"
        if not declared:
            errors["declaration"] = t("problem.declaration_not_accepted")
        if not errors and roles is not None and hours is not None:
            try:
                await ask(
                    gateway.caller,
                    contracts.ApplyForRegistration(
                        actor_account_id=account.account_id,
                        client_ip=client_ip(request),
                        roles=roles,
                        employer_name=data.employer_name,
                        employer_kind=kind,
                        hours_per_week=hours,
                        declaration_accepted=declared,
                    ),
                    request_id=await form_request_id(request),
                )
            except RpcError as exc:
                if exc.code == "invalid_application":
                    errors = problem_messages(t, exc, _APPLICATION_FIELDS, minimum=t.number(minimum))
                elif exc.code in ("application_pending", "already_registered", "struck_off"):
                    errors = {"_": t(f"problem.{exc.code}")}
                else:
                    raise
            else:
                return Redirect("/mijn/aanvraag?ingediend=1", status_code=303)
        return await self._application_page(request, gateway, FormAgain(errors, values))
