"""Thin RPC handlers: the kit parses the request; each request type is answered by one use case.

Before the use case, two checks of who asks apply to every request: a signed-in account must act for the provider
it names, and a sandbox key may not change real courses or keys. Refusals, the domain's rules' included, are the
register's error kinds (``lklr_shared.errors``), which the RPC server answers as they are.
"""

from __future__ import annotations

from typing import Final

from accreditation.service_layer import (
    attendance,
    attendance_records,
    catalogue,
    course_decisions,
    course_objections,
    courses,
    demo,
    personal_data,
    providers,
    sandbox,
    teaching,
    webhook_endpoints,
    xapi_statements,
)
from accreditation.service_layer.context import AccreditationContext
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.errors import Forbidden
from lklr_shared.kit.access import access_of
from lklr_shared.kit.actor import current_actor
from lklr_shared.kit.rpc import RpcHandler
from lklr_shared.kit.use_cases import UseCase, bind_use_cases

USE_CASES: Final[dict[type[Message], UseCase[AccreditationContext]]] = {
    # providers, accounts, API keys
    contracts.RegisterProvider: providers.register_provider,
    contracts.GetProvider: providers.get_provider,
    contracts.ListProviders: providers.list_providers,
    contracts.LinkProviderAccount: providers.link_account,
    contracts.UnlinkProviderAccount: providers.unlink_account,
    contracts.FindProviderForAccount: providers.find_provider_for_account,
    contracts.CreateApiKey: providers.create_api_key,
    contracts.ListApiKeys: providers.list_api_keys,
    contracts.RevokeApiKey: providers.revoke_api_key,
    contracts.AuthenticateApiKey: providers.authenticate_api_key,
    # courses, decisions, catalogue
    contracts.SubmitCourse: courses.submit_course,
    contracts.ReviseCourse: courses.revise_course,
    contracts.AddEdition: courses.add_edition,
    contracts.GetCourse: courses.get_course,
    contracts.ListProviderCourses: courses.list_provider_courses,
    contracts.ListCoursesForReview: courses.list_for_review,
    contracts.ListOpenCourseObjections: courses.list_open_objections,
    contracts.ApproveCourse: course_decisions.approve_course,
    contracts.RequestCourseChanges: course_decisions.request_changes,
    contracts.RejectCourse: course_decisions.reject_course,
    contracts.ObjectToCourseDecision: courses.object_to_decision,
    contracts.DismissCourseObjection: course_decisions.dismiss_objection,
    # the office's steps on providers' objections (the register's one objection flow)
    contracts.ListCourseObjections: course_objections.list_course_objections,
    contracts.AcknowledgeCourseObjection: course_objections.acknowledge,
    contracts.InviteToCourseObjectionHearing: course_objections.invite_to_hearing,
    contracts.ExtendCourseObjectionTerm: course_objections.extend_term,
    contracts.DecideCourseObjection: course_objections.decide,
    contracts.GetCourseObjectionStatistics: course_objections.statistics,
    contracts.WithdrawAccreditation: course_decisions.withdraw_accreditation,
    contracts.SearchCatalogue: catalogue.search_catalogue,
    # attendance
    # A sandbox key's post goes to the sandbox (test people, no portfolio); every other to the register.
    contracts.PostAttendance: sandbox.post_attendance,
    contracts.VoidAttendance: sandbox.void_attendance,
    contracts.ListAttendance: sandbox.list_attendance,
    contracts.GetAttendancePost: attendance.get_attendance_post,
    contracts.ListDisputedAttendance: attendance_records.list_disputed_attendance,
    # xAPI statements (the gateway's /xapi)
    contracts.StoreXapiStatements: xapi_statements.store_statements,
    contracts.QueryXapiStatements: xapi_statements.query_statements,
    # webhooks
    contracts.RegisterWebhookEndpoint: webhook_endpoints.register_endpoint,
    contracts.ListWebhookEndpoints: webhook_endpoints.list_endpoints,
    contracts.RotateWebhookSecret: webhook_endpoints.rotate_secret,
    contracts.SetWebhookEndpointEnabled: webhook_endpoints.set_enabled,
    contracts.ListWebhookDeliveries: webhook_endpoints.list_deliveries,
    contracts.RedeliverWebhook: webhook_endpoints.redeliver,
    contracts.SendTestWebhook: webhook_endpoints.send_test,
    contracts.SendTestWebhooks: webhook_endpoints.send_tests,
    # teaching claims
    contracts.ClaimTeaching: teaching.claim_teaching,
    contracts.ListTeachingClaimsForReview: teaching.list_for_review,
    contracts.ListTeachingClaims: teaching.list_for_person,
    contracts.DecideTeachingClaim: teaching.decide_claim,
    # the person's own data download
    contracts.ExportPersonData: personal_data.export_person_data,
    # demo data
    contracts.LoadDemoData: demo.load_demo_data,
}


# Accounts with one of these roles may read and decide any provider's courses; others act only for their provider.
COMMITTEE_ROLES: Final = ("accreditation_committee", "office", "administrator")


async def _require_provider_link(ctx: AccreditationContext, request: Message) -> None:
    """A signed-in account sending a provider's request must be linked to that provider (the kit already holds an
    API key to its own provider): 403 ``not_provider_contact`` otherwise."""
    field = access_of(request).provider_field
    claims = current_actor()
    if field is None or claims is None or claims.kind != "account" or claims.has_role(*COMMITTEE_ROLES):
        return
    provider_id = getattr(request, field, None)
    if (
        claims.account_id is None
        or provider_id is None
        or not await providers.acts_for(ctx, claims.account_id, provider_id)
    ):
        raise Forbidden("not_provider_contact", "This account does not act for that provider.")


# What a sandbox key may not do: change real courses or keys. Its attendance posts, voids and xAPI statements go to
# the sandbox (test people, sandbox tables, no event), and an edition's attendance list is the sandbox's; other reads
# are the provider's own; it manages only sandbox webhook endpoints.
SANDBOX_REFUSED: Final[frozenset[type[Message]]] = frozenset(
    {
        contracts.SubmitCourse,
        contracts.ReviseCourse,
        contracts.AddEdition,
        contracts.ObjectToCourseDecision,
        contracts.CreateApiKey,
        contracts.RevokeApiKey,
    }
)


async def _refuse_sandbox_writes(ctx: AccreditationContext, request: Message) -> None:
    if type(request) in SANDBOX_REFUSED and await sandbox.is_sandbox_request(ctx):
        raise Forbidden(
            "sandbox_key_not_allowed",
            "A sandbox key only posts and voids attendance and xAPI statements (for the test registration numbers), "
            "reads, and manages its sandbox webhooks; use a production key for this.",
        )


def _checked(use_case: UseCase[AccreditationContext]) -> UseCase[AccreditationContext]:
    """The use case behind the checks of who asks."""

    async def run(ctx: AccreditationContext, request: Message) -> Message:
        await _require_provider_link(ctx, request)
        await _refuse_sandbox_writes(ctx, request)
        return await use_case(ctx, request)

    run.__qualname__ = getattr(use_case, "__qualname__", run.__qualname__)
    return run


def rpc_handlers(ctx: AccreditationContext) -> dict[type[Message], RpcHandler]:
    """Every request this service answers, bound to its context."""
    return bind_use_cases(ctx, {contract: _checked(use_case) for contract, use_case in USE_CASES.items()})
