"""Request ids: a command sent with one is carried out once; a retry or redelivery with the same id gets the
first result back and changes nothing.

How it works, end to end:

- The caller (the gateway) sends a command with ``RpcClient.call(..., request_id=...)``; the id travels in the
  AMQP header ``x-request-id``.
- ``RpcServer`` runs the handler through :func:`once`, which opens a request-id scope (a context variable) for it.
- The first kit ``UnitOfWork`` the handler opens inside that scope claims the id: it inserts a row into
  ``kit_request_log`` (request id, request type, a hash of the payload) as the first statement of its own
  transaction. The claim therefore commits exactly when the command's changes do.
- A second execution with the same id (a retry after a gateway timeout, a double-submitted form, a redelivery after
  a crash) finds the row at its own first unit of work: ``INSERT ... ON CONFLICT DO NOTHING`` waits while the first
  execution's transaction is open, then inserts nothing. Nothing of the second execution runs past that point, so
  it changes nothing; :func:`once` answers with the reply the first execution stored.
- The first execution stores its reply (success or business error) in a short transaction of its own right after
  the handler returns. If the process dies between the command's commit and that store, the id is claimed without
  a reply: a retry is answered 409 ``request_already_applied`` ("carried out; reload to see the result"), since the
  first result cannot be rebuilt. A retry that arrives while the reply is still being stored waits for it briefly.
- A reply that holds a secret shown once (``kept_for_retries = False`` on its contract: a new API key) is not
  stored; a retry gets 409 ``request_already_applied`` instead of the secret.
- The same id with another request type or another payload is refused: 422 ``request_id_reused``. The payload
  hash leaves out the field names a contract lists in ``fingerprint_ignores`` (client addresses; ids of files a
  retried form uploads again).
- Rows are deleted after the kit's message retention (``prune_request_log``, run by the pruning job).

A handler that never commits through the kit's unit of work claims nothing and is simply run again on a retry
(queries, and commands that are idempotent by nature). Units of work nested in the one that holds the claim, or
opened after it committed, do not claim again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# A module reference, not names: rpc imports this module too, and either may be imported first.
from lklr_shared import errors
from lklr_shared.contracts.base import Message, contract_for
from lklr_shared.contracts.envelope import Envelope, utcnow
from lklr_shared.kit import rpc
from lklr_shared.kit.db import insert_if_absent, kit_metadata, transaction

log = logging.getLogger(__name__)

REQUEST_ID_HEADER: Final = "x-request-id"
MAX_REQUEST_ID_LENGTH: Final = 200
# How long a retry waits for the first execution's reply once the claim is committed: storing it is one short
# transaction right after the commit, so only a first execution that died leaves a retry waiting this long.
REPLY_WAIT_SECONDS: Final = 5.0
_REPLY_POLL_SECONDS: Final = 0.05

request_log_table = sa.Table(
    "kit_request_log",
    kit_metadata,
    sa.Column("request_id", sa.String(MAX_REQUEST_ID_LENGTH), primary_key=True),
    sa.Column("request_type", sa.String(200), nullable=False),
    # SHA-256 of the request's payload (canonical JSON): the same id with another payload is refused.
    sa.Column("payload_hash", sa.String(64), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    # The reply body as sent (JSON text); NULL between the command's commit and storing its reply.
    sa.Column("reply", sa.Text, nullable=True),
    sa.Index("ix_kit_request_log_claimed_at", "claimed_at"),
)


class RequestAlreadyApplied(Exception):
    """Raised by a unit of work whose request id was claimed by an earlier, committed execution.

    It leaves the handler before the handler changed anything; :func:`once` turns it into the first reply.
    """

    def __init__(self, request_id: str, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(f"request {request_id} was carried out before")
        self.request_id = request_id
        self.session_factory = session_factory


@dataclass(eq=False)
class RequestScope:
    """The request id of the command this task is handling, and where its claim stands."""

    request_id: str
    request_type: str
    payload_hash: str
    # The unit of work whose (uncommitted) transaction holds the claim.
    holder: object | None = None
    # Where the committed claim lives (set when the holder committed).
    committed_in: async_sessionmaker[AsyncSession] | None = None

    async def claim(
        self, session: AsyncSession, holder: object, session_factory: async_sessionmaker[AsyncSession]
    ) -> bool:
        """Insert the claim as the first statement of ``holder``'s transaction; return whether it claimed.

        Claims nothing when a unit of work of this request holds or committed the claim already. Raises
        :class:`RequestAlreadyApplied` when an earlier execution committed it, and RpcError 422 when that
        execution was another request under the same id.
        """
        if self.holder is not None or self.committed_in is not None:
            return False
        values = {
            "request_id": self.request_id,
            "request_type": self.request_type,
            "payload_hash": self.payload_hash,
            "claimed_at": utcnow(),
        }
        # On a conflict with a transaction still open, PostgreSQL waits for it: committed → nothing inserted (a
        # duplicate), rolled back → this execution claims the id itself.
        if await insert_if_absent(session, request_log_table, values):
            self.holder = holder
            return True
        first = (
            await session.execute(
                sa.select(request_log_table.c.request_type, request_log_table.c.payload_hash).where(
                    request_log_table.c.request_id == self.request_id
                )
            )
        ).one()
        if (first.request_type, first.payload_hash) != (self.request_type, self.payload_hash):
            raise _reused(self.request_id, first.request_type, self.request_type)
        raise RequestAlreadyApplied(self.request_id, session_factory)

    def committed(self, holder: object, session_factory: async_sessionmaker[AsyncSession]) -> None:
        """The holder's transaction committed: the claim is now durable."""
        if self.holder is holder:
            self.holder = None
            self.committed_in = session_factory

    def released(self, holder: object) -> None:
        """The holder's transaction ended without a commit: the claim is gone with it."""
        if self.holder is holder:
            self.holder = None


_scope: ContextVar[RequestScope | None] = ContextVar("lklr_request_scope", default=None)


def current_request_scope() -> RequestScope | None:
    """The request-id scope of the command this task is handling, if it carries a request id."""
    return _scope.get()


def payload_hash(request: Message) -> str:
    """SHA-256 of the request's payload as canonical JSON, without the fields a retry makes afresh (the contract's
    ``fingerprint_ignores``, at any depth)."""
    ignored: frozenset[str] = getattr(type(request), "fingerprint_ignores", frozenset())
    payload = _without(request.model_dump(mode="json"), ignored)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{request.wire_name}:{request.wire_version}:{canonical}".encode()).hexdigest()


def _without(value: Any, ignored: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {key: _without(item, ignored) for key, item in value.items() if key not in ignored}
    if isinstance(value, list):
        return [_without(item, ignored) for item in value]
    return value


def request_id_of(headers: Mapping[str, Any] | None) -> str | None:
    """The request id a request carries in its headers (None without one); RpcError 400 for a malformed one."""
    value = (headers or {}).get(REQUEST_ID_HEADER)
    if value is None or value == "":
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str) or len(value) > MAX_REQUEST_ID_LENGTH:
        raise errors.RpcError("bad_request_id", f"a request id is a string of at most {MAX_REQUEST_ID_LENGTH}", 400)
    return value


def reply_body(reply: Message) -> dict[str, Any]:
    """The body of a successful reply as it travels (and as it is stored)."""
    return {
        "ok": True,
        "type": reply.wire_name,
        "version": reply.wire_version,
        "payload": reply.model_dump(mode="json"),
    }


async def once(
    headers: Mapping[str, Any] | None,
    envelope: Envelope,
    handler: Callable[[Any, Envelope], Awaitable[Message]],
    request: Message,
) -> Message:
    """Run ``handler(request, envelope)`` at most once per request id (RpcServer calls this for every request).

    Without a request id the handler simply runs. With one, the handler runs in a request-id scope; the reply (or
    the business error) of an execution that committed is stored, and a later execution with the same id returns
    it instead (raising the stored error again).
    """
    request_id = request_id_of(headers)
    if request_id is None:
        return await handler(request, envelope)
    scope = RequestScope(request_id, envelope.type, payload_hash(request))
    token = _scope.set(scope)
    try:
        try:
            reply = await handler(request, envelope)
        except RequestAlreadyApplied as applied:
            return await _first_reply(applied, _wait_seconds(headers))
        except errors.RpcError as exc:
            await _store_reply(scope, {"ok": False, "error": exc.as_dict()})
            raise
        await _store_reply(scope, reply_body(reply) if reply.kept_for_retries else _secret_reply())
        return reply
    finally:
        _scope.reset(token)


def _secret_reply() -> dict[str, Any]:
    # What a retry gets instead of a reply that holds a secret shown once (a new API key): not the secret again.
    error = errors.RpcError(
        "request_already_applied",
        "This request was carried out before; its result held a secret that is shown only once.",
        409,
    )
    return {"ok": False, "error": error.as_dict()}


def _wait_seconds(headers: Mapping[str, Any] | None) -> float:
    # Wait no longer than the client does (its deadline travels with the request).
    deadline = (headers or {}).get(rpc.DEADLINE_HEADER)
    if isinstance(deadline, int):
        return max(0.0, min(REPLY_WAIT_SECONDS, deadline / 1000 - time.time() - 0.2))
    return REPLY_WAIT_SECONDS


async def _store_reply(scope: RequestScope, body: dict[str, Any]) -> None:
    if scope.committed_in is None:
        return  # nothing committed under this id: a retry runs the command again
    try:
        async with transaction(scope.committed_in) as session:
            await session.execute(
                sa.update(request_log_table)
                .where(request_log_table.c.request_id == scope.request_id)
                .values(reply=json.dumps(body))
            )
    except Exception:
        # The command is done and its caller gets this reply; only a retry of it will be answered
        # request_already_applied instead of this reply. Not a reason to fail the request that did the work.
        log.exception("reply of request %s not stored; a retry gets request_already_applied", scope.request_id)


async def _first_reply(applied: RequestAlreadyApplied, wait_seconds: float) -> Message:
    """The stored reply of the first execution (raised again when it was an error)."""
    give_up = time.monotonic() + wait_seconds
    while True:
        async with applied.session_factory() as session:
            stored = (
                await session.execute(
                    sa.select(request_log_table.c.reply).where(request_log_table.c.request_id == applied.request_id)
                )
            ).scalar_one_or_none()
        if stored is not None or time.monotonic() >= give_up:
            break
        await asyncio.sleep(_REPLY_POLL_SECONDS)
    if stored is None:
        raise errors.RpcError(
            "request_already_applied",
            "This request was carried out before, but its result cannot be repeated; reload to see the result.",
            409,
        )
    body = json.loads(stored)
    if not body.get("ok"):
        raise errors.RpcError.from_dict(body.get("error") or {})
    return contract_for(body["type"], int(body.get("version", 1))).model_validate(body["payload"])


def _reused(request_id: str, first_type: str, this_type: str) -> errors.RpcError:
    what = "another request" if first_type != this_type else "the same request with other content"
    return errors.RpcError(
        "request_id_reused",
        f"Request id {request_id} was used before for {what}; send a new request with a new id.",
        422,
    )


async def prune_request_log(
    session_factory: async_sessionmaker[AsyncSession], *, retention: timedelta, now: datetime | None = None
) -> int:
    """Delete request-log rows claimed longer than ``retention`` ago; returns how many.

    A retry older than the retention is not a retry any more: it would be carried out again.
    """
    cutoff = (now or utcnow()) - retention
    async with transaction(session_factory) as session:
        deleted = await session.execute(sa.delete(request_log_table).where(request_log_table.c.claimed_at < cutoff))
    return int(getattr(deleted, "rowcount", 0) or 0)
