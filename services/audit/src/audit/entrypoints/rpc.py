"""Thin RPC handlers: the kit parses the request; each handler calls one use case and returns its reply.

Refusals are the kit's `UseCaseError` kinds, which the RPC server answers as they are.
Who may call what (office, reviewer, professional, public) is the gateway's check; the use cases check that a
reviewer is the one assigned and that a professional answers only about their own dossier.
"""

from __future__ import annotations

from collections.abc import Mapping

from audit.service_layer import personal_data, review, reviewers, statistics
from audit.service_layer.context import AuditContext
from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.kit.rpc import RpcHandler
from lklr_shared.kit.use_cases import UseCase, bind_use_cases

USE_CASES: Mapping[type[Message], UseCase[AuditContext]] = {
    contracts.RegisterReviewer: reviewers.register_reviewer,
    contracts.ListReviewers: reviewers.list_reviewers,
    contracts.ListMyCases: review.list_my_cases,
    contracts.GetCase: review.get_case,
    contracts.JudgeActivity: review.judge_activity,
    contracts.ListInformationRequests: review.list_information_requests,
    contracts.AnswerInformationRequest: review.answer_information_request,
    contracts.GetAuditStatistics: statistics.audit_statistics,
    contracts.ExportPersonData: personal_data.export_person_data,
}


def rpc_handlers(context: AuditContext) -> dict[type[Message], RpcHandler]:
    """The audit's request handlers, bound to its dependencies."""
    return bind_use_cases(context, USE_CASES)
