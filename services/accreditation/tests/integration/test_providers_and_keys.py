"""Providers, the accounts acting for them, API keys, and the demo data."""

from __future__ import annotations

import uuid

import pytest

from lklr_shared.contracts import accreditation as contracts

from .conftest import Service

pytestmark = [pytest.mark.integration]


async def test_accounts_act_for_one_provider(service: Service) -> None:
    provider, other = await service.provider(), await service.provider()
    account = f"account-{uuid.uuid4().hex[:8]}"
    linked = await service.call(
        contracts.LinkProviderAccount(provider_id=provider.provider_id, account_id=account, linked_by="office")
    )
    assert linked.account_ids == [account]
    assert (
        await service.call(
            contracts.LinkProviderAccount(provider_id=provider.provider_id, account_id=account, linked_by="office")
        )
    ).account_ids == [account]
    found = await service.call(contracts.FindProviderForAccount(account_id=account))
    assert found.provider_id == provider.provider_id
    elsewhere = await service.refusal(
        contracts.LinkProviderAccount(provider_id=other.provider_id, account_id=account, linked_by="office")
    )
    assert (elsewhere.status, elsewhere.code) == (409, "account_linked_elsewhere")
    await service.call(
        contracts.UnlinkProviderAccount(provider_id=provider.provider_id, account_id=account, unlinked_by="office")
    )
    gone = await service.refusal(contracts.FindProviderForAccount(account_id=account))
    assert (gone.status, gone.code) == (404, "no_provider_for_account")


async def test_provider_names_are_unique_regardless_of_case(service: Service) -> None:
    name = f"Uniek Instituut {uuid.uuid4().hex[:6]}"
    await service.provider(name=name)
    taken = await service.refusal(contracts.RegisterProvider(name=name.lower(), registered_by="office"))
    assert (taken.status, taken.code) == (409, "provider_name_taken")
    blank = await service.refusal(contracts.RegisterProvider(name="  ", registered_by="office"))
    assert (blank.status, blank.code) == (400, "provider_name_required")


async def test_an_api_key_authenticates_its_provider_until_it_is_revoked(service: Service) -> None:
    provider, other = await service.provider(), await service.provider()
    created = await service.call(
        contracts.CreateApiKey(provider_id=provider.provider_id, label="LMS-koppeling", created_by="account:p")
    )
    assert created.api_key.startswith("lklr_") and created.key.active
    identity = await service.call(contracts.AuthenticateApiKey(api_key=created.api_key))
    assert (identity.provider_id, identity.key_id, identity.actor) == (
        provider.provider_id,
        created.key.key_id,
        f"api-key:{created.key.key_id}",
    )
    listed = await service.call(contracts.ListApiKeys(provider_id=provider.provider_id))
    assert [k.key_id for k in listed.keys] == [created.key.key_id]
    assert created.api_key not in listed.model_dump_json()  # only the prefix is ever shown again
    stored = await service.scalar("SELECT key_digest FROM api_keys WHERE key_id = :k", k=created.key.key_id)
    assert created.api_key not in stored

    foreign = await service.refusal(
        contracts.RevokeApiKey(provider_id=other.provider_id, key_id=created.key.key_id, revoked_by="x")
    )
    assert (foreign.status, foreign.code) == (404, "api_key_not_found")
    revoked = await service.call(
        contracts.RevokeApiKey(provider_id=provider.provider_id, key_id=created.key.key_id, revoked_by="account:p")
    )
    assert not revoked.active and revoked.revoked_by == "account:p"
    refused = await service.refusal(contracts.AuthenticateApiKey(api_key=created.api_key))
    assert (refused.status, refused.code) == (401, "invalid_api_key")


@pytest.mark.parametrize("presented", ["", "Bearer nonsense", "lklr_abcdefgh_" + "x" * 43])
async def test_a_malformed_or_unknown_key_is_401(service: Service, presented: str) -> None:
    refused = await service.refusal(contracts.AuthenticateApiKey(api_key=presented))
    assert (refused.status, refused.code) == (401, "invalid_api_key")


async def test_a_key_with_a_known_prefix_but_a_wrong_secret_is_401(service: Service) -> None:
    provider = await service.provider()
    created = await service.call(contracts.CreateApiKey(provider_id=provider.provider_id, created_by="p"))
    forged = created.api_key[:-4] + ("AAAA" if not created.api_key.endswith("AAAA") else "BBBB")
    assert (await service.refusal(contracts.AuthenticateApiKey(api_key=forged))).status == 401


async def test_demo_data_loads_once_and_its_key_posts_attendance(service: Service) -> None:
    account = f"demo-account-{uuid.uuid4().hex[:6]}"
    first = await service.call(contracts.LoadDemoData(provider_account_id=account))
    second = await service.call(contracts.LoadDemoData())
    assert first.created and not second.created
    assert second.model_copy(update={"created": True}) == first
    assert (await service.call(contracts.FindProviderForAccount(account_id=account))).provider_id == first.provider_id
    identity = await service.call(contracts.AuthenticateApiKey(api_key=first.api_key))
    assert identity.provider_id == first.provider_id

    courses = await service.call(contracts.ListProviderCourses(provider_id=first.provider_id))
    assert {c.course_id: c.status for c in courses.courses} == {
        first.approved_course_id: "approved",
        first.pending_course_id: "submitted",
        first.rejected_course_id: "rejected",
    }
    (person,) = await service.register_people(1)
    result = await service.post(identity.provider_id, first.approved_edition_id, [(person, None)])
    assert result.counts.recorded == 1


async def test_an_overlong_actor_is_refused_with_400_not_stored_truncated(service: Service) -> None:
    refused = await service.refusal(
        contracts.RegisterProvider(name=f"Lang {uuid.uuid4().hex[:6]}", registered_by="x" * 201)
    )
    assert (refused.status, refused.code) == (400, "actor_too_long")
