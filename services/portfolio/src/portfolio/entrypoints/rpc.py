"""Thin RPC handlers: the kit parses the request; each handler calls one use case and returns its reply.

Refusals are the kit's `UseCaseError` kinds, which the RPC server answers as they are.
"""

from __future__ import annotations

from collections.abc import Mapping

from lklr_shared.contracts import portfolio as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.kit.rpc import RpcHandler
from lklr_shared.kit.use_cases import UseCase, bind_use_cases
from portfolio.service_layer import (
    activities,
    evidence,
    exports,
    objection_access,
    progress,
    reregistration,
    review_access,
    self_check,
)
from portfolio.service_layer.common import PortfolioContext

# Request contract → use case. Each use case opens its own unit of work(s).
USE_CASES: Mapping[type[Message], UseCase[PortfolioContext]] = {
    contracts.GetPortfolio: progress.get_portfolio,
    contracts.WhatIf: progress.what_if,
    contracts.RecordActivity: activities.record_activity,
    contracts.EditActivity: activities.edit_activity,
    contracts.ConfirmActivity: activities.confirm_activity,
    contracts.DisputeActivity: activities.dispute_activity,
    contracts.MarkPortfolioSeen: activities.mark_seen,
    contracts.GetActivityHistory: activities.activity_history,
    contracts.BeginEvidenceUpload: evidence.begin_upload,
    contracts.AppendEvidenceChunk: evidence.append_chunk,
    contracts.CompleteEvidenceUpload: evidence.complete_upload,
    contracts.AbortEvidenceUpload: evidence.abort_upload,
    contracts.ReadEvidenceChunk: evidence.read_chunk,
    contracts.ExportPortfolioCsv: exports.export_csv,
    contracts.ExportPortfolioPdf: exports.export_pdf,
    contracts.ApplyForReregistration: reregistration.apply_for_reregistration,
    contracts.ResubmitDossier: reregistration.resubmit_dossier,
    contracts.GetDossier: reregistration.get_dossier,
    contracts.SelfCheckDossier: self_check.self_check,
    contracts.ReadReviewEvidenceChunk: review_access.read_review_chunk,
    contracts.ReadObjectionEvidenceChunk: objection_access.read_objection_chunk,
}


def rpc_handlers(context: PortfolioContext) -> dict[type[Message], RpcHandler]:
    """The portfolio's request handlers, bound to its dependencies."""
    return bind_use_cases(context, USE_CASES)
