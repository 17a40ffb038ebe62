"""A small in-memory registry for the gateway's unit tests: accounts, sessions, API tokens and one application
per person, answering the registry's contracts the way the real service does (codes and statuses included).

It proves the gateway's part (cookies, CSRF, guards, which account a request acts for); the registry's own rules
are tested in the registry service and end to end.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from lklr_shared.contracts import registry as c
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.system import Ping, Pong
from lklr_shared.errors import Problem, RpcError
from lklr_shared.kit.rpc import ServiceUnavailable

NOW = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
TOTP = "123456"
# What the fake hands out when a staff account without TOTP signs in (a valid base32 secret, never a real one).
ENROLLMENT_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass
class FakeAccount:
    email: str
    initials: str
    surname: str
    roles: list[c.AccountRole]
    account_id: uuid.UUID = field(default_factory=uuid.uuid4)
    password: str = PASSWORD
    confirmed: bool = True
    # Whether a staff account has an active TOTP secret (False: it enrols from the mailed link; until then its
    # sign-ins carry no staff role).
    totp_enrolled: bool = True
    preferred_language: c.MailLanguage = "nl"

    @property
    def staff(self) -> bool:
        return any(role != "professional" for role in self.roles)

    def staff_view(self, **more: Any) -> c.StaffAccountView:
        """This account as the registry lists it among staff, with `more` of the listing's fields."""
        return c.StaffAccountView(
            account_id=self.account_id,
            email=self.email,
            initials=self.initials,
            surname=self.surname,
            account_roles=self.roles,
            **more,
        )


@dataclass
class FakeRegistry:
    accounts: dict[str, FakeAccount] = field(default_factory=dict)
    sessions: dict[str, uuid.UUID] = field(default_factory=dict)
    api_tokens: dict[str, uuid.UUID] = field(default_factory=dict)
    applications: dict[uuid.UUID, c.ApplicationView] = field(default_factory=dict)
    registrations: dict[uuid.UUID, c.RegistrationView] = field(default_factory=dict)
    # Request type → a reply, an exception to raise, or a function of the request (checked before the model).
    overrides: dict[type[Message], Message | Exception | Callable[[Any], Message]] = field(default_factory=dict)
    requests: list[Message] = field(default_factory=list)
    down: bool = False
    # Enrollment token → account id, for staff accounts that opened their enrolment link with their password.
    enrollments: dict[str, uuid.UUID] = field(default_factory=dict)
    # Enrolment link token → account id, "mailed" when an administrator gives a staff role to an account without TOTP.
    enrolment_links: dict[str, uuid.UUID] = field(default_factory=dict)
    # Session and API tokens whose sign-in did not pass the second factor: their staff roles do not count.
    password_only: set[str] = field(default_factory=set)
    # The public objection figures (GetObjectionStatistics).
    objection_years: list[c.ObjectionYear] = field(default_factory=list)

    # --- set-up helpers ---------------------------------------------------------------------------------------

    def add(self, email: str, initials: str, surname: str, *roles: c.AccountRole) -> FakeAccount:
        account = FakeAccount(email, initials, surname, list(roles) or ["professional"])
        self.accounts[email] = account
        return account

    def session_for(self, account: FakeAccount) -> str:
        token = secrets.token_urlsafe(32)
        self.sessions[token] = account.account_id
        return token

    def by_id(self, account_id: uuid.UUID) -> FakeAccount:
        for account in self.accounts.values():
            if account.account_id == account_id:
                return account
        raise RpcError("actor_unknown", "The acting account does not exist or is not confirmed.", 401)

    def of(self, kind: type[Message]) -> list[Any]:
        return [request for request in self.requests if isinstance(request, kind)]

    def register(self, account: FakeAccount, number: str = "0000013") -> c.RegistrationView:
        cycle = c.CycleView(
            cycle_id=uuid.uuid4(),
            sequence=1,
            starts_on=date(2025, 6, 1),
            ends_on=date(2030, 5, 31),
            scheme_version="2018.1",
        )
        view = c.RegistrationView(
            person_id=account.account_id,
            registration_number=number,
            initials=account.initials,
            surname=account.surname,
            roles=["leerplichtambtenaar"],
            status="registered",
            registered_since=date(2025, 6, 1),
            valid_until=date(2030, 5, 31),
            current_cycle=cycle,
            cycles=[cycle],
            status_history=[
                c.StatusChangeView(from_status="applied", to_status="registered", at=NOW, reason="application approved")
            ],
        )
        self.registrations[account.account_id] = view
        return view

    # --- the ServiceCaller protocol ---------------------------------------------------------------------------

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        self.requests.append(request)
        if isinstance(request, Ping):
            return Pong(service=service, database_ok=True, broker_ok=True)
        if self.down:
            raise ServiceUnavailable("registry down")
        override = self.overrides.get(type(request))
        if override is not None:
            if isinstance(override, Exception):
                raise override
            if isinstance(override, Message):
                return override
            return override(request)
        if service != "registry":
            raise ServiceUnavailable(f"{service} is not part of this test")
        handler = getattr(self, f"_{type(request).__name__}", None)
        if handler is None:
            raise AssertionError(f"the fake registry does not answer {request.wire_name}")
        reply: Message = handler(request)
        return reply

    # --- answers ----------------------------------------------------------------------------------------------

    def _GetObjectionStatistics(self, request: c.GetObjectionStatistics) -> c.ObjectionStatistics:
        return c.ObjectionStatistics(years=self.objection_years)

    def _GetStatistics(self, request: c.GetStatistics) -> c.Statistics:
        return c.Statistics(
            registered=1200, working_total=3600, percentage=33.0, per_role={"leerplichtambtenaar": 1000}
        )

    def _Login(self, request: c.Login) -> c.LoginResult:
        account = self.accounts.get(request.email)
        if account is None or account.password != request.password:
            raise RpcError("invalid_credentials", "Wrong e-mail or password.", 401)
        if not account.confirmed:
            raise RpcError("email_not_confirmed", "Confirm your address first.", 403)
        if account.staff and not account.totp_enrolled:
            return self._signed_in(account, second_factor=False)
        if account.staff:
            if request.totp_code is None:
                return c.LoginResult(authenticated=False, totp_required=True)
            if request.totp_code != TOTP:
                raise RpcError("invalid_totp", "Wrong code.", 401)
        return self._signed_in(account)

    def _signed_in(self, account: FakeAccount, *, second_factor: bool = True) -> c.LoginResult:
        token = self.session_for(account)
        if not second_factor:
            self.password_only.add(token)
        return c.LoginResult(
            authenticated=True,
            account_id=account.account_id,
            email=account.email,
            initials=account.initials,
            surname=account.surname,
            account_roles=_usable(account.roles, second_factor),
            session_token=token,
            session_expires_at=NOW + timedelta(hours=12),
            second_factor=second_factor and account.staff,
            second_factor_pending=not second_factor and account.staff,
        )

    def _StartSecondFactorEnrolment(self, request: c.StartSecondFactorEnrolment) -> c.LoginResult:
        account_id = self.enrolment_links.get(request.token)
        if account_id is None:
            raise RpcError("token_invalid", "Unknown, used or expired link.", 400)
        account = self.by_id(account_id)
        if account.password != request.password:
            raise RpcError("invalid_credentials", "Wrong e-mail or password.", 401)
        enrollment_token = secrets.token_urlsafe(32)
        self.enrollments = {t: a for t, a in self.enrollments.items() if a != account.account_id}
        self.enrollments[enrollment_token] = account.account_id
        return c.LoginResult(
            authenticated=False,
            totp_enrollment_required=True,
            enrollment_token=enrollment_token,
            enrollment_expires_at=NOW + timedelta(minutes=10),
            totp_secret=ENROLLMENT_SECRET,
            totp_uri=f"otpauth://totp/LKLR:{account.email}?secret={ENROLLMENT_SECRET}&issuer=LKLR",
            email=account.email,
        )

    def mail_enrolment_link(self, account: FakeAccount) -> str:
        """What the administrator's role change mails to a staff account without TOTP: a one-time link token."""
        token = secrets.token_urlsafe(32)
        self.enrolment_links = {t: a for t, a in self.enrolment_links.items() if a != account.account_id}
        self.enrolment_links[token] = account.account_id
        return token

    def _ConfirmTotpEnrollment(self, request: c.ConfirmTotpEnrollment) -> c.LoginResult:
        account_id = self.enrollments.get(request.enrollment_token)
        if account_id is None:
            raise RpcError("token_invalid", "Unknown, used or expired enrollment.", 400)
        if request.totp_code != TOTP:
            raise RpcError("invalid_totp", "Wrong code.", 401)
        del self.enrollments[request.enrollment_token]
        account = self.by_id(account_id)
        account.totp_enrolled = True
        self.enrolment_links = {t: a for t, a in self.enrolment_links.items() if a != account_id}
        return self._signed_in(account)

    def _administrator(self, actor: uuid.UUID) -> FakeAccount:
        account = self.by_id(actor)
        if "administrator" not in account.roles:
            raise RpcError("forbidden", "This needs the administrator role.", 403)
        return account

    def _account_view(self, account: FakeAccount) -> c.AccountView:
        return c.AccountView(
            account_id=account.account_id,
            email=account.email,
            initials=account.initials,
            surname=account.surname,
            account_roles=account.roles,
            email_confirmed=account.confirmed,
            totp_enrolled=account.staff and account.totp_enrolled,
            created_at=NOW,
            preferred_language=account.preferred_language,
        )

    def _FindAccount(self, request: c.FindAccount) -> c.AccountView:
        self._administrator(request.actor_account_id)
        account = self.accounts.get(request.email.strip().lower())
        if account is None:
            raise RpcError("account_not_found", "No such account.", 404)
        return self._account_view(account)

    def _SetAccountRoles(self, request: c.SetAccountRoles) -> c.AccountView:
        self._administrator(request.actor_account_id)
        staff_roles = ("office", "accreditation_committee", "assessment_committee", "administrator")
        if any(role not in staff_roles for role in request.roles):
            raise RpcError("unknown_role", "Not a staff role.", 422)
        account = self.by_id(request.account_id)
        kept = [role for role in account.roles if role not in staff_roles]
        new_roles: list[c.AccountRole] = [*kept, *(r for r in staff_roles if r in request.roles)]
        administrators = [a for a in self.accounts.values() if "administrator" in a.roles and a is not account]
        if "administrator" in account.roles and "administrator" not in new_roles and not administrators:
            raise RpcError("last_administrator", "The last administrator keeps the role.", 409)
        if any(role != "professional" for role in new_roles) and not account.staff:
            account.totp_enrolled = False
        if new_roles != account.roles:
            # A change of roles ends every session and token of the account.
            for store in (self.sessions, self.api_tokens):
                for token in [t for t, a in store.items() if a == account.account_id]:
                    del store[token]
        account.roles = new_roles
        if account.staff and not account.totp_enrolled:
            self.mail_enrolment_link(account)
        return self._account_view(account)

    def _ListStaffAccounts(self, request: c.ListStaffAccounts) -> c.StaffAccounts:
        actor = self.by_id(request.actor_account_id)
        if "office" not in actor.roles and "administrator" not in actor.roles:
            raise RpcError("forbidden", "This needs the office role.", 403)
        return c.StaffAccounts(
            accounts=[
                account.staff_view(totp_enrolled=account.totp_enrolled)
                for account in sorted(self.accounts.values(), key=lambda a: a.surname)
                if account.staff and (request.role is None or request.role in account.roles)
            ]
        )

    def _authenticated(self, token: str, store: dict[str, uuid.UUID], kind: str) -> c.AuthenticatedAccount:
        account_id = store.get(token)
        if account_id is None:
            raise RpcError("session_invalid", "Not a valid session.", 401)
        account = self.by_id(account_id)
        second_factor = token not in self.password_only
        return c.AuthenticatedAccount(
            account_id=account.account_id,
            email=account.email,
            initials=account.initials,
            surname=account.surname,
            account_roles=_usable(account.roles, second_factor),
            token_kind=kind,  # type: ignore[arg-type]
            expires_at=NOW + timedelta(hours=12),
            second_factor=second_factor and account.staff,
            second_factor_pending=not second_factor and account.staff,
            preferred_language=account.preferred_language,
        )

    def _ValidateSession(self, request: c.ValidateSession) -> c.AuthenticatedAccount:
        return self._authenticated(request.session_token, self.sessions, "session")

    def _VerifyApiToken(self, request: c.VerifyApiToken) -> c.AuthenticatedAccount:
        return self._authenticated(request.token, self.api_tokens, "api")

    def _EndSession(self, request: c.EndSession) -> c.SessionEnded:
        self.sessions.pop(request.session_token, None)
        return c.SessionEnded()

    def _IssueApiToken(self, request: c.IssueApiToken) -> c.ApiTokenIssued:
        account = self.accounts.get(request.email)
        if account is None or account.password != request.password:
            raise RpcError("invalid_credentials", "Wrong e-mail or password.", 401)
        enrolled_staff = account.staff and account.totp_enrolled
        if enrolled_staff and request.totp_code is None:
            raise RpcError("totp_required", "Staff must send their TOTP code.", 401)
        if enrolled_staff and request.totp_code != TOTP:
            raise RpcError("invalid_totp", "Wrong code.", 401)
        token = secrets.token_urlsafe(32)
        self.api_tokens[token] = account.account_id
        if not enrolled_staff:
            self.password_only.add(token)
        return c.ApiTokenIssued(
            token=token,
            account_id=account.account_id,
            account_roles=_usable(account.roles, enrolled_staff),
            expires_at=NOW + timedelta(days=30),
            second_factor=enrolled_staff,
        )

    def _SignUp(self, request: c.SignUp) -> c.SignUpAccepted:
        if "@" not in request.email:
            raise RpcError(
                "invalid_sign_up",
                "Not an e-mail address.",
                422,
                problems=[Problem("email_invalid", "Not an e-mail address.")],
            )
        if len(request.password) < 10:
            raise RpcError(
                "invalid_sign_up",
                "At least 10 characters.",
                422,
                problems=[Problem("password_too_short", "At least 10 characters.")],
            )
        return c.SignUpAccepted(email=request.email)

    def _ConfirmEmail(self, request: c.ConfirmEmail) -> c.EmailConfirmed:
        if request.token != "good-token":
            raise RpcError("token_invalid", "Unknown or used token.", 400)
        return c.EmailConfirmed(account_id=uuid.uuid4(), email="new@example.nl")

    def _RequestPasswordReset(self, request: c.RequestPasswordReset) -> c.PasswordResetRequested:
        return c.PasswordResetRequested()

    def _ResetPassword(self, request: c.ResetPassword) -> c.PasswordChanged:
        if request.token != "good-token":
            raise RpcError("token_invalid", "Unknown or used token.", 400)
        return c.PasswordChanged(account_id=uuid.uuid4())

    def _person(self, account: FakeAccount) -> c.PersonView:
        registration = self.registrations.get(account.account_id)
        return c.PersonView(
            person_id=account.account_id,
            email=account.email,
            initials=account.initials,
            surname=account.surname,
            roles=["leerplichtambtenaar"] if registration else [],
            employer_name="Gemeente Utrecht" if registration else None,
            employer_kind="municipality" if registration else None,
            hours_per_week=Decimal(24) if registration else None,
            minimum_hours_per_week=Decimal(16),
            below_minimum_hours=False,
            registration_number=registration.registration_number if registration else None,
            registration_status=registration.status if registration else None,
        )

    def _GetMyPerson(self, request: c.GetMyPerson) -> c.PersonView:
        return self._person(self.by_id(request.actor_account_id))

    def _GetMyRegistration(self, request: c.GetMyRegistration) -> c.RegistrationView:
        registration = self.registrations.get(request.actor_account_id)
        if registration is None:
            raise RpcError("not_registered", "Not registered.", 404)
        return registration

    def _GetMyApplication(self, request: c.GetMyApplication) -> c.ApplicationView:
        application = self.applications.get(request.actor_account_id)
        if application is None:
            raise RpcError("no_application", "Never applied.", 404)
        return application

    def _ApplyForRegistration(self, request: c.ApplyForRegistration) -> c.ApplicationView:
        account = self.by_id(request.actor_account_id)
        if request.hours_per_week < 16:
            raise RpcError(
                "invalid_application",
                "Registration requires at least 16 hours.",
                422,
                problems=[Problem("too_few_hours", "Registration requires at least 16 hours.")],
            )
        view = c.ApplicationView(
            application_id=uuid.uuid4(),
            person_id=account.account_id,
            applicant_initials=account.initials,
            applicant_surname=account.surname,
            applicant_email=account.email,
            roles=request.roles,
            employer_name=request.employer_name,
            employer_kind=request.employer_kind,
            hours_per_week=request.hours_per_week,
            submitted_at=NOW,
            status="pending",
        )
        self.applications[account.account_id] = view
        return view

    def _office(self, actor: uuid.UUID) -> FakeAccount:
        account = self.by_id(actor)
        if "office" not in account.roles:
            raise RpcError("forbidden", "This needs the office role.", 403)
        return account

    def _ListPendingApplications(self, request: c.ListPendingApplications) -> c.PendingApplications:
        self._office(request.actor_account_id)
        return c.PendingApplications(applications=[a for a in self.applications.values() if a.status == "pending"])

    def _DecideApplication(self, request: c.DecideApplication) -> c.ApplicationView:
        self._office(request.actor_account_id)
        for person_id, application in self.applications.items():
            if application.application_id == request.application_id:
                if application.status != "pending":
                    raise RpcError("already_decided", "Decided already.", 409)
                decided = application.model_copy(
                    update={
                        "status": "approved" if request.decision == "approve" else "rejected",
                        "reason": request.reason or None,
                        "decided_on": NOW.date(),
                        "registration_number": "0000021" if request.decision == "approve" else None,
                    }
                )
                self.applications[person_id] = decided
                return decided
        raise RpcError("not_found", "No such application.", 404)

    def _SetWorkingTotal(self, request: c.SetWorkingTotal) -> c.WorkingTotalRecorded:
        self._office(request.actor_account_id)
        return c.WorkingTotalRecorded(year=request.year, total=request.total, per_role=request.per_role)

    def _ListEligibilityNotices(self, request: c.ListEligibilityNotices) -> c.EligibilityNotices:
        self._office(request.actor_account_id)
        return c.EligibilityNotices(notices=[])

    def _SetPreferredLanguage(self, request: c.SetPreferredLanguage) -> c.AccountView:
        account = self.by_id(request.actor_account_id)
        account.preferred_language = request.language
        return self._account_view(account)

    def _UpdateMyPerson(self, request: c.UpdateMyPerson) -> c.PersonUpdateResult:
        account = self.by_id(request.actor_account_id)
        below = request.hours_per_week is not None and request.hours_per_week < 16
        return c.PersonUpdateResult(person=self._person(account), eligibility_notice_recorded=below)

    def _entries(self) -> list[c.RegisterEntry]:
        return [
            c.RegisterEntry(
                registration_number=view.registration_number,
                name=f"{view.initials} {view.surname}",
                roles=view.roles,
                status=view.status,
                registered_since=view.registered_since,
                valid_until=view.valid_until,
            )
            for view in self.registrations.values()
        ]

    def _SearchRegister(self, request: c.SearchRegister) -> c.RegisterSearchResults:
        found = [
            e for e in self._entries() if request.q.lower() in e.name.lower() or request.q == e.registration_number
        ]
        return c.RegisterSearchResults(entries=found)

    def _GetRegisterEntry(self, request: c.GetRegisterEntry) -> c.RegisterEntry:
        for entry in self._entries():
            if entry.registration_number == request.registration_number:
                return entry
        raise RpcError("not_found", "No such registration.", 404)

    def _ExportMyData(self, request: c.ExportMyData) -> c.MyDataExport:
        account = self.by_id(request.actor_account_id)
        return c.MyDataExport(
            exported_at=NOW,
            account=c.AccountView(
                account_id=account.account_id,
                email=account.email,
                initials=account.initials,
                surname=account.surname,
                account_roles=account.roles,
                email_confirmed=True,
                totp_enrolled=account.staff,
                created_at=NOW,
            ),
            person=self._person(account),
            applications=[a for p, a in self.applications.items() if p == account.account_id],
            registration=self.registrations.get(account.account_id),
            eligibility_notices=[],
            login_attempts=[],
            audit_trail=[],
            mails=[],
            tokens=[],
            retention=self._GetMyRetention(c.GetMyRetention(actor_account_id=account.account_id)).entries,
        )

    def _GetRetentionSchedule(self, request: c.GetRetentionSchedule) -> c.RetentionSchedule:
        return c.RetentionSchedule(
            entries=[
                c.RetentionEntry(
                    data_kind="account", period_days=365, kept_until=None, legal_ground="avg_storage_limitation"
                )
            ]
        )

    def _GetMyRetention(self, request: c.GetMyRetention) -> c.RetentionSchedule:
        account = self.by_id(request.actor_account_id)
        if account.account_id not in self.registrations:
            return c.RetentionSchedule(
                entries=[
                    c.RetentionEntry(
                        data_kind="account", period_days=365, kept_until=None, legal_ground="avg_storage_limitation"
                    )
                ]
            )
        return c.RetentionSchedule(
            entries=[
                c.RetentionEntry(
                    data_kind="registration", period_days=2555, kept_until=None, legal_ground="archiefwet_decisions"
                ),
                c.RetentionEntry(
                    data_kind="portfolio", period_days=730, kept_until=None, legal_ground="awb_objection_and_appeal"
                ),
            ]
        )

    def _EraseMyAccount(self, request: c.EraseMyAccount) -> c.AccountErasureStarted:
        """The registry's refusals (a registration, a pending application) and, otherwise, the account gone with
        every session."""
        account = self.by_id(request.actor_account_id)
        reason = None
        if account.account_id in self.registrations:
            reason = "registration_running"
        elif (application := self.applications.get(account.account_id)) and application.status == "pending":
            reason = "application_pending"
        if reason is not None:
            raise RpcError("erasure_refused", "Not erased.", 409, problems=[Problem(reason, "Not erased.")])
        if not request.confirm:
            raise RpcError("erasure_not_confirmed", "Confirm.", 422)
        del self.accounts[account.email]
        for token in [token for token, owner in self.sessions.items() if owner == account.account_id]:
            del self.sessions[token]
        return c.AccountErasureStarted(erasure_id=uuid.uuid4(), pseudonym="pseudonym:" + "0" * 32, erased_at=NOW)

    def _ListDevMail(self, request: c.ListDevMail) -> c.DevMailbox:
        return c.DevMailbox(
            messages=[
                c.DevMail(
                    mail_id="m1",
                    to="new@example.nl",
                    subject="Bevestig uw e-mailadres",
                    body="Beste <A.>,\n\nhttp://127.0.0.1:8000/account/bevestigen?token=abc_DEF-123\n",
                    sent_at=NOW,
                )
            ]
        )


def _usable(roles: list[c.AccountRole], second_factor: bool) -> list[c.AccountRole]:
    """The roles a token may use: staff roles only with the second factor (the registry's rule)."""
    return roles if second_factor else [role for role in roles if role == "professional"]
