"""One fake service caller for the provider portal and committee page tests: the in-memory registry (accounts,
sessions, sign-in) and the fake accreditation service (answers by request type), side by side."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from gateway.app import build_app
from lklr_shared.contracts import accreditation as contracts
from lklr_shared.contracts.base import Message
from lklr_shared.errors import RpcError

from .conftest import make_settings
from .provider_fakes import PROVIDER, FakeAccreditation
from .registry_fake import PASSWORD, FakeAccount, FakeRegistry
from .web_helpers import sign_in

NOW = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
TODAY = date(2025, 6, 1)


@dataclass
class Both:
    """Registry requests to the fake registry, accreditation requests to the fake accreditation service."""

    registry: FakeRegistry = field(default_factory=FakeRegistry)
    accreditation: FakeAccreditation = field(default_factory=FakeAccreditation)
    # account id (str) → the provider it acts for
    links: dict[str, contracts.ProviderDetails] = field(default_factory=dict)
    # Results of attendance posts by post id, as the service stores them for GetAttendancePost.
    posts: dict[uuid.UUID, contracts.AttendancePostResult] = field(default_factory=dict)

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        if service != "accreditation":
            return await self.registry.call(service, request, timeout=timeout)
        if isinstance(request, contracts.FindProviderForAccount):
            self.accreditation.calls.append((service, request, timeout))
            self.accreditation.request_ids.append(request_id)
            provider = self.links.get(request.account_id)
            if provider is None:
                raise RpcError("no_provider_for_account", "This account acts for no provider.", 404)
            return provider
        if isinstance(request, contracts.GetAttendancePost):
            self.accreditation.calls.append((service, request, timeout))
            self.accreditation.request_ids.append(request_id)
            stored = self.posts.get(request.post_id)
            if stored is None or stored.provider_id != request.provider_id:
                raise RpcError("post_not_found", "This provider has no such attendance post.", 404)
            return stored.model_copy(update={"replayed": False})
        reply = await self.accreditation.call(service, request, timeout=timeout, request_id=request_id)
        if isinstance(reply, contracts.AttendancePostResult):
            self.posts[reply.post_id] = reply
        return reply

    def link(self, account: FakeAccount) -> contracts.ProviderDetails:
        details = contracts.ProviderDetails(
            provider_id=PROVIDER.provider_id,
            name=PROVIDER.provider_name,
            contact_email="info@aanbieder.example",
            created_at=NOW,
            account_ids=[str(account.account_id)],
        )
        self.links[str(account.account_id)] = details
        return details

    def answer(self, contract: type[Message], reply: Any) -> None:
        self.accreditation.answers[contract] = reply

    def sent(self, contract: type[Message]) -> list[Any]:
        return self.accreditation.requests(contract)


@asynccontextmanager
async def signed_in_client(
    both: Both, account: FakeAccount | None = None, *, staff: bool = False
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = build_app(make_settings(session_cache_seconds=0), service_caller=both, today=lambda: TODAY)
    async with AsyncTestClient(app=app) as client:
        if account is not None:
            await sign_in(client, account.email, PASSWORD, staff=staff)
        yield client
