"""Contracts owned by the registry service: people, accounts, registrations, cycles and decisions.

Requests from the gateway
-------------------------
Every request that acts for a signed-in person carries ``actor_account_id``: the account the gateway
authenticated (from its session cookie, via ``ValidateSession``, or from a bearer token, via
``VerifyApiToken``). The registry loads that account's roles from its own tables and checks them, and checks
per object that the actor may see or change it; the gateway never passes roles in. Commands that change
something also carry ``client_ip`` (where the request came from), written to the registry's audit trail.
Public-register lookups carry ``client_key`` (the client's IP as the gateway sees it) for the rate limit.

Errors come back as ``RpcError(code, message, status)``. The codes the registry uses (status: code: meaning):

- 400 token_invalid: a confirmation, reset or TOTP enrollment token is unknown, used, superseded or expired
- 401 invalid_credentials: wrong e-mail or password (never says which)
- 401 invalid_totp: staff sign-in (or ConfirmTotpEnrollment) with a wrong or already used TOTP code
- 401 totp_required: IssueApiToken for a staff account without a TOTP code
- 401 session_invalid: session or API token unknown, expired, ended/revoked, or of the other kind
- 401 actor_unknown: ``actor_account_id`` names no confirmed account
- 403 email_not_confirmed: right password, but the address was never confirmed
- 403 totp_not_enrolled: no longer given (a staff account without a TOTP secret signs in with the password as a
  professional; it enrols from the mailed link with StartSecondFactorEnrolment and ConfirmTotpEnrollment)
- 403 forbidden: the actor lacks the role the request needs (the refusal is audited)
- 403 own_application: the office cannot decide its own application
- 403 demo_commands_disabled: CreateDemoAccount / GrantDemoRegistration switched off, or RunScheduledJobs
  without an acting office account while they are
- 404 account_not_found: SetAccountRoles or FindAccount for an account that does not exist
- 404 not_found: no such object, or not one the actor may see (never says which)
- 404 no_application: GetMyApplication when the actor never applied
- 404 not_registered: GetMyRegistration without a registration
- 409 registration_not_active: IssueMyCredential while the registration is expired, suspended or struck off
  (also ExtendCycle)
- 404 dev_mail_disabled: ListDevMail while mail goes out by SMTP
- 409 last_administrator: SetAccountRoles would leave no account with the administrator role
- 409 sign_up_in_progress: two sign-ups for one new address raced; try again
- 409 application_pending: ApplyForRegistration while an application is pending
- 409 already_registered: ApplyForRegistration (or an approval) while registered and not expired
- 409 struck_off: a struck-off person cannot apply again
- 409 already_decided: DecideApplication on a decided application
- 409 illegal_status_change: ChangeRegistrationStatus the rules do not allow (the message says why)
- 409 registration_not_active: ExtendCycle on an expired or struck-off registration
- 409 erasure_refused: EraseMyAccount while the person has a registration or an application waiting (the
  message says which); ``problems`` holds one entry whose code is the reason (registration_running,
  application_pending, registration_kept, staff_account)
- 422 erasure_not_confirmed: EraseMyAccount without ``confirm=True``
- 422 invalid_sign_up, invalid_password: ``problems`` lists every broken rule (its code and text)
- 422 invalid_application: likewise (no_role, employer_name_missing, hours_invalid, too_few_hours, ...)
- 422 invalid_decision: e.g. a rejection without a reason
- 422 reason_required: suspending or striking off without a reason
- 422 invalid_person_change: a problem whose code is the field
- 422 invalid_working_total: an impossible figure
- 422 invalid_extension: ExtendCycle with a blank case reference (or otherwise not an extension)
- 422 extension_limit_exceeded: ExtendCycle would take the case over the scheme's maximum weeks per case
  (default 16); the message says how many weeks the case already has
- 422 invalid_search: a problem ``query_too_short`` / ``query_too_long``
- 422 invalid_registration_number: a problem whose code is the reason (mistyped, wrong_length, wrong_format,
  not_issued, empty)
- 422 unknown_role: SetAccountRoles with a role that is not a staff role
- 422 totp_secret_required: CreateDemoAccount for staff without a TOTP secret
- 429 too_many_attempts: sign-in throttled (backoff or lockout); ``retry_after`` says how many seconds to wait
- 429 rate_limited: public-register lookups over the limit; ``retry_after`` likewise
- 404 decision_not_found: FileObjection against a decision that does not exist or is not the actor's own
- 404 objection_not_found: an office objection command for an unknown objection
- 409 objection_exists: FileObjection against a decision already objected to
- 409 already_acknowledged, already_extended, objection_decided: an objection step the flow does not allow
- 422 objection_late: FileObjection after the filing deadline (the message gives the deadline)
- 422 reasons_required, reasons_too_long, place_required, hearing_in_past, hearing_after_deadline: an objection
  step with a missing or impossible value

A malformed request (pydantic validation) is 400 bad_request from the kit.

"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Generic, Literal

from pydantic import Field

from lklr_shared.contracts.access import PUBLIC, Access, signed_in, staff
from lklr_shared.contracts.base import Command, Event, Message, Query, Reply, ReplyT
from lklr_shared.contracts.objections import ObjectionOutcomeName, ObjectionSteps, ObjectionYearCounts

Role = Literal["leerplichtambtenaar", "rmc_medewerker"]
EmployerKind = Literal["municipality", "region", "rbl"]
# The language of a mail: the page's language for a mail the person asked for on that page, the account's
# preferred language (Account*.preferred_language) for every mail sent later on; Dutch when not said.
MailLanguage = Literal["nl", "en"]
AccountRole = Literal["professional", "office", "accreditation_committee", "assessment_committee", "administrator"]
RegistrationStatusName = Literal[
    "applied", "registered", "reregistration_pending", "expired", "suspended", "struck_off"
]
ApplicationStatusName = Literal["pending", "approved", "rejected"]


class RegistrationGranted(Event):
    """The office approved an application: the person is registered from `registered_since`."""

    wire_name: ClassVar[str] = "registry.RegistrationGranted"

    person_id: uuid.UUID
    registration_number: str
    initials: str
    surname: str
    roles: list[Role]
    employer_id: str
    registered_since: date


class ObjectionEvidenceShared(Event):
    """A person filed an objection with files from their portfolio: the register office may read those files (the
    portfolio keeps this as a grant, checks it on every read and logs each read)."""

    wire_name: ClassVar[str] = "registry.ObjectionEvidenceShared"

    objection_id: uuid.UUID
    person_id: uuid.UUID
    evidence_ids: list[uuid.UUID]


class RegistrationStatusChanged(Event):
    """A registration moved from one status to another (kept as history by every reader)."""

    wire_name: ClassVar[str] = "registry.RegistrationStatusChanged"

    person_id: uuid.UUID
    registration_number: str
    old_status: str
    new_status: str
    effective_on: date
    reason: str = ""


class CycleOpened(Event):
    """A registration cycle started; activities completed from `starts_on` to `ends_on` count in it.

    Published again, with the same `cycle_id` and a later `ends_on`, when the office extends the cycle (illness
    or pregnancy): readers upsert cycles by `cycle_id`.
    """

    wire_name: ClassVar[str] = "registry.CycleOpened"

    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    sequence: int
    starts_on: date
    ends_on: date
    scheme_version: str


class ReregistrationRequested(Event):
    """A professional applied for re-registration for a cycle (the registry took the frozen dossier as a timely
    application; the registration is reregistration_pending until the decision)."""

    wire_name: ClassVar[str] = "registry.ReregistrationRequested"

    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    requested_on: date


class ReregistrationDecided(Event):
    """The outcome of a re-registration: granted (next cycle follows, announced by CycleOpened) or not granted
    (the registration lapses the day after the cycle end)."""

    wire_name: ClassVar[str] = "registry.ReregistrationDecided"

    person_id: uuid.UUID
    registration_number: str
    cycle_id: uuid.UUID
    granted: bool
    decided_on: date
    reason: str = ""


# The kinds of personal data the retention schedule covers (registry.domain.retention says for how long each is
# kept and why). Each service erases the kinds it holds when PersonErasureRequested names them.
DataKind = Literal["account", "registration", "portfolio", "audit_dossiers", "attendance", "logs"]
ErasureReason = Literal["on_request", "retention_passed"]


class PersonErasureRequested(Event):
    """Forget a person's data of the listed kinds (an account erased on request, or a retention period that
    passed after the registration ended). Each service erases what it holds of those kinds and confirms with its
    own ``<service>.PersonErased`` carrying the same ``erasure_id``. ``pseudonym`` is the only name under which
    the erasure may be written to a security log: a keyed hash of the person id (never the name or number)."""

    wire_name: ClassVar[str] = "registry.PersonErasureRequested"

    erasure_id: uuid.UUID
    person_id: uuid.UUID
    pseudonym: str
    kinds: list[DataKind]
    reason: ErasureReason


class PersonUpdated(Event):
    """A person's register-relevant data changed (name, roles, employer, hours)."""

    wire_name: ClassVar[str] = "registry.PersonUpdated"

    person_id: uuid.UUID
    initials: str
    surname: str
    roles: list[Role]
    employer_id: str
    employer_name: str
    employer_kind: EmployerKind
    hours_per_week: float


class GetStatistics(Query["Statistics"]):
    """Query: the public statistics of the register (anonymous; not rate limited).

    ``year`` picks the office's working total of that year; default: the current year in the register's time
    zone. The registered count is always today's.
    """

    wire_name: ClassVar[str] = "registry.GetStatistics"
    access: ClassVar[Access] = PUBLIC

    year: int | None = None


class Statistics(Reply):
    """Reply to GetStatistics.

    ``registered`` counts people whose status is registered or reregistration_pending (a timely re-registration
    keeps them registered). ``percentage`` is registered / working total, rounded, never 0 or 100 unless
    exact; None when the office entered no working total for the year. ``per_role`` counts registered people
    per role (someone in both roles counts in both); ``working_total_per_role`` and ``percentage_per_role``
    are filled for the roles the office gave a total for.
    """

    wire_name: ClassVar[str] = "registry.Statistics"

    registered: int
    working_total: int | None
    percentage: float | None
    per_role: dict[str, int] = {}
    year: int | None = None
    working_total_per_role: dict[str, int] = {}
    percentage_per_role: dict[str, float | None] = {}


class GrantDemoRegistration(Command["RegistrationReceipt"]):
    """Command (demo and tests only): register a person directly, skipping the application flow.

    Without ``person_id`` a new person (without an account) is made; with it, the existing person (e.g. a
    demo account made by CreateDemoAccount) is registered. Refused with 403 demo_commands_disabled when the
    registry runs with REGISTRY_ALLOW_DEMO_COMMANDS=false.
    """

    wire_name: ClassVar[str] = "registry.GrantDemoRegistration"
    access: ClassVar[Access] = staff({"office", "administrator"})

    initials: str
    surname: str
    roles: list[Role]
    employer_id: str
    registered_since: date
    person_id: uuid.UUID | None = None


class RegistrationReceipt(Reply):
    """Reply to GrantDemoRegistration."""

    wire_name: ClassVar[str] = "registry.RegistrationReceipt"

    person_id: uuid.UUID
    registration_number: str


# ---------------------------------------------------------------------------------------------------------------
# Request/reply building blocks


class _ActingCommand(Command[ReplyT], Generic[ReplyT]):
    """A command on behalf of a signed-in account; ``client_ip`` goes into the audit trail."""

    actor_account_id: uuid.UUID
    client_ip: str = ""


class _ActingQuery(Query[ReplyT], Generic[ReplyT]):
    """A query on behalf of a signed-in account."""

    actor_account_id: uuid.UUID


# ---------------------------------------------------------------------------------------------------------------
# Accounts and sign-in


class SignUp(Command["SignUpAccepted"]):
    """Command: create an unconfirmed account (role professional) and e-mail a single-use confirmation link.

    The reply is the same whether or not the address already has an account (no account enumeration): an
    existing confirmed account gets a mail saying someone tried to sign up with it; an existing unconfirmed
    account takes the new password and name and gets a fresh link (older links stop working).

    ``language`` is the sign-up page's: the confirmation mail's, and the new (or still unconfirmed) account's
    preferred language for every later mail.
    """

    wire_name: ClassVar[str] = "registry.SignUp"
    access: ClassVar[Access] = PUBLIC

    email: str
    password: str
    initials: str
    surname: str
    client_ip: str = ""
    language: MailLanguage = "nl"


class SignUpAccepted(Reply):
    """Reply to SignUp: "check your mail", always the same. ``email`` is the address as the registry stores it."""

    wire_name: ClassVar[str] = "registry.SignUpAccepted"

    email: str


class ConfirmEmail(Command["EmailConfirmed"]):
    """Command: confirm an address with the token from the confirmation mail (single use)."""

    wire_name: ClassVar[str] = "registry.ConfirmEmail"
    access: ClassVar[Access] = PUBLIC

    token: str
    client_ip: str = ""


class EmailConfirmed(Reply):
    """Reply to ConfirmEmail. The gateway may now offer to sign in; it does not sign in by itself."""

    wire_name: ClassVar[str] = "registry.EmailConfirmed"

    account_id: uuid.UUID
    email: str


class RequestEmailConfirmation(Command["EmailConfirmationRequested"]):
    """Command: send a fresh confirmation link to an unconfirmed account (same reply whatever the address)."""

    wire_name: ClassVar[str] = "registry.RequestEmailConfirmation"
    access: ClassVar[Access] = PUBLIC

    email: str
    client_ip: str = ""
    language: MailLanguage = "nl"


class EmailConfirmationRequested(Reply):
    """Reply to RequestEmailConfirmation: always the same."""

    wire_name: ClassVar[str] = "registry.EmailConfirmationRequested"


class Login(Command["LoginResult"]):
    """Command: sign in with e-mail and password, plus the current TOTP code for staff accounts.

    Staff without ``totp_code``: the reply says ``totp_required`` (not authenticated, no session; the gateway
    asks for the code and sends the whole form again). A wrong code is 401 invalid_totp. Staff without an enrolled
    TOTP secret are signed in with the password only: the session carries no staff role and the reply says
    ``second_factor_pending`` (enrolment starts from the mailed link, see StartSecondFactorEnrolment). Every attempt
    is logged; repeated failures back off and then lock the address (429 too_many_attempts).
    """

    wire_name: ClassVar[str] = "registry.Login"
    access: ClassVar[Access] = PUBLIC

    email: str
    password: str
    totp_code: str | None = None
    client_ip: str = ""


class LoginResult(Reply):
    """Reply to Login. When ``authenticated``, a server-side session was opened: keep ``session_token`` in the
    signed cookie, check it with ValidateSession, and end it with EndSession at logout."""

    wire_name: ClassVar[str] = "registry.LoginResult"

    authenticated: bool
    totp_required: bool = False
    # Reply to StartSecondFactorEnrolment: a fresh secret is pending for the account. Show ``totp_secret`` /
    # ``totp_uri`` once and confirm with ConfirmTotpEnrollment(``enrollment_token``, code) before
    # ``enrollment_expires_at``. Never stored by the gateway beyond the enrollment page. (Login never starts an
    # enrolment: it starts from the link an administrator's role change mails.)
    totp_enrollment_required: bool = False
    enrollment_token: str | None = None
    enrollment_expires_at: datetime | None = None
    totp_secret: str | None = None
    totp_uri: str | None = None
    account_id: uuid.UUID | None = None
    email: str | None = None
    initials: str | None = None
    surname: str | None = None
    # The roles this session may use: staff roles only when ``second_factor`` was passed at sign-in.
    account_roles: list[AccountRole] = []
    session_token: str | None = None
    session_expires_at: datetime | None = None
    # Whether this sign-in passed the second factor (a TOTP code).
    second_factor: bool = False
    # The account holds staff roles it cannot use yet: its second factor is to be enrolled through the link the
    # administrator's role change mailed (this session is a professional's only).
    second_factor_pending: bool = False


class StartSecondFactorEnrolment(Command[LoginResult]):
    """Command: start the TOTP enrolment of a staff account from the link an administrator's role change mailed
    (``token``, single use, only its hash stored) and the account's password (reply: LoginResult with
    ``totp_enrollment_required`` and a pending secret). Knowing the password alone is not enough, nor is the link
    alone. Same login log, backoff and lockout as Login for the account's address: a wrong password is 401
    invalid_credentials and counts as a failure; an unknown, used, replaced or expired link, or an account that is
    no longer staff or already enrolled, is 400 token_invalid. The link stays usable until the enrolment is
    confirmed or it expires, so a secret not scanned in time can be fetched again."""

    wire_name: ClassVar[str] = "registry.StartSecondFactorEnrolment"
    access: ClassVar[Access] = PUBLIC

    token: str
    password: str
    client_ip: str = ""


class ConfirmTotpEnrollment(Command[LoginResult]):
    """Command: activate the TOTP secret StartSecondFactorEnrolment left pending (``totp_enrollment_required``) with
    a current code from it, and open a session as a normal staff sign-in does (reply: LoginResult, with the second
    factor passed). ``enrollment_token`` is the short-lived, single-use token from that reply (only its hash is
    stored); the mailed link is spent. Same login log, backoff and lockout as Login for the account's address: a
    wrong code is 401 invalid_totp and counts as a failure; an unknown, used, replaced or expired token is 400
    token_invalid."""

    wire_name: ClassVar[str] = "registry.ConfirmTotpEnrollment"
    access: ClassVar[Access] = PUBLIC

    enrollment_token: str
    totp_code: str
    client_ip: str = ""


class ValidateSession(Query["AuthenticatedAccount"]):
    """Query: who holds this session token, with their current roles (401 session_invalid when it is not
    valid: unknown, expired, ended, or ended by a password reset)."""

    wire_name: ClassVar[str] = "registry.ValidateSession"
    access: ClassVar[Access] = PUBLIC

    session_token: str


class AuthenticatedAccount(Reply):
    """Reply to ValidateSession and VerifyApiToken: the account behind a valid token, roles as they are now, and
    of those only what the token may use: staff roles count only for a token whose sign-in passed the second
    factor. Changing an account's roles ends its sessions and tokens."""

    wire_name: ClassVar[str] = "registry.AuthenticatedAccount"

    account_id: uuid.UUID
    email: str
    initials: str
    surname: str
    account_roles: list[AccountRole]
    token_kind: Literal["session", "api"]
    expires_at: datetime
    second_factor: bool = False
    # Staff roles the account holds that this token cannot use (signed in without the second factor).
    second_factor_pending: bool = False
    # The language of the mails the registry sends the account later on (see SetPreferredLanguage).
    preferred_language: MailLanguage = "nl"


class EndSession(Command["SessionEnded"]):
    """Command: end a session (logout). Ending an unknown or ended session is not an error."""

    wire_name: ClassVar[str] = "registry.EndSession"
    access: ClassVar[Access] = PUBLIC

    session_token: str
    client_ip: str = ""


class SessionEnded(Reply):
    """Reply to EndSession."""

    wire_name: ClassVar[str] = "registry.SessionEnded"


class IssueApiToken(Command["ApiTokenIssued"]):
    """Command: exchange e-mail, password (and TOTP code for staff with an enrolled second factor, required) for
    an API bearer token.

    Same checks, logging and throttling as Login. A staff account whose second factor is not enrolled yet gets a
    token without staff roles. Only the token's hash is stored; the token itself is in the reply, once.
    """

    wire_name: ClassVar[str] = "registry.IssueApiToken"
    access: ClassVar[Access] = PUBLIC

    email: str
    password: str
    totp_code: str | None = None
    client_ip: str = ""
    label: str = ""


class ApiTokenIssued(Reply):
    """Reply to IssueApiToken: send ``token`` as ``Authorization: Bearer <token>`` until ``expires_at``."""

    wire_name: ClassVar[str] = "registry.ApiTokenIssued"

    token: str
    account_id: uuid.UUID
    # The roles the token may use (staff roles only with the second factor passed).
    account_roles: list[AccountRole]
    expires_at: datetime
    second_factor: bool = False


class VerifyApiToken(Query[AuthenticatedAccount]):
    """Query: the account behind an API bearer token (401 session_invalid when not valid)."""

    wire_name: ClassVar[str] = "registry.VerifyApiToken"
    access: ClassVar[Access] = PUBLIC

    token: str


class RevokeApiToken(Command["ApiTokenRevoked"]):
    """Command: revoke an API token (whoever holds it may). Revoking an unknown token is not an error."""

    wire_name: ClassVar[str] = "registry.RevokeApiToken"
    access: ClassVar[Access] = PUBLIC

    token: str
    client_ip: str = ""


class ApiTokenRevoked(Reply):
    """Reply to RevokeApiToken."""

    wire_name: ClassVar[str] = "registry.ApiTokenRevoked"


class RequestPasswordReset(Command["PasswordResetRequested"]):
    """Command: e-mail a single-use, expiring reset link if the address has an account. The reply is always
    the same, so it cannot tell whether an account exists."""

    wire_name: ClassVar[str] = "registry.RequestPasswordReset"
    access: ClassVar[Access] = PUBLIC

    email: str
    client_ip: str = ""
    language: MailLanguage = "nl"


class PasswordResetRequested(Reply):
    """Reply to RequestPasswordReset: always the same."""

    wire_name: ClassVar[str] = "registry.PasswordResetRequested"


class ResetPassword(Command["PasswordChanged"]):
    """Command: set a new password with a reset token (single use). Ends every session and API token of the
    account, lifts a sign-in lockout, and confirms the address (the mail proved it)."""

    wire_name: ClassVar[str] = "registry.ResetPassword"
    access: ClassVar[Access] = PUBLIC

    token: str
    new_password: str
    client_ip: str = ""


class PasswordChanged(Reply):
    """Reply to ResetPassword."""

    wire_name: ClassVar[str] = "registry.PasswordChanged"

    account_id: uuid.UUID


class GetMyAccount(_ActingQuery["AccountView"]):
    """Query: the actor's own account."""

    wire_name: ClassVar[str] = "registry.GetMyAccount"
    access: ClassVar[Access] = signed_in("actor_account_id")


class AccountView(Reply):
    """Reply to GetMyAccount (also part of MyDataExport)."""

    wire_name: ClassVar[str] = "registry.AccountView"

    account_id: uuid.UUID
    email: str
    initials: str
    surname: str
    account_roles: list[AccountRole]
    email_confirmed: bool
    totp_enrolled: bool
    created_at: datetime
    # The language of the mails the registry sends the account later on (see SetPreferredLanguage).
    preferred_language: MailLanguage = "nl"


class SetPreferredLanguage(_ActingCommand["AccountView"]):
    """Command: the language of every mail the registry sends the actor from now on (decisions, reminders, audit
    news; a mail asked for on a page still comes in that page's language). Sign-up sets it first, to the language
    of the sign-up page. Setting the language it already has changes nothing. Replies with the account."""

    wire_name: ClassVar[str] = "registry.SetPreferredLanguage"
    access: ClassVar[Access] = signed_in("actor_account_id")

    language: MailLanguage


StaffRole = Literal["office", "accreditation_committee", "assessment_committee", "administrator"]


class StaffAccountView(Message):
    """One staff account as the office's pages show it (a nested value).

    ``registration_number`` and ``registration_status`` are set when the account's person has a registration (an
    account id is its person id); ``registered_professional`` says whether that registration is in the register
    (registered, reregistration_pending or suspended). ``employer_name`` is the employer the person gave (None when
    never given) and ``employer_id`` the key other services know that employer by (the audit's conflict-of-interest
    rule compares it with the employer key of the professional under review).
    """

    account_id: uuid.UUID
    email: str
    initials: str
    surname: str
    account_roles: list[AccountRole]
    registered_professional: bool = False
    registration_number: str | None = None
    registration_status: RegistrationStatusName | None = None
    employer_name: str | None = None
    employer_id: str | None = None
    # Whether the account has an active TOTP secret (false: its second factor is still to be enrolled).
    totp_enrolled: bool | None = None


class ListStaffAccounts(_ActingQuery["StaffAccounts"]):
    """Query (office or administrator, 403 forbidden otherwise): the accounts that hold a staff role, by surname; with ``role``
    only those that hold that role (e.g. the assessment committee, whom the office registers as reviewers)."""

    wire_name: ClassVar[str] = "registry.ListStaffAccounts"
    access: ClassVar[Access] = staff({"office", "administrator"}, "actor_account_id")

    role: StaffRole | None = None


class StaffAccounts(Reply):
    """Reply to ListStaffAccounts."""

    wire_name: ClassVar[str] = "registry.StaffAccounts"

    accounts: list[StaffAccountView]


class FindAccount(_ActingQuery[AccountView]):
    """Query (administrator only, 403 forbidden otherwise): the account with exactly this e-mail address (404
    account_not_found when there is none), with its roles and whether TOTP is enrolled."""

    wire_name: ClassVar[str] = "registry.FindAccount"
    access: ClassVar[Access] = staff({"administrator"}, "actor_account_id")

    email: str


class SetAccountRoles(_ActingCommand[AccountView]):
    """Command (administrator only, 403 forbidden otherwise): set which staff roles an account holds; the
    ``professional`` role stays as it is. 404 account_not_found, 409 last_administrator (nobody would be left with
    the administrator role), 422 unknown_role (``roles`` holds something other than a staff role). The change is
    written to the audit trail (who, what before and after, when, result). Changing the roles ends every session and
    API token of the account. A staff role given to an account without a TOTP secret mails it a one-time enrolment
    link (again each time the roles are saved while the enrolment is pending); its staff roles count only once it
    has signed in with a code. Reply: AccountView."""

    wire_name: ClassVar[str] = "registry.SetAccountRoles"
    access: ClassVar[Access] = staff({"administrator"}, "actor_account_id")

    account_id: uuid.UUID
    roles: list[str]


class CreateDemoAccount(Command["DemoAccountReady"]):
    """Command (demo and tests only): create a confirmed account with a known password and, for staff, a
    fixed TOTP secret (base32). Idempotent by e-mail: an existing account is left as it is."""

    wire_name: ClassVar[str] = "registry.CreateDemoAccount"
    access: ClassVar[Access] = staff({"administrator"})

    email: str
    password: str
    initials: str
    surname: str
    account_roles: list[AccountRole] = ["professional"]
    totp_secret: str | None = None


class DemoAccountReady(Reply):
    """Reply to CreateDemoAccount; ``created`` is false when the account already existed."""

    wire_name: ClassVar[str] = "registry.DemoAccountReady"

    account_id: uuid.UUID
    created: bool


# ---------------------------------------------------------------------------------------------------------------
# Registration applications and registrations


class ApplyForRegistration(_ActingCommand["ApplicationView"]):
    """Command: the actor applies for registration. Checked against the scheme in force (minimum hours per
    week, default 16); all broken rules come back at once (422 invalid_application). A person whose
    registration expired may apply again (re-entry; they keep their number)."""

    wire_name: ClassVar[str] = "registry.ApplyForRegistration"
    access: ClassVar[Access] = signed_in("actor_account_id")

    roles: list[Role]
    employer_name: str
    employer_kind: EmployerKind
    hours_per_week: Decimal
    declaration_accepted: bool


class ApplicationView(Reply):
    """Reply to ApplyForRegistration, GetMyApplication, GetApplication and DecideApplication.

    ``registration_number`` is set once the application is approved. The applicant's e-mail is included for
    the office's queue; the applicant only ever sees their own application.
    """

    wire_name: ClassVar[str] = "registry.ApplicationView"

    application_id: uuid.UUID
    person_id: uuid.UUID
    applicant_initials: str
    applicant_surname: str
    applicant_email: str | None
    roles: list[Role]
    employer_name: str
    employer_kind: EmployerKind
    hours_per_week: Decimal
    submitted_at: datetime
    status: ApplicationStatusName
    decided_on: date | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    registration_number: str | None = None


class GetMyApplication(_ActingQuery[ApplicationView]):
    """Query: the actor's most recent application (404 no_application when they never applied)."""

    wire_name: ClassVar[str] = "registry.GetMyApplication"
    access: ClassVar[Access] = signed_in("actor_account_id")


class GetApplication(_ActingQuery[ApplicationView]):
    """Query: one application: its applicant, or the office. Anyone else gets 404 not_found (not 403, so
    the answer does not reveal that the application exists)."""

    wire_name: ClassVar[str] = "registry.GetApplication"
    access: ClassVar[Access] = signed_in("actor_account_id")

    application_id: uuid.UUID


class ListPendingApplications(_ActingQuery["PendingApplications"]):
    """Query (office only): the queue of undecided applications, oldest first."""

    wire_name: ClassVar[str] = "registry.ListPendingApplications"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")


class PendingApplications(Reply):
    """Reply to ListPendingApplications."""

    wire_name: ClassVar[str] = "registry.PendingApplications"

    applications: list[ApplicationView]


class DecideApplication(_ActingCommand[ApplicationView]):
    """Command (office only): approve or reject a pending application; a rejection needs a reason.

    Approval issues the registration number, opens the first cycle (scheme cycle length, default 5 years)
    on today's date, publishes RegistrationGranted, RegistrationStatusChanged and CycleOpened, and mails the
    applicant. A rejection mails the reason.
    """

    wire_name: ClassVar[str] = "registry.DecideApplication"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    application_id: uuid.UUID
    decision: Literal["approve", "reject"]
    reason: str = ""


class CycleView(Message):
    """One registration cycle (a nested value, not a message of its own); both dates inclusive."""

    cycle_id: uuid.UUID
    sequence: int
    starts_on: date
    ends_on: date
    scheme_version: str
    # Added with the norm-met credential: the day the portfolio announced the cycle's norm as met.
    norm_met_on: date | None = None


class StatusChangeView(Message):
    """One entry of a registration's status history (a nested value)."""

    from_status: RegistrationStatusName
    to_status: RegistrationStatusName
    at: datetime
    reason: str | None = None


class GetMyRegistration(_ActingQuery["RegistrationView"]):
    """Query: the actor's registration: number, status, cycle dates and history (404 not_registered)."""

    wire_name: ClassVar[str] = "registry.GetMyRegistration"
    access: ClassVar[Access] = signed_in("actor_account_id")


class RegistrationView(Reply):
    """Reply to GetMyRegistration and ChangeRegistrationStatus (also part of MyDataExport).

    ``current_cycle`` is the latest cycle; ``valid_until`` its last day (None once struck off).
    """

    wire_name: ClassVar[str] = "registry.RegistrationView"

    person_id: uuid.UUID
    registration_number: str
    initials: str
    surname: str
    roles: list[Role]
    status: RegistrationStatusName
    registered_since: date
    valid_until: date | None
    current_cycle: CycleView | None
    cycles: list[CycleView] = []
    status_history: list[StatusChangeView] = []


class ChangeRegistrationStatus(_ActingCommand[RegistrationView]):
    """Command (office only): expire, suspend or strike off a registration, or lift a suspension.

    Suspending and striking off need a reason. Moves that belong to a flow (approving an application,
    granting re-registration) are refused with 409 illegal_status_change. Publishes
    RegistrationStatusChanged and mails the person.
    """

    wire_name: ClassVar[str] = "registry.ChangeRegistrationStatus"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    registration_number: str
    new_status: Literal["registered", "reregistration_pending", "expired", "suspended", "struck_off"]
    reason: str = ""


# ---------------------------------------------------------------------------------------------------------------
# The public register


class SearchRegister(Query["RegisterSearchResults"]):
    """Query (public, rate limited per ``client_key``): search the register by registration number (only
    digits: exact match, checked) or by part of the name (initials and/or surname, case-insensitive).

    ``client_key`` is the client's address as the gateway sees it; every gateway process passes the same
    key for the same client, and the registry counts for all of them (429 rate_limited).
    """

    wire_name: ClassVar[str] = "registry.SearchRegister"
    access: ClassVar[Access] = PUBLIC

    q: str
    client_key: str = Field(min_length=1, max_length=200)


class RegisterEntry(Reply):
    """Reply to GetRegisterEntry, and each row of RegisterSearchResults: exactly the public fields, nothing
    else (never e-mail, employer, hours or history)."""

    wire_name: ClassVar[str] = "registry.RegisterEntry"

    registration_number: str
    name: str
    roles: list[Role]
    status: RegistrationStatusName
    registered_since: date
    valid_until: date | None


class RegisterSearchResults(Reply):
    """Reply to SearchRegister: matching entries by surname; ``truncated`` when more matched than shown."""

    wire_name: ClassVar[str] = "registry.RegisterSearchResults"

    entries: list[RegisterEntry]
    truncated: bool = False


class GetRegisterEntry(Query[RegisterEntry]):
    """Query (public, rate limited per ``client_key``): one register entry by number (404 not_found;
    422 invalid_registration_number for a mistyped number)."""

    wire_name: ClassVar[str] = "registry.GetRegisterEntry"
    access: ClassVar[Access] = PUBLIC

    registration_number: str
    client_key: str = Field(min_length=1, max_length=200)


# ---------------------------------------------------------------------------------------------------------------
# Statistics


class SetWorkingTotal(_ActingCommand["WorkingTotalRecorded"]):
    """Command (office only): the number of all working professionals in ``year``, optionally per role.
    Entering a year again replaces its figure."""

    wire_name: ClassVar[str] = "registry.SetWorkingTotal"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    year: int
    total: int
    per_role: dict[Role, int] = {}


class WorkingTotalRecorded(Reply):
    """Reply to SetWorkingTotal."""

    wire_name: ClassVar[str] = "registry.WorkingTotalRecorded"

    year: int
    total: int
    per_role: dict[Role, int] = {}


# ---------------------------------------------------------------------------------------------------------------
# Mijn LKLR


class GetMyPerson(_ActingQuery["PersonView"]):
    """Query: the actor's personal and work details."""

    wire_name: ClassVar[str] = "registry.GetMyPerson"
    access: ClassVar[Access] = signed_in("actor_account_id")


class PersonView(Reply):
    """Reply to GetMyPerson (also inside PersonUpdateResult and MyDataExport).

    ``below_minimum_hours`` tells the page to warn that the stated hours are under the scheme's minimum.
    """

    wire_name: ClassVar[str] = "registry.PersonView"

    person_id: uuid.UUID
    email: str | None
    initials: str
    surname: str
    roles: list[Role]
    employer_name: str | None
    employer_kind: EmployerKind | None
    hours_per_week: Decimal | None
    minimum_hours_per_week: Decimal
    below_minimum_hours: bool
    registration_number: str | None = None
    registration_status: RegistrationStatusName | None = None


class UpdateMyPerson(_ActingCommand["PersonUpdateResult"]):
    """Command: change the actor's own details; a field left None stays as it is.

    Hours dropping below the scheme's minimum are accepted and recorded as an eligibility notice for the
    office. Publishes PersonUpdated when the person is registered.
    """

    wire_name: ClassVar[str] = "registry.UpdateMyPerson"
    access: ClassVar[Access] = signed_in("actor_account_id")

    initials: str | None = None
    surname: str | None = None
    roles: list[Role] | None = None
    employer_name: str | None = None
    employer_kind: EmployerKind | None = None
    hours_per_week: Decimal | None = None


class PersonUpdateResult(Reply):
    """Reply to UpdateMyPerson."""

    wire_name: ClassVar[str] = "registry.PersonUpdateResult"

    person: PersonView
    eligibility_notice_recorded: bool


class EligibilityNoticeView(Message):
    """A recorded drop below the minimum hours (a nested value)."""

    notice_id: uuid.UUID
    person_id: uuid.UUID
    initials: str
    surname: str
    registration_number: str | None
    previous_hours_per_week: Decimal | None
    hours_per_week: Decimal
    minimum_hours_per_week: Decimal
    recorded_at: datetime


class ListEligibilityNotices(_ActingQuery["EligibilityNotices"]):
    """Query (office only): recorded drops below the minimum hours, newest first."""

    wire_name: ClassVar[str] = "registry.ListEligibilityNotices"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")


class EligibilityNotices(Reply):
    """Reply to ListEligibilityNotices."""

    wire_name: ClassVar[str] = "registry.EligibilityNotices"

    notices: list[EligibilityNoticeView]


class LoginAttemptView(Message):
    """One sign-in attempt on the person's address (a nested value)."""

    at: datetime
    channel: str
    client_ip: str
    result: str


class AuditTrailEntryView(Message):
    """One action the person took, or that was taken on their data (a nested value)."""

    at: datetime
    action: str
    result: str
    client_ip: str
    subject: str
    detail: dict[str, str] = {}


class MailRecordView(Message):
    """One e-mail the registry sent (or is sending) to the person (a nested value)."""

    to: str
    subject: str
    created_at: datetime
    sent_at: datetime | None


class TokenRecordView(Message):
    """A session or API token issued to the person, without the token itself (a nested value)."""

    token_kind: Literal["session", "api"]
    label: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


# What a credential proves: the registration, or that a cycle's norm is met (added later, additively).
CredentialKind = Literal["registration", "norm_met"]


class IssueMyCredential(_ActingCommand["IssuedCredential"]):
    """Command: the actor's verifiable credential (an Open Badges 3.0 ``OpenBadgeCredential`` as VC-JWT, signed
    by the register; ``lklr_shared.credentials``).

    ``registration``: the registration, roles and the current cycle as validity (404 not_registered; 409
    registration_not_active unless registered or re-registration pending). Asking again for the same cycle
    returns the same credential (same id and status entry), freshly signed. Its status bit in the register's
    status list is set when the registration ends, is suspended or is struck off.

    ``norm_met``: that the norm of the person's cycle is met (the portfolio's PortfolioNormMet), valid from the day
    it was met to the cycle's end, for the latest cycle that has not ended (409 norm_not_met when none has met
    it yet). Revoked like the registration credential.
    """

    wire_name: ClassVar[str] = "registry.IssueMyCredential"
    access: ClassVar[Access] = signed_in("actor_account_id")

    credential_kind: CredentialKind = "registration"


class IssuedCredential(Reply):
    """Reply to IssueMyCredential: the VC-JWT and what it states."""

    wire_name: ClassVar[str] = "registry.IssuedCredential"

    credential_id: str
    credential_kind: CredentialKind
    jwt: str
    registration_number: str
    register_entry_url: str
    valid_from: date
    valid_until: date | None


class GetMyRegistrationCertificate(_ActingQuery["RegistrationCertificate"]):
    """Query: the actor's PDF certificate of registration (name, number, roles, current cycle, the day its norm was
    met if it was) with a QR code to the public register entry. 404 not_registered; 409 registration_not_active
    unless registered or re-registration pending."""

    wire_name: ClassVar[str] = "registry.GetMyRegistrationCertificate"
    access: ClassVar[Access] = signed_in("actor_account_id")


class RegistrationCertificate(Reply):
    """Reply to GetMyRegistrationCertificate: the PDF, base64 in ``data`` (one page, a few kilobytes)."""

    wire_name: ClassVar[str] = "registry.RegistrationCertificate"

    filename: str
    register_entry_url: str
    data: str


class GetCredentialKeys(Query["CredentialKeys"]):
    """Query (public): the JWK set of the keys the register signs credentials and status lists with."""

    wire_name: ClassVar[str] = "registry.GetCredentialKeys"
    access: ClassVar[Access] = PUBLIC


class CredentialKeys(Reply):
    """Reply to GetCredentialKeys: ``jwks`` as published at ``/.well-known/jwks.json``."""

    wire_name: ClassVar[str] = "registry.CredentialKeys"

    jwks: dict[str, list[dict[str, str]]]


class GetStatusList(Query["StatusListCredential"]):
    """Query (public): the register's Bitstring Status List credential number ``list_number`` (from 1), signed
    now (404 not_found beyond the lists in use)."""

    wire_name: ClassVar[str] = "registry.GetStatusList"
    access: ClassVar[Access] = PUBLIC

    list_number: int = Field(ge=1)


class StatusListCredential(Reply):
    """Reply to GetStatusList: the status list credential as VC-JWT."""

    wire_name: ClassVar[str] = "registry.StatusListCredential"

    list_number: int
    jwt: str


class EraseMyAccount(_ActingCommand["AccountErasureStarted"]):
    """Command: erase the actor's account and everything the register holds about them, on their request.

    Only for a person without a registration and without an application waiting (409 erasure_refused with the
    reason otherwise: a registration, running or ended, is kept for its retention period and erased by the
    scheduled job after it); ``confirm`` must be True (422 erasure_not_confirmed). The account is gone when the
    reply arrives (its sessions with it); the other services forget the person when PersonErasureRequested reaches
    them and confirm it.
    """

    wire_name: ClassVar[str] = "registry.EraseMyAccount"
    access: ClassVar[Access] = signed_in("actor_account_id")

    confirm: bool = False


class AccountErasureStarted(Reply):
    """Reply to EraseMyAccount: the erasure's id and its pseudonym (as the security log records it)."""

    wire_name: ClassVar[str] = "registry.AccountErasureStarted"

    erasure_id: uuid.UUID
    pseudonym: str
    erased_at: datetime


class RetentionEntry(Message):
    """What the register keeps of one kind of data about the person, and until when (a nested value).

    ``kept_until`` is None while the period has not started (the registration is still running: the period counts
    from its end); ``period_days`` the period in days after that start; ``legal_ground`` a short key whose text the
    pages give (nl/en)."""

    data_kind: DataKind
    period_days: int
    kept_until: date | None
    legal_ground: str


class RetentionSchedule(Reply):
    """Reply to GetRetentionSchedule and GetMyRetention: per kind of data, its period and legal ground; for
    GetMyRetention also the last day each is kept for the actor (None while their registration runs)."""

    wire_name: ClassVar[str] = "registry.RetentionSchedule"

    entries: list[RetentionEntry]


class GetRetentionSchedule(Query[RetentionSchedule]):
    """Query (public): the retention schedule in force, every kind with its period (the FAQ shows it)."""

    wire_name: ClassVar[str] = "registry.GetRetentionSchedule"
    access: ClassVar[Access] = PUBLIC


class GetMyRetention(_ActingQuery[RetentionSchedule]):
    """Query: what the register keeps of the actor and until when (Mijn LKLR); not logged as a data export."""

    wire_name: ClassVar[str] = "registry.GetMyRetention"
    access: ClassVar[Access] = signed_in("actor_account_id")


class ExportMyData(_ActingQuery["MyDataExport"]):
    """Query: everything the registry holds about the actor (the gateway merges other services' exports)."""

    wire_name: ClassVar[str] = "registry.ExportMyData"
    access: ClassVar[Access] = signed_in("actor_account_id")


class MyDataExport(Reply):
    """Reply to ExportMyData. Password hashes, TOTP secrets and token hashes are left out on purpose: they are
    credentials, not information about the person."""

    wire_name: ClassVar[str] = "registry.MyDataExport"

    exported_at: datetime
    account: AccountView
    person: PersonView | None
    applications: list[ApplicationView]
    registration: RegistrationView | None
    eligibility_notices: list[EligibilityNoticeView]
    login_attempts: list[LoginAttemptView]
    audit_trail: list[AuditTrailEntryView]
    mails: list[MailRecordView]
    tokens: list[TokenRecordView]
    # What is kept of each kind of data and until when (the retention schedule applied to this person).
    retention: list[RetentionEntry] = []


# ---------------------------------------------------------------------------------------------------------------
# Development mail


class ListDevMail(Query["DevMailbox"]):
    """Query (development): the mails the file mailer wrote, newest first (404 dev_mail_disabled with SMTP)."""

    wire_name: ClassVar[str] = "registry.ListDevMail"
    access: ClassVar[Access] = PUBLIC

    limit: int = Field(default=50, ge=1, le=500)


class DevMail(Message):
    """One mail from the development mailbox (a nested value)."""

    mail_id: str
    to: str
    subject: str
    body: str
    sent_at: datetime


class DevMailbox(Reply):
    """Reply to ListDevMail."""

    wire_name: ClassVar[str] = "registry.DevMailbox"

    messages: list[DevMail]


# ---------------------------------------------------------------------------------------------------------------
# Re-registration, extensions and scheduled jobs

ReregistrationStatusName = Literal["awaiting_dossier", "pending", "superseded", "granted", "not_granted", "refused"]
AuditStateName = Literal[
    "awaiting_sampling",
    "not_sampled",
    "sampled",
    "more_information_needed",
    "returned_for_correction",
    "met",
    "not_met",
]


class ExtendCycle(_ActingCommand["CycleExtensionRecorded"]):
    """Command (office only): extend the current cycle of a registration for illness or pregnancy.

    ``case_reference`` is the office's reference for the case; grants for one case together stay within the
    scheme's maximum (default 16 weeks per case; 422 extension_limit_exceeded beyond it). The cycle's end moves
    by ``weeks``; CycleOpened is published again with the new end, and the person is mailed.
    """

    wire_name: ClassVar[str] = "registry.ExtendCycle"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    registration_number: str
    reason: Literal["illness", "pregnancy"]
    weeks: int = Field(ge=1, le=520)
    case_reference: str = Field(min_length=1, max_length=100)


class CycleExtensionRecorded(Reply):
    """Reply to ExtendCycle: the cycle with its new end, and what the case has used of its maximum."""

    wire_name: ClassVar[str] = "registry.CycleExtensionRecorded"

    registration_number: str
    cycle: CycleView
    case_reference: str
    weeks_granted_for_case: int
    max_weeks_per_case: int


class RefuseCycleExtension(_ActingCommand["CycleExtensionRefused"]):
    """Command (office only): refuse a request to extend the current cycle (illness or pregnancy), with reasons.

    The refusal is a decision about the person: it is kept with its reasons and date, the person is mailed, and it
    is among the decisions they can object to (GetMyObjections). Refusals: 404 not_found; 409
    registration_not_active; 422 reasons_required, reasons_too_long.
    """

    wire_name: ClassVar[str] = "registry.RefuseCycleExtension"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    registration_number: str
    reason: Literal["illness", "pregnancy"]
    weeks: int = Field(ge=1, le=520)
    case_reference: str = Field(min_length=1, max_length=100)
    reasons: str = Field(max_length=10_000)


class CycleExtensionRefused(Reply):
    """Reply to RefuseCycleExtension: the recorded refusal."""

    wire_name: ClassVar[str] = "registry.CycleExtensionRefused"

    registration_number: str
    refusal_id: uuid.UUID
    decided_on: date


class RunScheduledJobs(Command["ScheduledJobsReport"]):
    """Command: run the registry's scheduled jobs now (they also run by themselves every
    REGISTRY_SCHEDULED_JOBS_INTERVAL_SECONDS): lapse registrations whose cycle ended without an application in
    (or with one not granted), send the reminders before cycle ends, mail digests of new provider-placed
    entries, and erase what has passed its retention (PersonErasureRequested).

    With ``actor_account_id`` the actor must be office (403 forbidden). Without it the caller is the system
    (tests, the demo's time travel), which is allowed only while demo commands are on (403
    demo_commands_disabled otherwise). Safe with several registry replicas and with the timer running.
    """

    wire_name: ClassVar[str] = "registry.RunScheduledJobs"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    actor_account_id: uuid.UUID | None = None
    client_ip: str = ""


class ScheduledJobsReport(Reply):
    """Reply to RunScheduledJobs: what this run did (another replica's run in the same moment is not counted).

    ``register_day`` is the register's date the jobs judged by (the registry's clock, moved in tests and demos).
    """

    wire_name: ClassVar[str] = "registry.ScheduledJobsReport"

    ran_at: datetime
    register_day: date
    expired: int
    reminders_sent: int
    reminders_skipped: int
    entry_digests_sent: int
    # People whose data (some kinds, or all) passed its retention and was erased in this run.
    erasures: int = 0
    # Rows of the sign-in log and the audit trail deleted in this run because the logs' retention had passed.
    log_rows_pruned: int = 0


class ReregistrationView(Message):
    """One re-registration application as the office's decisions page shows it (a nested value).

    ``cycle`` is the cycle applied for; ``applied_on`` the register day the dossier was frozen (None while
    only audit news arrived: status awaiting_dossier). ``refusal_reason`` is set for status refused (late,
    norm_not_met, not_current_cycle, not_active, already_decided). ``outcome`` is the audit's latest
    conclusion; ``decided_on`` and ``decision_reason`` the registry's decision; ``next_cycle`` the cycle a
    grant opened.
    """

    dossier_id: uuid.UUID
    person_id: uuid.UUID
    registration_number: str
    initials: str
    surname: str
    registration_status: RegistrationStatusName
    status: ReregistrationStatusName
    refusal_reason: str | None = None
    cycle: CycleView | None = None
    applied_on: date | None = None
    total_points: Decimal | None = None
    accredited_points: Decimal | None = None
    a2_points: Decimal | None = None
    audit_state: AuditStateName
    sampled_activities: int | None = None
    # The audit's sampling decision (None until it arrived): kept apart from `audit_state`, which moves on to the
    # outcome, so the office's overview counts the sample as the public audit figures do.
    sampled: bool | None = None
    more_information_due_on: date | None = None
    correction_due_on: date | None = None
    outcome: Literal["met", "returned_for_correction", "not_met"] | None = None
    concluded_on: date | None = None
    decided_on: date | None = None
    decision_reason: str | None = None
    next_cycle: CycleView | None = None


class ListReregistrations(_ActingQuery["Reregistrations"]):
    """Query (office only): re-registration applications, newest application first, optionally of one
    ``status``; at most ``limit`` (``truncated`` in the reply when there are more)."""

    wire_name: ClassVar[str] = "registry.ListReregistrations"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    status: ReregistrationStatusName | None = None
    limit: int = Field(default=200, ge=1, le=1000)


class Reregistrations(Reply):
    """Reply to ListReregistrations."""

    wire_name: ClassVar[str] = "registry.Reregistrations"

    applications: list[ReregistrationView]
    truncated: bool = False


# ---------------------------------------------------------------------------------------------------------------
# Objection (bezwaar) against the register's decisions

ObjectionDecisionKind = Literal[
    "registration_refused", "reregistration_refused", "audit_not_met", "suspended", "struck_off", "extension_refused"
]
ObjectionStateName = Literal["received", "acknowledged", "hearing_scheduled", "decided"]


class ObjectionAttachment(Message):
    """A file sent with an objection: an evidence file the objector uploaded to their portfolio (a nested value)."""

    evidence_id: uuid.UUID
    filename: str = Field(max_length=255)


class ObjectableDecision(Message):
    """A decision about the actor that can be objected to (a nested value): ``reference`` names it within its
    ``decision_kind`` (the application, the dossier or the status change); ``filing_deadline`` is the last day to object;
    ``objection_id`` is set once an objection against it is filed."""

    decision_kind: ObjectionDecisionKind
    reference: str
    decided_on: date
    summary: str
    filing_deadline: date
    open_for_objection: bool
    objection_id: uuid.UUID | None = None


class ObjectionView(ObjectionSteps):
    """One objection with its deadlines and steps (a nested value).

    ``decision_due_on`` is the decision deadline in force (after the extension, if taken);
    ``original_decision_due_on`` the one before any extension. ``hearing_at``/``hearing_place`` are set once the
    office invited the objector; ``outcome`` and ``decision_reasons`` once decided.
    """

    objection_id: uuid.UUID
    person_id: uuid.UUID
    registration_number: str | None = None
    initials: str
    surname: str
    decision_kind: ObjectionDecisionKind
    decision_reference: str
    decision_summary: str
    decided_on: date
    filed_on: date
    filing_deadline: date
    reasons: str
    attachments: list[ObjectionAttachment] = Field(default_factory=list)
    state: ObjectionStateName
    original_decision_due_on: date
    decision_due_on: date
    overdue: bool = False


class FileObjection(_ActingCommand["ObjectionFiled"]):
    """Command (signed-in person): object to one of their own decisions, within the filing window (the scheme's
    reconsideration weeks, default 6, from the decision day), with reasons and optionally files uploaded to the
    portfolio first. Refusals: 404 decision_not_found (also for someone else's decision); 409 objection_exists;
    422 objection_late (the message gives the deadline), reasons_required, reasons_too_long (more than 20
    attachments: 400 bad_request). The objector and the office are mailed; an objection against a refused
    re-registration keeps the registration in force until it is decided."""

    wire_name: ClassVar[str] = "registry.FileObjection"
    access: ClassVar[Access] = signed_in("actor_account_id")
    # A retried form uploads its files again, under new ids.
    fingerprint_ignores: ClassVar[frozenset[str]] = frozenset({"origin", "client_ip", "attachments"})

    decision_kind: ObjectionDecisionKind
    decision_reference: str = Field(min_length=1, max_length=100)
    reasons: str = Field(max_length=20_000)
    attachments: list[ObjectionAttachment] = Field(default_factory=list, max_length=20)
    lang: MailLanguage = "nl"


class ObjectionFiled(Reply):
    """Reply to FileObjection."""

    wire_name: ClassVar[str] = "registry.ObjectionFiled"

    objection: ObjectionView


class GetMyObjections(_ActingQuery["MyObjections"]):
    """Query (signed-in person): the decisions about them that can be objected to, and their objections."""

    wire_name: ClassVar[str] = "registry.GetMyObjections"
    access: ClassVar[Access] = signed_in("actor_account_id")


class MyObjections(Reply):
    """Reply to GetMyObjections: decisions newest first; objections newest first."""

    wire_name: ClassVar[str] = "registry.MyObjections"

    filing_weeks: int
    decisions: list[ObjectableDecision]
    objections: list[ObjectionView]


class ListObjections(_ActingQuery["Objections"]):
    """Query (office only): the objection queue, open ones first by decision deadline, then decided ones."""

    wire_name: ClassVar[str] = "registry.ListObjections"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    include_decided: bool = True
    limit: int = Field(default=200, ge=1, le=1000)


class Objections(Reply):
    """Reply to ListObjections."""

    wire_name: ClassVar[str] = "registry.Objections"

    objections: list[ObjectionView]
    truncated: bool = False


class AcknowledgeObjection(_ActingCommand["ObjectionUpdated"]):
    """Command (office only): acknowledge receipt of an objection; the objector is mailed with the decision
    deadline. Refusals: 404 objection_not_found; 409 already_acknowledged."""

    wire_name: ClassVar[str] = "registry.AcknowledgeObjection"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    objection_id: uuid.UUID


class InviteToObjectionHearing(_ActingCommand["ObjectionUpdated"]):
    """Command (office only): invite the objector to a hearing at ``hearing_at`` (local time of the register) and
    ``place``; mailed. A new invitation replaces the previous one. Refusals: 404 objection_not_found;
    409 objection_decided; 422 hearing_in_past, hearing_after_deadline, place_required."""

    wire_name: ClassVar[str] = "registry.InviteToObjectionHearing"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    objection_id: uuid.UUID
    hearing_at: datetime
    place: str = Field(max_length=300)


class ExtendObjectionTerm(_ActingCommand["ObjectionUpdated"]):
    """Command (office only): extend the decision term once (default 6 weeks), with the reason; mailed.
    Refusals: 404 objection_not_found; 409 objection_decided, already_extended; 422 reasons_required."""

    wire_name: ClassVar[str] = "registry.ExtendObjectionTerm"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    objection_id: uuid.UUID
    reason: str = Field(max_length=2000)


class DecideObjection(_ActingCommand["ObjectionUpdated"]):
    """Command (office only): decide an objection, upheld or not, with reasons; mailed and shown to the objector.

    Not upheld: the decision stands, and a registration held by the objection lapses if its cycle has ended.
    Upheld against a refused re-registration: re-registration is granted (the next cycle starts the day after the
    old end). Upheld against another decision: the office takes the new decision through its usual pages.
    Refusals: 404 objection_not_found; 409 objection_decided; 422 reasons_required."""

    wire_name: ClassVar[str] = "registry.DecideObjection"
    access: ClassVar[Access] = staff({"office"}, "actor_account_id")

    objection_id: uuid.UUID
    outcome: ObjectionOutcomeName
    reasons: str = Field(max_length=20_000)


class ObjectionUpdated(Reply):
    """Reply to the office's objection commands: the objection as it now stands."""

    wire_name: ClassVar[str] = "registry.ObjectionUpdated"

    objection: ObjectionView


class GetObjectionStatistics(Query["ObjectionStatistics"]):
    """Query (public): objections per year of filing and their outcomes (anonymous counts)."""

    wire_name: ClassVar[str] = "registry.GetObjectionStatistics"
    access: ClassVar[Access] = PUBLIC


class ObjectionYear(ObjectionYearCounts):
    """Objections filed in one year and what became of them (a nested value)."""


class ObjectionStatistics(Reply):
    """Reply to GetObjectionStatistics, oldest year first."""

    wire_name: ClassVar[str] = "registry.ObjectionStatistics"

    years: list[ObjectionYear]
