"""Who is calling the provider API: a bearer API key, checked by the accreditation service.

Every check is one request/reply round trip (`accreditation.AuthenticateApiKey`). A successful answer may be
kept for a few seconds per gateway process, keyed by a SHA-256 of the key (the key itself is never held), so a
client posting in a loop does not pay a round trip per request. That delays a revocation by at most the cache
time, which is why it is short and why refusals are never cached: a wrong key is asked about every time.
`bench/attendance` prints the round trip this saves.
"""

from __future__ import annotations

import hashlib
from typing import Final

from gateway.service_layer.answer_cache import CachedAuthenticator
from lklr_shared.contracts.accreditation import ApiKeyIdentity, AuthenticateApiKey
from lklr_shared.errors import RpcError
from lklr_shared.kit.actor import api_key_claims, assert_actor
from lklr_shared.kit.requests import ask

DEFAULT_CACHE_SECONDS: Final = 5.0
DEFAULT_CACHE_ENTRIES: Final = 1024
# Longer than any key the service issues (`lklr_<8>_<43>`): anything longer is refused without a round trip.
MAX_KEY_LENGTH: Final = 200


class ApiKeyRejected(Exception):
    """The request carries no usable API key (`missing`) or one the service does not accept (`invalid`)."""

    def __init__(self, code: str, message: str, *, missing: bool) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.missing = missing


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 9110)."""
    if not authorization or not authorization.strip():
        raise ApiKeyRejected("missing_api_key", "Send your API key as 'Authorization: Bearer <api key>'.", missing=True)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiKeyRejected(
            "missing_api_key",
            "Only 'Authorization: Bearer <api key>' is accepted on the provider API.",
            missing=True,
        )
    return token


class ApiKeyAuthenticator(CachedAuthenticator[ApiKeyIdentity]):
    """Asks the accreditation service which provider a key belongs to; keeps successes `cache_seconds` at most.

    `cache_seconds=0` turns the cache off. The cache is per process and bounded (oldest entries go first).
    """

    default_cache_seconds = DEFAULT_CACHE_SECONDS
    default_max_entries = DEFAULT_CACHE_ENTRIES

    @property
    def cache_seconds(self) -> float:
        return self._cache.seconds

    async def authenticate(self, api_key: str) -> ApiKeyIdentity:
        """The provider identity of a key; raises ApiKeyRejected (401) or the service's RpcError (503/504).

        A valid key becomes who the current HTTP request acts for (its requests to the services assert it)."""
        if len(api_key) > MAX_KEY_LENGTH or not api_key.isprintable():
            raise ApiKeyRejected("invalid_api_key", "The API key is not valid.", missing=False)
        digest = hashlib.sha256(api_key.encode()).digest()
        now = self._clock()
        cached = self._cache.get(digest, now)
        if cached is not None:
            return _acting(cached)
        try:
            reply = await ask(self._caller, AuthenticateApiKey(api_key=api_key))
        except RpcError as exc:
            if exc.status == 401:
                raise ApiKeyRejected(exc.code, exc.message, missing=False) from exc
            raise
        self._cache.put(digest, reply, now)
        return _acting(reply)


def _acting(identity: ApiKeyIdentity) -> ApiKeyIdentity:
    """Record the key as who the current HTTP request acts for: the requests it sends carry it, signed."""
    assert_actor(api_key_claims(identity.key_id, identity.provider_id))
    return identity
