"""Thin RPC handlers: the kit parses the request; each handler opens a unit of work and calls one use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.system import ListSecurityEvents
from lklr_shared.kit.rpc import RpcHandler
from lklr_shared.kit.use_cases import UseCase, bind_use_cases
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
    objection_office,
    objections,
    people,
    public_register,
    registrations,
    reregistration_overview,
    scheduled_jobs,
    security_log,
    staff_accounts,
    statistics,
)
from registry.service_layer.context import RegistryContext
from registry.service_layer.scheduled_jobs import ScheduledJobs

# The registry's older use cases take the unit of work the handler opened. Being converted to the one use-case
# shape of every service (`lklr_shared.kit.use_cases`): a use case opens its own units of work from the context.
LegacyUseCase = Callable[[RegistryUnitOfWork, RegistryContext, Any], Awaitable[Message]]


def _in_unit_of_work(use_case: LegacyUseCase) -> UseCase[RegistryContext]:
    async def run(ctx: RegistryContext, request: Any) -> Message:
        async with ctx.unit_of_work() as uow:
            return await use_case(uow, ctx, request)

    return run


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


USE_CASES: Mapping[type[Message], UseCase[RegistryContext]] = {
    # accounts and sign-in
    contracts.SignUp: _in_unit_of_work(accounts.sign_up),
    contracts.ConfirmEmail: _in_unit_of_work(accounts.confirm_email),
    contracts.RequestEmailConfirmation: _in_unit_of_work(accounts.request_email_confirmation),
    contracts.Login: _in_unit_of_work(accounts.login),
    contracts.StartSecondFactorEnrolment: _in_unit_of_work(accounts.start_second_factor_enrolment),
    contracts.ConfirmTotpEnrollment: _in_unit_of_work(accounts.confirm_totp_enrollment),
    contracts.ValidateSession: _in_unit_of_work(_validate_session),
    contracts.EndSession: _in_unit_of_work(_end_session),
    contracts.IssueApiToken: _in_unit_of_work(accounts.issue_api_token),
    contracts.VerifyApiToken: _in_unit_of_work(_verify_api_token),
    contracts.RevokeApiToken: _in_unit_of_work(_revoke_api_token),
    contracts.RequestPasswordReset: _in_unit_of_work(accounts.request_password_reset),
    contracts.ResetPassword: _in_unit_of_work(accounts.reset_password),
    contracts.GetMyAccount: _in_unit_of_work(accounts.get_my_account),
    contracts.SetPreferredLanguage: _in_unit_of_work(accounts.set_preferred_language),
    contracts.CreateDemoAccount: _in_unit_of_work(accounts.create_demo_account),
    contracts.ListStaffAccounts: _in_unit_of_work(staff_accounts.list_staff_accounts),
    contracts.FindAccount: _in_unit_of_work(account_admin.find_account),
    contracts.SetAccountRoles: _in_unit_of_work(account_admin.set_account_roles),
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
    contracts.ListReregistrations: reregistration_overview.list_reregistrations,
    # public register and statistics
    contracts.SearchRegister: public_register.search_register,
    contracts.GetRegisterEntry: public_register.get_register_entry,
    contracts.GetStatistics: statistics.get_statistics,
    contracts.SetWorkingTotal: statistics.set_working_total,
    # Mijn LKLR
    contracts.GetMyPerson: _in_unit_of_work(people.get_my_person),
    contracts.UpdateMyPerson: _in_unit_of_work(people.update_my_person),
    contracts.ListEligibilityNotices: _in_unit_of_work(people.list_eligibility_notices),
    contracts.ExportMyData: _in_unit_of_work(people.export_my_data),
    contracts.EraseMyAccount: erasure.erase_my_account,
    contracts.GetMyRetention: erasure.get_my_retention,
    contracts.GetRetentionSchedule: erasure.get_retention_schedule,
    # verifiable credentials
    contracts.IssueMyCredential: _in_unit_of_work(credentials.issue_my_credential),
    contracts.GetMyRegistrationCertificate: _in_unit_of_work(credentials.get_my_certificate),
    contracts.GetCredentialKeys: _in_unit_of_work(credentials.get_credential_keys),
    contracts.GetStatusList: _in_unit_of_work(credentials.get_status_list),
    # objections (bezwaar)
    contracts.FileObjection: objections.file_objection,
    contracts.GetMyObjections: objections.get_my_objections,
    contracts.ListObjections: objection_office.list_objections,
    contracts.AcknowledgeObjection: objection_office.acknowledge_objection,
    contracts.InviteToObjectionHearing: objection_office.invite_to_hearing,
    contracts.ExtendObjectionTerm: objection_office.extend_objection_term,
    contracts.DecideObjection: objection_office.decide_objection,
    contracts.GetObjectionStatistics: objection_office.get_objection_statistics,
    # development
    contracts.ListDevMail: _in_unit_of_work(mailbox.list_dev_mail),
    ListSecurityEvents: _in_unit_of_work(security_log.list_security_events),
}


def rpc_handlers(ctx: RegistryContext, jobs: ScheduledJobs) -> dict[type[Message], RpcHandler]:
    """The registry's request handlers, bound to its context. Each request's units of work are caused by the
    request's envelope (the RPC server sets it as the current cause), so the events it publishes carry the gateway
    request's correlation id."""

    async def run_scheduled_jobs(
        ctx: RegistryContext, command: contracts.RunScheduledJobs
    ) -> contracts.ScheduledJobsReport:
        # The jobs open their own transactions (a page at a time); the request's unit of work only authorises.
        async with ctx.unit_of_work() as uow:
            await scheduled_jobs.authorize_run(uow, ctx, command)
            return (await jobs.run_all()).as_reply()

    use_cases: dict[type[Message], UseCase[RegistryContext]] = {
        **USE_CASES,
        contracts.RunScheduledJobs: run_scheduled_jobs,
    }
    return bind_use_cases(ctx, use_cases)
