"""Thin RPC handlers: the kit parses the request; each handler opens a unit of work and calls one use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.contracts.system import ListSecurityEvents
from lklr_shared.kit.rpc import RpcHandler
from registry.adapters.unit_of_work import RegistryUnitOfWork
from registry.domain.accounts import AccessTokenKind
from registry.service_layer import (
    account_admin,
    accounts,
    applications,
    credentials,
    erasure,
    extensions,
    mailbox,
    objections,
    people,
    public_register,
    registrations,
    reregistrations,
    scheduled_jobs,
    security_log,
    staff_accounts,
    statistics,
)
from registry.service_layer.context import RegistryContext
from registry.service_layer.scheduled_jobs import ScheduledJobs

UnitOfWorkFactory = Callable[[Envelope], RegistryUnitOfWork]
UseCase = Callable[[RegistryUnitOfWork, RegistryContext, Any], Awaitable[Message]]


async def _validate_session(
    uow: RegistryUnitOfWork, ctx: RegistryContext, query: contracts.ValidateSession
) -> contracts.AuthenticatedAccount:
    return await accounts.authenticate_token(uow, ctx, query.session_token, AccessTokenKind.SESSION)


async def _verify_api_token(
    uow: RegistryUnitOfWork, ctx: RegistryContext, query: contracts.VerifyApiToken
) -> contracts.AuthenticatedAccount:
    return await accounts.authenticate_token(uow, ctx, query.token, AccessTokenKind.API)


async def _end_session(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.EndSession
) -> contracts.SessionEnded:
    await accounts.revoke_token(uow, ctx, command.session_token, AccessTokenKind.SESSION, client_ip=command.client_ip)
    return contracts.SessionEnded()


async def _revoke_api_token(
    uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.RevokeApiToken
) -> contracts.ApiTokenRevoked:
    await accounts.revoke_token(uow, ctx, command.token, AccessTokenKind.API, client_ip=command.client_ip)
    return contracts.ApiTokenRevoked()


USE_CASES: Mapping[type[Message], UseCase] = {
    # accounts and sign-in
    contracts.SignUp: accounts.sign_up,
    contracts.ConfirmEmail: accounts.confirm_email,
    contracts.RequestEmailConfirmation: accounts.request_email_confirmation,
    contracts.Login: accounts.login,
    contracts.StartSecondFactorEnrolment: accounts.start_second_factor_enrolment,
    contracts.ConfirmTotpEnrollment: accounts.confirm_totp_enrollment,
    contracts.ValidateSession: _validate_session,
    contracts.EndSession: _end_session,
    contracts.IssueApiToken: accounts.issue_api_token,
    contracts.VerifyApiToken: _verify_api_token,
    contracts.RevokeApiToken: _revoke_api_token,
    contracts.RequestPasswordReset: accounts.request_password_reset,
    contracts.ResetPassword: accounts.reset_password,
    contracts.GetMyAccount: accounts.get_my_account,
    contracts.SetPreferredLanguage: accounts.set_preferred_language,
    contracts.CreateDemoAccount: accounts.create_demo_account,
    contracts.ListStaffAccounts: staff_accounts.list_staff_accounts,
    contracts.FindAccount: account_admin.find_account,
    contracts.SetAccountRoles: account_admin.set_account_roles,
    # applications and registrations
    contracts.ApplyForRegistration: applications.apply_for_registration,
    contracts.GetMyApplication: applications.get_my_application,
    contracts.GetApplication: applications.get_application,
    contracts.ListPendingApplications: applications.list_pending_applications,
    contracts.DecideApplication: applications.decide_application,
    contracts.GetMyRegistration: registrations.get_my_registration,
    contracts.ChangeRegistrationStatus: registrations.change_registration_status,
    contracts.GrantDemoRegistration: registrations.grant_demo_registration,
    # re-registration
    contracts.ExtendCycle: extensions.extend_cycle,
    contracts.RefuseCycleExtension: extensions.refuse_extension,
    contracts.ListReregistrations: reregistrations.list_reregistrations,
    # public register and statistics
    contracts.SearchRegister: public_register.search_register,
    contracts.GetRegisterEntry: public_register.get_register_entry,
    contracts.GetStatistics: statistics.get_statistics,
    contracts.SetWorkingTotal: statistics.set_working_total,
    # Mijn LKLR
    contracts.GetMyPerson: people.get_my_person,
    contracts.UpdateMyPerson: people.update_my_person,
    contracts.ListEligibilityNotices: people.list_eligibility_notices,
    contracts.ExportMyData: people.export_my_data,
    contracts.EraseMyAccount: erasure.erase_my_account,
    contracts.GetMyRetention: erasure.get_my_retention,
    contracts.GetRetentionSchedule: erasure.get_retention_schedule,
    # verifiable credentials
    contracts.IssueMyCredential: credentials.issue_my_credential,
    contracts.GetMyRegistrationCertificate: credentials.get_my_certificate,
    contracts.GetCredentialKeys: credentials.get_credential_keys,
    contracts.GetStatusList: credentials.get_status_list,
    # objections (bezwaar)
    contracts.FileObjection: objections.file_objection,
    contracts.GetMyObjections: objections.get_my_objections,
    contracts.ListObjections: objections.list_objections,
    contracts.AcknowledgeObjection: objections.acknowledge_objection,
    contracts.InviteToObjectionHearing: objections.invite_to_hearing,
    contracts.ExtendObjectionTerm: objections.extend_objection_term,
    contracts.DecideObjection: objections.decide_objection,
    contracts.GetObjectionStatistics: objections.get_objection_statistics,
    # development
    contracts.ListDevMail: mailbox.list_dev_mail,
    ListSecurityEvents: security_log.list_security_events,
}


def rpc_handlers(
    unit_of_work: UnitOfWorkFactory, ctx: RegistryContext, jobs: ScheduledJobs
) -> dict[type[Message], RpcHandler]:
    """The registry's request handlers. Each request gets its own unit of work, caused by the request's
    envelope, so the events it publishes carry the gateway request's correlation id."""

    def bind(use_case: UseCase) -> RpcHandler:
        async def handle(request: Message, envelope: Envelope) -> Message:
            async with unit_of_work(envelope) as uow:
                return await use_case(uow, ctx, request)

        return handle

    async def run_scheduled_jobs(
        uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.RunScheduledJobs
    ) -> contracts.ScheduledJobsReport:
        # The jobs open their own transactions (a page at a time); the request's unit of work only authorises.
        await scheduled_jobs.authorize_run(uow, ctx, command)
        return (await jobs.run_all()).as_reply()

    handlers = {contract: bind(use_case) for contract, use_case in USE_CASES.items()}
    handlers[contracts.RunScheduledJobs] = bind(run_scheduled_jobs)
    return handlers
