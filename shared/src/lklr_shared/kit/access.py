"""Enforcing a request's declared access (``contracts.access``) against the verified actor claims.

Called by the RPC server for every request, after the assertion was verified and before the handler runs. The
refusals: 401 ``sign_in_required`` for an anonymous asker where an account is needed; 403 ``forbidden`` for the wrong
kind of asker or a missing role; 403 ``actor_mismatch`` when the request names someone else as its actor; 403
``other_provider`` when an API key acts for another provider.
"""

from __future__ import annotations

import uuid
from typing import Any

from lklr_shared.contracts.access import ACTING_ROLES, DENY, Access, field_value
from lklr_shared.contracts.base import Message
from lklr_shared.kit.actor import ActorClaims


class AccessRefused(Exception):
    """The asker may not send this request: a code, a message and the HTTP status (401 or 403)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def access_of(request: Message) -> Access:
    """The access a request type declares (``DENY`` when it declares none)."""
    access = getattr(type(request), "access", DENY)
    return access if isinstance(access, Access) else DENY


def authorize(claims: ActorClaims, request: Message) -> None:
    """Raise AccessRefused (401/403) unless ``claims`` may send ``request``."""
    access = access_of(request)
    name = type(request).wire_name
    if claims.kind not in access.subjects:
        if claims.kind == "anonymous" and "account" in access.subjects:
            raise AccessRefused("sign_in_required", f"{name} needs a signed-in account.", 401)
        raise AccessRefused("forbidden", f"{name} may not be sent by {claims.kind.replace('_', ' ')}.", 403)
    if access.roles and not (claims.kind == "account" and claims.has_role(*access.roles)):
        raise AccessRefused("forbidden", f"{name} needs the role " + " or ".join(sorted(access.roles)) + ".", 403)
    for path in access.actor_fields:
        value = field_value(request, path)
        if value is None or value == "":
            # An optional actor field left empty names nobody: the role rule above is what counts.
            continue
        if not _names(claims, value):
            raise AccessRefused("actor_mismatch", f"{name}: {path} does not name the asker.", 403)
    if (
        access.provider_field
        and claims.kind == "api_key"
        and field_value(request, access.provider_field) != claims.provider_id
    ):
        raise AccessRefused("other_provider", f"{name}: an API key acts only for its own provider.", 403)
    if access.acting_role_field:
        capacity = str(field_value(request, access.acting_role_field) or "")
        if capacity not in ACTING_ROLES:
            raise AccessRefused("forbidden", f"{name}: unknown capacity {capacity!r}.", 403)
        needed = ACTING_ROLES[capacity]
        if needed is not None and not claims.has_role(needed):
            raise AccessRefused("forbidden", f"{name} as {capacity} needs the role {needed}.", 403)


def _names(claims: ActorClaims, value: Any) -> bool:
    if isinstance(value, uuid.UUID):
        return claims.kind == "account" and value == claims.account_id
    if isinstance(value, str):
        # `account:<id>` / `api-key:<id>` as the *_by fields write it, or a bare account id.
        return value == claims.subject or (claims.kind == "account" and value == str(claims.account_id))
    return False
