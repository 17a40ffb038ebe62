"""Nested values of the register's one objection flow (the rules are in ``lklr_shared.objections``), shared by the
registry's objections against a person's decisions and the accreditation's objections against course decisions.

A base here holds only fields with a default: a contract's required fields stay its own, in its own order (the
order its JSON schema lists them as required).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from lklr_shared.contracts.base import Message

ObjectionOutcomeName = Literal["upheld", "not_upheld"]


class ObjectionSteps(Message):
    """The steps an objection may have taken so far: the receipt acknowledged, a hearing scheduled, the decision
    term extended, decided (``outcome`` with ``decision_reasons``, on ``objection_decided_on``)."""

    acknowledged_on: date | None = None
    hearing_at: datetime | None = None
    hearing_place: str | None = None
    extended: bool = False
    extension_reason: str | None = None
    outcome: ObjectionOutcomeName | None = None
    decision_reasons: str | None = None
    objection_decided_on: date | None = None


class ObjectionYearCounts(Message):
    """Objections filed in one year and what became of them."""

    year: int
    filed: int
    upheld: int
    not_upheld: int
    open: int
