"""The office's reviewer page (`/beheer/beoordelaars`): the members of the assessment committee with their state as
reviewers in the audit (not yet a reviewer, active or inactive, the employer key and their open cases), how many
sampled dossiers wait for a reviewer, and a form per member to register them with the audit or change them.

The committee members come from the registry (`ListStaffAccounts`, office only: the registry checks the role again),
their loads from the audit (`ListReviewers`). A reviewer's id is their account id: the review pages pass the
signed-in account id as `reviewer_id`. The employer the office types is turned into the same key the registry gives
a professional's employer (`lklr_shared.employers`), so the audit's rule "never a colleague of the same employer"
compares like with like.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Final

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gateway.features.office.forms import ReviewerForm
from gateway.features.office.pages import OfficeController, office_page
from gateway.service_layer.context import GatewayDep
from gateway.web.forms import FORM, GENERAL, FormErrors, translator
from gateway.web.request_ids import form_request_id
from gateway.web.web_session import current_account
from lklr_shared.contracts import audit as audit_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.employers import MAX_EMPLOYER_ID_LENGTH, employer_id_for
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

ACTIVE_CHOICES: Final = ("yes", "no")
_MAX_NAME_LENGTH: Final = 200  # audit.RegisterReviewer.name


@dataclass(frozen=True, slots=True)
class ReviewerRow:
    """One line of the page: a committee member (`account`) and/or a reviewer the audit knows (`reviewer`)."""

    reviewer_id: uuid.UUID
    name: str
    account: contracts.StaffAccountView | None
    reviewer: audit_contracts.ReviewerView | None

    @property
    def key(self) -> str:
        return str(self.reviewer_id)

    @property
    def person_id(self) -> uuid.UUID | None:
        """The reviewer's person id for the audit's own-dossier rule: the account id (an account id is its person
        id) when the account has a registration (whatever its status: a dossier of theirs may still be under
        review), the audit's value for a reviewer without a committee account."""
        if self.account is not None:
            return self.account.account_id if self.account.registration_number is not None else None
        return self.reviewer.person_id if self.reviewer is not None else None

    def form_values(self) -> dict[str, str]:
        """What the form shows before anything is posted: the audit's values, or a sensible first registration."""
        if self.reviewer is not None:
            return {"employer_id": self.reviewer.employer_id, "active": "yes" if self.reviewer.active else "no"}
        return {"employer_id": _registry_employer_key(self.account), "active": "yes"}


def _registry_employer_key(account: contracts.StaffAccountView | None) -> str:
    if account is None:
        return ""
    if account.employer_id:
        return account.employer_id
    try:
        return employer_id_for(account.employer_name) if account.employer_name else ""
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class ReviewerOverview:
    members: list[ReviewerRow]
    others: list[ReviewerRow]  # reviewers in the audit whose account no longer holds (or never held) the role
    unassigned_cases: int

    def find(self, reviewer_id: uuid.UUID) -> ReviewerRow | None:
        return next((row for row in [*self.members, *self.others] if row.reviewer_id == reviewer_id), None)


class OfficeReviewerPages(OfficeController):
    path = "/beheer/beoordelaars"

    async def _overview(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> ReviewerOverview:
        account = current_account(request)
        members = await ask(
            gateway.caller,
            contracts.ListStaffAccounts(actor_account_id=account.account_id, role="assessment_committee"),
        )
        audit = await ask(gateway.caller, audit_contracts.ListReviewers())
        reviewers = {reviewer.reviewer_id: reviewer for reviewer in audit.reviewers}
        rows = [
            ReviewerRow(
                reviewer_id=member.account_id,
                name=f"{member.initials} {member.surname}",
                account=member,
                reviewer=reviewers.pop(member.account_id, None),
            )
            for member in members.accounts
        ]
        others = [
            ReviewerRow(reviewer_id=reviewer.reviewer_id, name=reviewer.name, account=None, reviewer=reviewer)
            for reviewer in sorted(reviewers.values(), key=lambda reviewer: reviewer.name.casefold())
        ]
        return ReviewerOverview(members=rows, others=others, unassigned_cases=audit.unassigned_cases)

    async def _render(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        *,
        overview: ReviewerOverview | None = None,
        errors: dict[str, FormErrors] | None = None,
        values: dict[str, dict[str, str]] | None = None,
        problem: str | None = None,
        status_code: int = 200,
    ) -> Template:
        overview = overview or await self._overview(request, gateway)
        shown = {row.key: row.form_values() for row in [*overview.members, *overview.others]} | (values or {})
        saved = None
        for flag in ("aangemeld", "bijgewerkt"):
            target = request.query_params.get(flag)
            try:
                found = overview.find(uuid.UUID(target)) if target else None
            except ValueError:
                found = None
            if found is not None:
                saved = {"kind": flag, "name": found.name}
        return office_page(
            request,
            "beheer/beoordelaars.html",
            status_code=status_code,
            members=overview.members,
            others=overview.others,
            unassigned_cases=overview.unassigned_cases,
            errors=errors or {},
            values=shown,
            saved=saved,
            problem=problem,
            max_employer_length=MAX_EMPLOYER_ID_LENGTH,
        )

    @get("", name="office_reviewers")
    async def overview(self, request: Request[Any, Any, Any], gateway: GatewayDep) -> Template:
        return await self._render(request, gateway)

    @post("/{reviewer_id:uuid}", name="office_register_reviewer")
    async def register(
        self,
        request: Request[Any, Any, Any],
        gateway: GatewayDep,
        reviewer_id: FromPath[uuid.UUID],
        data: Annotated[ReviewerForm, FORM],
    ) -> Template | Redirect:
        t = translator(request)
        errors: FormErrors = {}
        employer_text = data.employer_id
        employer_id = ""
        if not employer_text:
            errors["employer_id"] = t("office.reviewers.problem.employer_missing")
        else:
            try:
                employer_id = employer_id_for(employer_text)
            except ValueError:
                errors["employer_id"] = t("office.reviewers.problem.employer_invalid")
        active = data.active
        if active not in ACTIVE_CHOICES:
            errors["active"] = t("office.reviewers.problem.active")
        overview = await self._overview(request, gateway)
        row = overview.find(reviewer_id)
        if row is None:  # the role was taken away meanwhile, or a made-up id
            return await self._render(
                request, gateway, overview=overview, problem=t("office.reviewers.problem.unknown"), status_code=404
            )
        if not errors:
            try:
                await ask(
                    gateway.caller,
                    audit_contracts.RegisterReviewer(
                        reviewer_id=row.reviewer_id,
                        person_id=row.person_id,
                        employer_id=employer_id,
                        name=row.name[:_MAX_NAME_LENGTH],
                        active=active == "yes",
                    ),
                    request_id=await form_request_id(request),
                )
            except RpcError as exc:
                if exc.status not in {400, 409, 422}:
                    raise
                errors = {GENERAL: t("office.reviewers.problem.refused", detail=exc.message)}
            else:
                flag = "bijgewerkt" if row.reviewer is not None else "aangemeld"
                return Redirect(f"/beheer/beoordelaars?{flag}={row.reviewer_id}#beoordelaar-{row.key}", status_code=303)
        key = str(reviewer_id)
        return await self._render(
            request,
            gateway,
            overview=overview,
            errors={key: errors},
            values={key: {"employer_id": employer_text, "active": active}},
            status_code=422,
        )
