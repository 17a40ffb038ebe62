"""Teaching claims: a professional claims to have given a training; the committee decides."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from accreditation.adapters.repositories import registrations as registration_records
from accreditation.adapters.repositories import teaching as repository
from accreditation.adapters.repositories.dialect import Session, as_utc
from accreditation.domain import teaching as rules
from accreditation.domain.registrations import is_registered_on
from accreditation.domain.teaching import ClaimStatus
from accreditation.domain.text import account_of, actor, bounded_text, required_text
from accreditation.service_layer.context import AccreditationContext
from lklr_shared import errors as refusals
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.errors import NotFound, RuleViolation
from lklr_shared.kit.security_log import record_security_event, record_security_refusal

MAX_DESCRIPTION = 4_000


def _claims(rows: Sequence[Any]) -> list[contracts.TeachingClaimDetails]:
    return [
        contracts.TeachingClaimDetails(
            claim_id=row.claim_id,
            person_id=row.person_id,
            registration_number=row.registration_number,
            person_name=f"{row.initials} {row.surname}" if row.surname is not None else "",
            hours=row.hours,
            given_on=row.given_on,
            description=row.description,
            course_title=row.course_title,
            course_id=row.course_id,
            edition_id=row.edition_id,
            status=row.status,
            submitted_at=as_utc(row.submitted_at),
            claimed_by=row.claimed_by,
            decided_at=as_utc(row.decided_at) if row.decided_at is not None else None,
            decided_by=row.decided_by,
            decision_reason=row.decision_reason,
            points=row.points,
        )
        for row in rows
    ]


async def _claim(session: Session, claim_id: uuid.UUID) -> contracts.TeachingClaimDetails:
    found = _claims(await repository.claim_with_name(session, claim_id))
    if not found:
        raise NotFound("claim_not_found", f"There is no teaching claim {claim_id}.")
    return found[0]


async def claim_teaching(ctx: AccreditationContext, command: contracts.ClaimTeaching) -> contracts.TeachingClaimDetails:
    """Record a claim by a person the register knows, who was registered on the day the training was given."""
    hours = rules.check_claim_hours(command.hours)
    description = required_text(command.description, "description", max_length=MAX_DESCRIPTION)
    course_title = bounded_text(command.course_title, "course_title", max_length=200)
    if command.given_on > ctx.today():
        raise RuleViolation("teaching_in_future", "A training can only be claimed once it has been given.")
    async with ctx.unit_of_work() as uow:
        session = uow.session
        number = await registration_records.registration_number_of(session, command.person_id)
        if number is None:
            raise NotFound("unknown_person", "The register does not know this person (yet).")
        if number != command.registration_number.strip():
            raise RuleViolation("registration_number_mismatch", "The registration number is not this person's.")
        history = await registration_records.history_of(session, command.person_id)
        if not is_registered_on(history, command.given_on):
            raise RuleViolation(
                "not_registered_on_date", f"The person was not registered on {command.given_on.isoformat()}."
            )
        claim_id = uuid.uuid4()
        await repository.insert_claim(
            session,
            claim_id=claim_id,
            person_id=command.person_id,
            registration_number=number,
            hours=hours,
            given_on=command.given_on,
            description=description,
            course_title=course_title,
            course_id=command.course_id,
            edition_id=command.edition_id,
            status=ClaimStatus.SUBMITTED.value,
            submitted_at=ctx.now(),
            claimed_by=actor(command.claimed_by),
        )
        await uow.commit()
        return await _claim(session, claim_id)


async def list_for_review(
    ctx: AccreditationContext, _query: contracts.ListTeachingClaimsForReview
) -> contracts.TeachingClaimList:
    async with ctx.unit_of_work() as uow:
        found = _claims(await repository.claims_to_decide(uow.session))
    return contracts.TeachingClaimList(claims=found)


async def list_for_person(
    ctx: AccreditationContext, query: contracts.ListTeachingClaims
) -> contracts.TeachingClaimList:
    async with ctx.unit_of_work() as uow:
        found = _claims(await repository.claims_of_person(uow.session, query.person_id))
    return contracts.TeachingClaimList(claims=found)


async def decide_claim(
    ctx: AccreditationContext, command: contracts.DecideTeachingClaim
) -> contracts.TeachingClaimDetails:
    """Approve (publishing TeachingApproved with the scheme's points) or reject, once, with a reason."""
    reason = required_text(command.reason, "reason", max_length=MAX_DESCRIPTION)
    async with ctx.unit_of_work() as uow:
        session = uow.session
        row = await repository.locked_claim(session, command.claim_id)
        if row is None:
            raise NotFound("claim_not_found", f"There is no teaching claim {command.claim_id}.")
        try:
            rules.check_not_own_claim(account_of(command.decided_by), row.person_id)
        except refusals.Forbidden as refusal:
            await record_security_refusal(
                uow.session_factory,
                actor=command.decided_by,
                action=f"teaching_claim.{command.decision}",
                object=f"teaching_claim:{command.claim_id}",
                detail={"reason": refusal.code},
            )
            raise
        rules.check_claim_undecided(ClaimStatus(row.status))
        values: dict[str, Any] = {
            "decided_at": ctx.now(),
            "decided_by": actor(command.decided_by),
            "decision_reason": reason,
        }
        if command.decision == "approve":
            # Points by the scheme in force when the training was given: the rules of that day apply to it.
            points = rules.teaching_points(ctx.rules_on(row.given_on), row.hours)
            values |= {"status": ClaimStatus.APPROVED.value, "points": points}
            uow.emit(
                contracts.TeachingApproved(
                    claim_id=row.claim_id,
                    person_id=row.person_id,
                    hours=row.hours,
                    points=points,
                    completion_date=row.given_on,
                    description=row.description,
                )
            )
        else:
            values |= {"status": ClaimStatus.REJECTED.value}
        await repository.update_claim(session, command.claim_id, **values)
        await record_security_event(
            session,
            actor=command.decided_by,
            action=f"teaching_claim.{command.decision}",
            object=f"teaching_claim:{command.claim_id}",
        )
        await uow.commit()
        return await _claim(session, command.claim_id)
