"""Teaching claims: claimed by a registered professional, decided once by the committee."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from lklr_shared.contracts import accreditation as contracts

from .conftest import Service, today

pytestmark = [pytest.mark.integration]


async def _person(service: Service, **kwargs: object) -> tuple[uuid.UUID, str]:
    (number,) = await service.register_people(1, **kwargs)  # type: ignore[arg-type]
    person_id = await service.scalar("SELECT person_id FROM registered_people WHERE registration_number = :n", n=number)
    return uuid.UUID(str(person_id)), number


def _claim(person_id: uuid.UUID, number: str, **overrides: object) -> contracts.ClaimTeaching:
    values: dict[str, object] = {
        "person_id": person_id,
        "registration_number": number,
        "hours": Decimal("3.5"),
        "given_on": today() - timedelta(days=7),
        "description": "Training 'Verzuim signaleren' gegeven aan collega's.",
        "course_title": "Verzuim signaleren",
        "claimed_by": f"person:{person_id}",
    }
    values.update(overrides)
    return contracts.ClaimTeaching(**values)  # type: ignore[arg-type]


async def test_an_approved_claim_earns_the_schemes_points_and_is_published(service: Service, eventually) -> None:  # type: ignore[no-untyped-def]
    person_id, number = await _person(service)
    claim = await service.call(_claim(person_id, number))
    assert (claim.status, claim.points, claim.person_name) == ("submitted", None, f"T. Persoon {number}")
    queue = await service.call(contracts.ListTeachingClaimsForReview())
    assert claim.claim_id in {c.claim_id for c in queue.claims}

    approved = await service.call(
        contracts.DecideTeachingClaim(
            claim_id=claim.claim_id, decided_by="committee:test", decision="approve", reason="Akkoord."
        )
    )
    assert (approved.status, approved.points, approved.decided_by) == ("approved", Decimal("3.5"), "committee:test")
    await eventually(
        lambda: service.events.of(contracts.TeachingApproved, lambda e: e.claim_id == claim.claim_id),
        message="TeachingApproved",
    )
    (event,) = service.events.of(contracts.TeachingApproved, lambda e: e.claim_id == claim.claim_id)
    assert (event.person_id, event.points, event.completion_date) == (person_id, Decimal("3.5"), claim.given_on)
    twice = await service.refusal(
        contracts.DecideTeachingClaim(
            claim_id=claim.claim_id, decided_by="committee:test", decision="reject", reason="Toch niet."
        )
    )
    assert (twice.status, twice.code) == (409, "claim_already_decided")
    mine = await service.call(contracts.ListTeachingClaims(person_id=person_id))
    assert [c.status for c in mine.claims] == ["approved"]


async def test_a_rejected_claim_keeps_its_reason_and_earns_nothing(service: Service) -> None:
    person_id, number = await _person(service)
    claim = await service.call(_claim(person_id, number))
    rejected = await service.call(
        contracts.DecideTeachingClaim(
            claim_id=claim.claim_id, decided_by="c", decision="reject", reason="Geen training."
        )
    )
    assert (rejected.status, rejected.points, rejected.decision_reason) == ("rejected", None, "Geen training.")
    no_reason = await service.refusal(
        contracts.DecideTeachingClaim(claim_id=claim.claim_id, decided_by="c", decision="approve", reason="")
    )
    assert (no_reason.status, no_reason.code) == (400, "reason_required")


async def test_refuses_claims_the_register_cannot_accept(service: Service) -> None:
    person_id, number = await _person(service)
    late_id, late_number = await _person(service, since=today())
    cases = [
        (_claim(uuid.uuid4(), number), 404, "unknown_person"),
        (_claim(person_id, "0000013" if number != "0000013" else "0000021"), 422, "registration_number_mismatch"),
        (_claim(late_id, late_number), 422, "not_registered_on_date"),
        (_claim(person_id, number, given_on=today() + timedelta(days=1)), 422, "teaching_in_future"),
        (_claim(person_id, number, hours=Decimal(0)), 400, "invalid_hours"),
        (_claim(person_id, number, description=" "), 400, "description_required"),
    ]
    for request, status, code in cases:
        refusal = await service.refusal(request)
        assert (refusal.status, refusal.code) == (status, code), request


async def test_separation_finding_a_committee_member_cannot_decide_their_own_teaching_claim(service: Service) -> None:
    person_id, number = await _person(service)
    claim = await service.call(_claim(person_id, number))
    own = await service.refusal(
        contracts.DecideTeachingClaim(
            claim_id=claim.claim_id, decided_by=f"account:{person_id}", decision="approve", reason="Eigen claim."
        )
    )
    assert (own.status, own.code) == (403, "own_claim")
    colleague = await service.call(
        contracts.DecideTeachingClaim(
            claim_id=claim.claim_id, decided_by=f"account:{uuid.uuid4()}", decision="approve", reason="Akkoord."
        )
    )
    assert colleague.status == "approved"
