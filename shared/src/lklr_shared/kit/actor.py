"""Signed actor assertions: the gateway says who asks, every service checks it before it answers.

The broker is not trusted to say who asks. The gateway signs, for every request it sends, a short-lived assertion
(Ed25519) of who is behind it: nobody, an account (with its roles as the registry resolved them for this sign-in:
staff roles only after the second factor) or a provider's API key (with its provider). The assertion travels in the
AMQP header ``x-actor-assertion`` and is bound to the request's message id, so it cannot be lifted onto another
request; it expires a few seconds after the request's own deadline.

A service's ``RpcServer`` verifies it with the gateway's public key(s) (several during a key rotation), refuses a
missing, forged, expired or misbound assertion with 401, then enforces the request's declared access
(``contracts.access``, see ``kit.access``) and makes the claims available to the use cases (``current_actor``).

Token format: ``base64url(claims JSON) "." base64url(signature over the first part)``: no algorithm field to
negotiate, one key type, nothing to get wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from lklr_shared.contracts.access import STAFF_ROLES, SubjectKind, field_value
from lklr_shared.contracts.base import Message

ASSERTION_HEADER: Final = "x-actor-assertion"
# How long an assertion outlives the request's deadline: clock skew between gateway and service hosts.
CLOCK_SKEW_SECONDS: Final = 30.0
MAX_ASSERTION_LENGTH: Final = 4096

# The publicly known key of local runs, tests and the demo (like the demo provider key): a deployment outside a
# local run refuses to start with it (see `is_development_key`).
DEV_SIGNING_SEED: Final = base64.b64decode("bGtsci1kZXZlbG9wbWVudC1vbmx5LWFjdG9yLWtleSE=")
ALL_ROLES: Final = frozenset({"professional", *STAFF_ROLES})
# The account id operator tools act as when a request names nobody (the demo loader, time travel).
OPERATOR_ACCOUNT_ID: Final = uuid.UUID("00000000-0000-4000-8000-00000000c0de")


class AssertionRefused(Exception):
    """The assertion is missing, malformed, forged, expired or bound to another request (HTTP 401)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ActorClaims:
    """Who asks, as the gateway asserts it."""

    kind: SubjectKind
    account_id: uuid.UUID | None = None
    roles: frozenset[str] = frozenset()
    second_factor: bool = False
    key_id: uuid.UUID | None = None
    provider_id: uuid.UUID | None = None
    # How the asker is named in ``*_by`` fields when not by its id: only operator tools set it (the demo loader and
    # the tests name their actors freely, e.g. ``committee:test``); the gateway never does.
    name: str = ""
    # Set when signed: the request it belongs to and when it stops counting (epoch seconds).
    message_id: str = ""
    expires_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def subject(self) -> str:
        """How the request names this asker in its ``*_by`` fields: ``account:<id>``, ``api-key:<id>``."""
        if self.name:
            return self.name
        if self.kind == "account":
            return f"account:{self.account_id}"
        if self.kind == "api_key":
            return f"api-key:{self.key_id}"
        return "anonymous"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def to_json(self) -> dict[str, Any]:
        return {
            "v": 1,
            "kind": self.kind,
            "acc": str(self.account_id) if self.account_id else None,
            "roles": sorted(self.roles),
            "mfa": self.second_factor,
            "key": str(self.key_id) if self.key_id else None,
            "prov": str(self.provider_id) if self.provider_id else None,
            "name": self.name,
            "mid": self.message_id,
            "exp": round(self.expires_at, 3),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ActorClaims:
        kind = data.get("kind")
        if data.get("v") != 1 or kind not in ("anonymous", "account", "api_key"):
            raise AssertionRefused("actor_assertion_invalid", "The actor assertion has an unknown form.")
        try:
            return cls(
                kind=kind,
                account_id=uuid.UUID(data["acc"]) if data.get("acc") else None,
                roles=frozenset(str(role) for role in data.get("roles") or ()),
                second_factor=bool(data.get("mfa")),
                key_id=uuid.UUID(data["key"]) if data.get("key") else None,
                provider_id=uuid.UUID(data["prov"]) if data.get("prov") else None,
                name=str(data.get("name") or ""),
                message_id=str(data.get("mid") or ""),
                expires_at=float(data.get("exp") or 0),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AssertionRefused("actor_assertion_invalid", "The actor assertion does not parse.") from exc


ANONYMOUS: Final = ActorClaims(kind="anonymous")


def account_claims(account_id: uuid.UUID, roles: Iterable[str], *, second_factor: bool) -> ActorClaims:
    """A signed-in account; ``roles`` are those the registry lets this sign-in use."""
    return ActorClaims(kind="account", account_id=account_id, roles=frozenset(roles), second_factor=second_factor)


def api_key_claims(key_id: uuid.UUID, provider_id: uuid.UUID) -> ActorClaims:
    """A provider's API key, acting for its provider only."""
    return ActorClaims(kind="api_key", key_id=key_id, provider_id=provider_id)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_private_key(value: str) -> Ed25519PrivateKey:
    """A signing key from its setting: the 32-byte seed in base64 (``generate_key_pair`` prints one)."""
    try:
        seed = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the actor signing key must be a base64 Ed25519 seed") from exc
    if len(seed) != 32:
        raise ValueError("the actor signing key must be 32 bytes (base64 of an Ed25519 seed)")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The base64 public key services verify with."""
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def load_public_keys(value: str) -> list[Ed25519PublicKey]:
    """Verification keys from a setting: base64 public keys separated by commas (old and new during rotation)."""
    keys = []
    for part in value.split(","):
        if not part.strip():
            continue
        try:
            raw = base64.b64decode(part.strip(), validate=True)
            keys.append(Ed25519PublicKey.from_public_bytes(raw))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("actor verify keys must be base64 Ed25519 public keys, separated by commas") from exc
    if not keys:
        raise ValueError("no actor verify key is set")
    return keys


def dev_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(DEV_SIGNING_SEED)


DEV_PUBLIC_KEY: Final = public_key_text(dev_private_key())


def is_development_key(value: str) -> bool:
    """Whether a signing seed or a verify key list is (or includes) the publicly known development key."""
    parts = {part.strip() for part in value.split(",")}
    return base64.b64encode(DEV_SIGNING_SEED).decode() in parts or DEV_PUBLIC_KEY in parts


class ActorSigner:
    """Signs assertions (the gateway, and operator tools in local runs)."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def sign(self, claims: ActorClaims, *, message_id: str, valid_seconds: float) -> str:
        bound = replace(claims, message_id=message_id, expires_at=time.time() + valid_seconds + CLOCK_SKEW_SECONDS)
        body = _b64(json.dumps(bound.to_json(), separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{_b64(self._key.sign(body.encode()))}"


class ActorVerifier:
    """Checks assertions against the gateway's public key(s)."""

    def __init__(self, keys: Iterable[Ed25519PublicKey], *, clock: Callable[[], float] = time.time) -> None:
        self._keys = list(keys)
        self._clock = clock

    def verify(self, token: object, *, message_id: str, allow_expired: bool = False) -> ActorClaims:
        """The claims of a valid assertion for this request; raises AssertionRefused otherwise.

        ``allow_expired``: only for cleaning up after a request that is not answered (its signature and binding are
        still checked)."""
        if not token:
            raise AssertionRefused("actor_assertion_missing", "The request carries no actor assertion.")
        if isinstance(token, bytes):
            token = token.decode(errors="replace")
        if not isinstance(token, str) or len(token) > MAX_ASSERTION_LENGTH or token.count(".") != 1:
            raise AssertionRefused("actor_assertion_invalid", "The actor assertion is malformed.")
        body, signature = token.split(".")
        try:
            raw_signature = _unb64(signature)
        except (binascii.Error, ValueError) as exc:
            raise AssertionRefused("actor_assertion_invalid", "The actor assertion is malformed.") from exc
        if not any(_valid(key, raw_signature, body.encode()) for key in self._keys):
            raise AssertionRefused("actor_assertion_invalid", "The actor assertion's signature is not valid.")
        try:
            data = json.loads(_unb64(body))
        except (binascii.Error, ValueError) as exc:
            raise AssertionRefused("actor_assertion_invalid", "The actor assertion does not parse.") from exc
        if not isinstance(data, dict):
            raise AssertionRefused("actor_assertion_invalid", "The actor assertion does not parse.")
        claims = ActorClaims.from_json(data)
        if claims.message_id != message_id:
            raise AssertionRefused("actor_assertion_misbound", "The actor assertion belongs to another request.")
        if claims.expires_at < self._clock() and not allow_expired:
            raise AssertionRefused("actor_assertion_expired", "The actor assertion has expired.")
        return claims


def _valid(key: Ed25519PublicKey, signature: bytes, body: bytes) -> bool:
    try:
        key.verify(signature, body)
    except InvalidSignature:
        return False
    return True


# --- Who asks, in the process that answers -------------------------------------------------------------------

_current: ContextVar[ActorClaims | None] = ContextVar("lklr_actor", default=None)


def current_actor() -> ActorClaims | None:
    """The verified claims of the request being answered (None outside a request, e.g. in an event handler)."""
    return _current.get()


def set_current_actor(claims: ActorClaims | None) -> Any:
    """Make ``claims`` the current actor; returns the token for ``reset_current_actor``."""
    return _current.set(claims)


def reset_current_actor(token: Any) -> None:
    _current.reset(token)


# --- Who asks, in the process that sends ----------------------------------------------------------------------

ActorSource = Callable[[Message], ActorClaims]


class RequestActor:
    """The gateway's per-HTTP-request holder of who asks (set by authentication, read when a request is sent).

    A mutable holder in a context variable set at the start of each HTTP request, because authentication happens
    in middleware and dependencies that may run in other tasks than the handler that later sends requests.
    """

    __slots__ = ("claims",)

    def __init__(self) -> None:
        self.claims: ActorClaims = ANONYMOUS


_request_actor: ContextVar[RequestActor | None] = ContextVar("lklr_request_actor", default=None)


def begin_request_actor() -> RequestActor:
    """Start a fresh holder for this HTTP request (anonymous until authentication sets it)."""
    holder = RequestActor()
    _request_actor.set(holder)
    return holder


def assert_actor(claims: ActorClaims) -> None:
    """Record who the current HTTP request acts for; requests sent from now on carry it."""
    holder = _request_actor.get()
    if holder is None:
        holder = begin_request_actor()
    holder.claims = claims


def request_actor(_request: Message) -> ActorClaims:
    """The gateway's actor source: whoever authentication recorded for this HTTP request, else anonymous."""
    holder = _request_actor.get()
    return holder.claims if holder is not None else ANONYMOUS


def operator(request: Message) -> ActorClaims:
    """The actor source of trusted operator tools (demo loader, time travel, tests): acts as whoever the request
    names, with every role and the second factor, so the request's own rules are what is exercised.

    Only usable with the signing key, which outside local runs only the gateway holds.
    """
    access = getattr(type(request), "access", None)
    named = [field_value(request, path) for path in (access.actor_fields if access else ())]
    named = [value for value in named if value not in (None, "")]
    provider_id = field_value(request, access.provider_field) if access and access.provider_field else None
    for value in named:
        if isinstance(value, str) and value.startswith("api-key:"):
            return api_key_claims(uuid.UUID(value.removeprefix("api-key:")), _uuid(provider_id) or uuid.uuid4())
    ids = [_uuid(value.removeprefix("account:") if isinstance(value, str) else value) for value in named]
    account_id = next((found for found in ids if found is not None), OPERATOR_ACCOUNT_ID)
    name = next((value for value in named if isinstance(value, str)), "")
    return replace(account_claims(account_id, ALL_ROLES, second_factor=True), name=name)


def _uuid(value: object) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def generate_key_pair() -> tuple[str, str]:
    """A new (signing seed, public key) pair in base64, for deployments."""
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(seed).decode(), public_key_text(key)


@dataclass(frozen=True, slots=True)
class Credentials:
    """What an RPC client signs its requests with: a signer and where it learns who asks."""

    signer: ActorSigner
    actor: ActorSource

    def assertion(self, request: Message, *, message_id: str, valid_seconds: float) -> str:
        return self.signer.sign(self.actor(request), message_id=message_id, valid_seconds=valid_seconds)


def local_verifier() -> ActorVerifier:
    """A verifier of the development key (local runs and tests)."""
    return ActorVerifier([dev_private_key().public_key()])


def operator_credentials(signing_key: str | None = None) -> Credentials:
    """Credentials of a trusted operator tool (see ``operator``): the given signing seed, else the development key
    (accepted only by services of a local run)."""
    key = load_private_key(signing_key) if signing_key else dev_private_key()
    return Credentials(ActorSigner(key), operator)


if __name__ == "__main__":  # pragma: no cover - a deployment helper
    signing, public = generate_key_pair()
    print(f"GATEWAY_ACTOR_SIGNING_KEY={signing}\n<SERVICE>_ACTOR_VERIFY_KEYS={public}")
