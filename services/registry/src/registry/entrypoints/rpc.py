"""The registry's request handlers: each request contract answered by one use case `(ctx, request)`, which opens
its own unit of work (see `lklr_shared.kit.use_cases`)."""

from __future__ import annotations

from collections.abc import Mapping

from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.system import ListSecurityEvents
from lklr_shared.kit.rpc import RpcHandler
from lklr_shared.kit.use_cases import UseCase, bind_use_cases
from registry.service_layer import (
    account_admin,
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
    contracts.ListObjections: objection_office.list_objections,
    contracts.AcknowledgeObjection: objection_office.acknowledge_objection,
    contracts.InviteToObjectionHearing: objection_office.invite_to_hearing,
    contracts.ExtendObjectionTerm: objection_office.extend_objection_term,
    contracts.DecideObjection: objection_office.decide_objection,
    contracts.GetObjectionStatistics: objection_office.get_objection_statistics,
    # development
    contracts.ListDevMail: mailbox.list_dev_mail,
    ListSecurityEvents: security_log.list_security_events,
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
