"""Who may send a request: declared on each request contract, enforced by the service that owns it.

Every request carries a short-lived actor assertion signed by the gateway (``lklr_shared.kit.actor``): who is asking
(nobody, an account or a provider's API key), the account's roles as the registry resolved them (staff roles only
when the sign-in passed the second factor), and the provider an API key acts for. The receiving service's
``RpcServer`` checks the assertion's signature, expiry and message binding, then this declaration:

- ``subjects``: the kinds of asker allowed at all (``anonymous`` means any gateway-signed request, signed in or not);
- ``roles``: an account must hold one of these (empty: any account);
- ``actor_fields``: dotted paths of request fields that name who acts (``decided_by``, ``actor_account_id``,
  ``actor.person_id``...); each must name the asserted subject, so nobody acts in another's name;
- ``provider_field``: an API key may act only for its own provider;
- ``acting_role_field``: a field by which the request says in which capacity its actor acts (the portfolio's
  ``actor.role``): the capacity needs its role (``office``, ``reviewer`` → ``assessment_committee``).

Object rules (this provider's course, this reviewer's case, this person's portfolio) stay in the owning service's
use cases. A request type without a declaration is refused (``DENY``): forgetting one can only lock out, never open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

SubjectKind = Literal["anonymous", "account", "api_key"]

ALL_SUBJECTS: Final[frozenset[SubjectKind]] = frozenset({"anonymous", "account", "api_key"})
STAFF_ROLES: Final = frozenset({"office", "accreditation_committee", "assessment_committee", "administrator"})
# The capacity a portfolio request names (``Actor.role``) and the account role it needs (None: any account).
ACTING_ROLES: Final[Mapping[str, str | None]] = {
    "professional": None,
    "office": "office",
    "reviewer": "assessment_committee",
}


@dataclass(frozen=True, slots=True)
class Access:
    """Who may send one request type (see the module docstring)."""

    subjects: frozenset[SubjectKind]
    roles: frozenset[str] = frozenset()
    actor_fields: tuple[str, ...] = ()
    provider_field: str | None = None
    acting_role_field: str | None = None
    # A human-readable summary for the docs and the authorization matrix.
    summary: str = field(default="", compare=False)

    @property
    def denies_all(self) -> bool:
        return not self.subjects


DENY: Final = Access(frozenset(), summary="nobody (no access declared)")
PUBLIC: Final = Access(ALL_SUBJECTS, summary="anyone, through the gateway")


def signed_in(*actor_fields: str, acting_role_field: str | None = None) -> Access:
    """Any signed-in account, acting in its own name (``actor_fields`` must name it)."""
    return Access(
        frozenset({"account"}),
        actor_fields=actor_fields,
        acting_role_field=acting_role_field,
        summary="a signed-in account, as itself",
    )


def staff(roles: Iterable[str], *actor_fields: str) -> Access:
    """A signed-in account holding one of ``roles`` (staff roles count only after the second factor)."""
    wanted = frozenset(roles)
    return Access(
        frozenset({"account"}),
        roles=wanted,
        actor_fields=actor_fields,
        summary="an account with role " + " or ".join(sorted(wanted)),
    )


def provider(*actor_fields: str, provider_field: str = "provider_id") -> Access:
    """A provider's API key for its own provider, or a signed-in account (the service checks it acts for it)."""
    return Access(
        frozenset({"account", "api_key"}),
        actor_fields=actor_fields,
        provider_field=provider_field,
        summary="a provider's key (own provider) or a linked account",
    )


def field_value(request: object, path: str) -> Any:
    """The value a dotted field path (``actor.person_id``) names in a request; None where a part is missing."""
    value: Any = request
    for part in path.split("."):
        value = getattr(value, part, None)
    return value
