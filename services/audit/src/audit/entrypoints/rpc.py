"""Thin RPC handlers: the kit parses the request; each handler calls one use case and returns its reply.

Business refusals (`UseCaseError`) become the kit's `RpcError` here, in one place, with their status and code.
Who may call what (office, reviewer, professional, public) is the gateway's check; the use cases check that a
reviewer is the one assigned and that a professional answers only about their own dossier.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from audit.service_layer import personal_data, review, reviewers, statistics
from audit.service_layer.context import AuditContext
from audit.service_layer.errors import UseCaseError
from lklr_shared.contracts import audit as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.kit.errors import RpcError
from lklr_shared.kit.rpc import RpcHandler

UseCase = Callable[[AuditContext, Any], Awaitable[Message]]

USE_CASES: dict[type[Message], UseCase] = {
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


def _handler(context: AuditContext, use_case: UseCase) -> RpcHandler:
    async def handle(request: Message, _envelope: Envelope) -> Message:
        try:
            return await use_case(context, request)
        except UseCaseError as exc:
            raise RpcError(exc.code, exc.message, exc.status) from exc

    return handle


def rpc_handlers(context: AuditContext) -> dict[type[Message], RpcHandler]:
    """The audit's request handlers, bound to its dependencies."""
    return {contract: _handler(context, use_case) for contract, use_case in USE_CASES.items()}
