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
from registry.service_layer import (
    account_admin,
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
from registry.service_layer.accounts import (
    demo_accounts,
    own_account,
    password_reset,
    second_factor,
    sessions,
    sign_in,
    sign_up,
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


USE_CASES: Mapping[type[Message], UseCase[RegistryContext]] = {
    # accounts and sign-in
    contracts.SignUp: sign_up.sign_up,
    contracts.ConfirmEmail: sign_up.confirm_email,
    contracts.RequestEmailConfirmation: sign_up.request_email_confirmation,
    contracts.Login: sign_in.login,
    contracts.StartSecondFactorEnrolment: second_factor.start_second_factor_enrolment,
    contracts.ConfirmTotpEnrollment: second_factor.confirm_totp_enrollment,
    contracts.ValidateSession: sessions.validate_session,
    contracts.EndSession: sessions.end_session,
    contracts.IssueApiToken: sign_in.issue_api_token,
    contracts.VerifyApiToken: sessions.verify_api_token,
    contracts.RevokeApiToken: sessions.revoke_api_token,
    contracts.RequestPasswordReset: password_reset.request_password_reset,
    contracts.ResetPassword: password_reset.reset_password,
    contracts.GetMyAccount: own_account.get_my_account,
    contracts.SetPreferredLanguage: own_account.set_preferred_language,
    contracts.CreateDemoAccount: demo_accounts.create_demo_account,
    contracts.ListStaffAccounts: staff_accounts.list_staff_accounts,
    contracts.FindAccount: account_admin.find_account,
    contracts.SetAccountRoles: account_admin.set_account_roles,
    # applications and registrations
    contracts.ApplyForRegistration: _in_unit_of_work(applications.apply_for_registration),
    contracts.GetMyApplication: _in_unit_of_work(applications.get_my_application),
    contracts.GetApplication: _in_unit_of_work(applications.get_application),
    contracts.ListPendingApplications: _in_unit_of_work(applications.list_pending_applications),
    contracts.DecideApplication: _in_unit_of_work(applications.decide_application),
    contracts.GetMyRegistration: _in_unit_of_work(registrations.get_my_registration),
    contracts.ChangeRegistrationStatus: _in_unit_of_work(registrations.change_registration_status),
    contracts.GrantDemoRegistration: _in_unit_of_work(registrations.grant_demo_registration),
    # re-registration
    contracts.ExtendCycle: _in_unit_of_work(extensions.extend_cycle),
    contracts.RefuseCycleExtension: _in_unit_of_work(extensions.refuse_extension),
    contracts.ListReregistrations: _in_unit_of_work(reregistrations.list_reregistrations),
    # public register and statistics
    contracts.SearchRegister: _in_unit_of_work(public_register.search_register),
    contracts.GetRegisterEntry: _in_unit_of_work(public_register.get_register_entry),
    contracts.GetStatistics: _in_unit_of_work(statistics.get_statistics),
    contracts.SetWorkingTotal: _in_unit_of_work(statistics.set_working_total),
    # Mijn LKLR
    contracts.GetMyPerson: people.get_my_person,
    contracts.UpdateMyPerson: people.update_my_person,
    contracts.ListEligibilityNotices: people.list_eligibility_notices,
    contracts.ExportMyData: people.export_my_data,
    contracts.EraseMyAccount: _in_unit_of_work(erasure.erase_my_account),
    contracts.GetMyRetention: _in_unit_of_work(erasure.get_my_retention),
    contracts.GetRetentionSchedule: _in_unit_of_work(erasure.get_retention_schedule),
    # verifiable credentials
    contracts.IssueMyCredential: credentials.issue_my_credential,
    contracts.GetMyRegistrationCertificate: credentials.get_my_certificate,
    contracts.GetCredentialKeys: credentials.get_credential_keys,
    contracts.GetStatusList: credentials.get_status_list,
    # objections (bezwaar)
    contracts.FileObjection: _in_unit_of_work(objections.file_objection),
    contracts.GetMyObjections: _in_unit_of_work(objections.get_my_objections),
    contracts.ListObjections: _in_unit_of_work(objections.list_objections),
    contracts.AcknowledgeObjection: _in_unit_of_work(objections.acknowledge_objection),
    contracts.InviteToObjectionHearing: _in_unit_of_work(objections.invite_to_hearing),
    contracts.ExtendObjectionTerm: _in_unit_of_work(objections.extend_objection_term),
    contracts.DecideObjection: _in_unit_of_work(objections.decide_objection),
    contracts.GetObjectionStatistics: _in_unit_of_work(objections.get_objection_statistics),
    # development
    contracts.ListDevMail: mailbox.list_dev_mail,
    ListSecurityEvents: security_log.list_security_events,
}


def rpc_handlers(ctx: RegistryContext, jobs: ScheduledJobs) -> dict[type[Message], RpcHandler]:
    """The registry's request handlers, bound to its context. Each request's units of work are caused by the
    request's envelope (the RPC server sets it as the current cause), so the events it publishes carry the gateway
    request's correlation id."""

    async def run_scheduled_jobs(
        uow: RegistryUnitOfWork, ctx: RegistryContext, command: contracts.RunScheduledJobs
    ) -> contracts.ScheduledJobsReport:
        # The jobs open their own transactions (a page at a time); the request's unit of work only authorises.
        await scheduled_jobs.authorize_run(uow, ctx, command)
        return (await jobs.run_all()).as_reply()

    use_cases: dict[type[Message], UseCase[RegistryContext]] = {
        **USE_CASES,
        contracts.RunScheduledJobs: _in_unit_of_work(run_scheduled_jobs),
    }
    return bind_use_cases(ctx, use_cases)
