"""Request ids for the commands the gateway sends: a command that creates something is carried out once.

- Forms that create something carry a hidden ``request_id`` field, fresh at every rendering of the page
  (``request_id_field`` in every template). Posting the same rendered form twice (a double click, a reload of the
  result, a retry after a timeout) sends the same id, and the service answers the second post with the first
  result instead of creating a second thing.
- The JSON API takes the ``Idempotency-Key`` header on its creating POSTs as the request id; without the header
  every HTTP request gets a fresh id (which still makes a redelivered RPC request harmless).

Ids the client chose are scoped to who sends them (``hash(subject, key)``), so two accounts' or providers' keys
never meet, and nobody can get another's first reply by guessing their key. The services keep the ids
(``lklr_shared.kit.request_log``) and answer a reused id with another request 422 ``request_id_reused``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any, Final

from litestar import Request
from markupsafe import Markup

from gateway.web.web_session import web_state

REQUEST_ID_FIELD: Final = "request_id"
IDEMPOTENCY_KEY_HEADER: Final = "idempotency-key"


def request_id_field() -> Markup:
    """The hidden field a creating form carries: a new id for each rendering of the form."""
    return Markup(f'<input type="hidden" name="{REQUEST_ID_FIELD}" value="{uuid.uuid4()}">')


def scoped_request_id(subject: str, key: str) -> str:
    """The request id for a client's ``key``, scoped to ``subject`` ("account:<id>", "provider:<id>")."""
    return hashlib.sha256(f"{subject}\n{key}".encode()).hexdigest()


def fresh_request_id() -> str:
    """A request id for one HTTP request (no key from the client)."""
    return uuid.uuid4().hex


def request_id_from_form(fields: Mapping[str, Any], subject: str) -> str:
    """The request id of a posted form: its hidden field scoped to ``subject``, else a fresh one."""
    key = fields.get(REQUEST_ID_FIELD)
    return scoped_request_id(subject, key) if isinstance(key, str) and key else fresh_request_id()


async def posted_request_id(request: Request[Any, Any, Any], subject: str) -> str:
    """The request id of a posted url-encoded form (see `request_id_from_form`)."""
    form = await request.form()
    return request_id_from_form({REQUEST_ID_FIELD: form.get(REQUEST_ID_FIELD)}, subject)


async def form_request_id(request: Request[Any, Any, Any]) -> str:
    """The request id of a form posted by the signed-in account (a page behind the `signed_in` guard)."""
    account = web_state(request).account
    subject = subject_of("account", account.account_id) if account is not None else "visitor"
    return await posted_request_id(request, subject)


def idempotency_key_text(header: str | None) -> str:
    """The Idempotency-Key as sent ("" without one). The IETF draft makes it a structured-field string
    (`"abc"`); clients that send it bare (`abc`) are common, so both are accepted and mean the same key."""
    text = (header or "").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text if text.strip() else ""


def request_id_for_key(header: str | None, subject: str) -> str:
    """The request id for an ``Idempotency-Key`` header scoped to ``subject``; a fresh one without a key."""
    key = idempotency_key_text(header)
    return scoped_request_id(subject, key) if key else fresh_request_id()


def api_request_id(request: Request[Any, Any, Any], subject: str) -> str:
    """The request id of an API call: its ``Idempotency-Key`` scoped to ``subject``, else a fresh one."""
    return request_id_for_key(request.headers.get(IDEMPOTENCY_KEY_HEADER), subject)


def subject_of(kind: str, identity: object) -> str:
    """The scope of a client's request ids: ``subject_of("account", account_id)``, ``("provider", id)``."""
    return f"{kind}:{identity}"
