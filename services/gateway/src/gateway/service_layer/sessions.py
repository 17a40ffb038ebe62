"""Who is signed in: the registry decides, the gateway asks it per request and remembers the answer briefly.

Sessions are server-side in the registry (`Login` → opaque token; `ValidateSession` → the account with its roles
as they are now). The browser keeps the token in a signed cookie; API clients send a bearer token
(`VerifyApiToken`). A positive answer may be reused for `cache_seconds` (a few seconds) per gateway process,
keyed by a SHA-256 of the token, so a page with several requests behind it does not ask the registry each time.
That delays a logout elsewhere, a password reset or a role change by at most that long, which is why it is
short. Refusals are never cached, and this process's own logout drops its entry at once.

The API also remembers, per account and for the same few seconds, which registered person the account acts as
(`registered_person`), so a client reading its portfolio again and again asks the registry nothing but the
portfolio service once a request. That adds nothing to the window above: every request still has its token (or
session) checked first, an account's registration never passes to another person, and an account that holds
none is asked about again each time (a registration granted meanwhile counts at once).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Final

from gateway.caller import ServiceCaller
from gateway.service_layer.answer_cache import AnswerCache, CachedAuthenticator
from lklr_shared.contracts.registry import (
    AuthenticatedAccount,
    GetMyRegistration,
    MailLanguage,
    SetPreferredLanguage,
    ValidateSession,
    VerifyApiToken,
)
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import account_claims, assert_actor
from lklr_shared.kit.requests import ask

DEFAULT_CACHE_SECONDS: Final = 3.0
DEFAULT_CACHE_ENTRIES: Final = 4096
# Longer than any token the registry issues: refused without a round trip.
MAX_TOKEN_LENGTH: Final = 256
_INVALID_CODES: Final = frozenset({"session_invalid", "actor_unknown"})


class AccountAuthenticator(CachedAuthenticator[AuthenticatedAccount]):
    """Resolves session and API tokens to accounts through the registry, with a short positive cache."""

    default_cache_seconds = DEFAULT_CACHE_SECONDS
    default_max_entries = DEFAULT_CACHE_ENTRIES

    def __init__(
        self,
        caller: ServiceCaller,
        *,
        cache_seconds: float | None = None,
        max_entries: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(caller, cache_seconds=cache_seconds, max_entries=max_entries, clock=clock)
        # Registered person by account, kept exactly as long as the token answers (same seconds, same bound).
        self._people: AnswerCache[uuid.UUID] = AnswerCache(
            seconds=self._cache.seconds, max_entries=self.default_max_entries if max_entries is None else max_entries
        )

    async def session_account(self, session_token: str) -> AuthenticatedAccount | None:
        """The account of a browser session; None when the registry says it is not (or no longer) valid.

        A valid one becomes who the current HTTP request acts for (its requests to the services assert it).

        Raises the RpcError of an unreachable or slow registry (503/504): that is not the same as signed out.
        """
        return await self._resolve(b"session", session_token, ValidateSession(session_token=session_token))

    async def api_account(self, api_token: str) -> AuthenticatedAccount | None:
        """The account of an API bearer token; None when it is unknown, expired or revoked."""
        return await self._resolve(b"api", api_token, VerifyApiToken(token=api_token))

    async def registered_person(self, account: AuthenticatedAccount) -> uuid.UUID | None:
        """The person whose registration ``account`` holds (the portfolio's owner); None when it holds none.

        Call it after the request's token or session was checked (its requests to the registry act for
        ``account``). A found person is reused for the cache's few seconds (see the module docstring); None is
        never remembered. Raises the RpcError of an unreachable or slow registry.
        """
        key = b"person\x00" + account.account_id.bytes
        cached = self._people.get(key, self._clock())
        if cached is not None:
            return cached
        return await self._shared(key, lambda: self._ask_person(key, account))

    async def _ask_person(self, key: bytes, account: AuthenticatedAccount) -> uuid.UUID | None:
        now = self._clock()
        try:
            registration = await ask(self._caller, GetMyRegistration(actor_account_id=account.account_id))
        except RpcError as exc:
            if exc.status == 404:
                return None
            raise
        self._people.put(key, registration.person_id, now)
        return registration.person_id

    async def set_preferred_language(
        self, session_token: str, account: AuthenticatedAccount, language: MailLanguage, *, client_ip: str
    ) -> AuthenticatedAccount:
        """Have the registry mail ``account`` in ``language`` from now on; returns the account as it is now.

        The session's cached answer is dropped, so this process's next request reads the new preference (other
        gateway processes within their few cached seconds, as for a role change).
        """
        await ask(
            self._caller,
            SetPreferredLanguage(actor_account_id=account.account_id, language=language, client_ip=client_ip),
        )
        self.forget(session_token)
        return account.model_copy(update={"preferred_language": language})

    def forget(self, token: str) -> None:
        """Drop a token from the cache (after this process ended the session)."""
        for kind in (b"session", b"api"):
            self._cache.forget(self._key(kind, token))

    @staticmethod
    def _key(kind: bytes, token: str) -> bytes:
        return hashlib.sha256(kind + b"\x00" + token.encode()).digest()

    async def _resolve(
        self, kind: bytes, token: str, request: ValidateSession | VerifyApiToken
    ) -> AuthenticatedAccount | None:
        if not token or len(token) > MAX_TOKEN_LENGTH or not token.isprintable():
            return None
        key = self._key(kind, token)
        cached = self._cache.get(key, self._clock())
        if cached is not None:
            return _acting(cached)
        account = await self._shared(key, lambda: self._ask_account(key, request))
        return None if account is None else _acting(account)

    async def _ask_account(self, key: bytes, request: ValidateSession | VerifyApiToken) -> AuthenticatedAccount | None:
        now = self._clock()
        try:
            account = await ask(self._caller, request)
        except RpcError as exc:
            if exc.status == 401 and exc.code in _INVALID_CODES:
                return None
            raise
        self._cache.put(key, account, now)
        return account


def _acting(account: AuthenticatedAccount) -> AuthenticatedAccount:
    """Record ``account`` as who the current HTTP request acts for: the requests it sends carry it, signed."""
    assert_actor(account_claims(account.account_id, account.account_roles, second_factor=account.second_factor))
    return account
