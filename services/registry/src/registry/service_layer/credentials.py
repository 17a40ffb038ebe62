"""Verifiable credentials of a registration: issue one (Open Badges 3.0 as VC-JWT), publish the key set and the
Bitstring Status List, and revoke a person's credentials when the registration ends, is suspended or struck off.

The format and the verification are ``lklr_shared.credentials``; this module decides what the register states
and keeps which credential has which status bit (table ``credentials``, its key being the bit).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from lklr_shared.contracts import registry as contracts
from lklr_shared.credentials import (
    STATUS_LIST_BITS,
    AchievementClaim,
    open_badge_jwt,
    status_list_jwt,
    status_position,
)
from lklr_shared.kit.outbox import UnitOfWork
from registry.adapters.orm import credentials
from registry.domain.status import RegistrationStatus
from registry.service_layer.actors import load_actor
from registry.service_layer.context import RegistryContext
from registry.service_layer.errors import conflict, not_found
from registry.service_layer.views import registration_view

# A registration in these statuses can be proven (leaving them revokes: records.record_status_change).
PROVABLE = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.REREGISTRATION_PENDING})

_ROLE_NAMES = {"leerplichtambtenaar": "leerplichtambtenaar", "rmc_medewerker": "RMC-medewerker"}


def _start_of(day: date, ctx: RegistryContext) -> datetime:
    """The first moment of ``day`` in the register's time zone (validity is by the register's calendar)."""
    return datetime.combine(day, time.min, tzinfo=ctx.policy.timezone)


async def issue_my_credential(
    uow: UnitOfWork, ctx: RegistryContext, command: contracts.IssueMyCredential
) -> contracts.IssuedCredential:
    """The actor's registration credential: valid over the current cycle, with its own status bit.

    The same cycle gives the same credential (id and status bit) again, freshly signed; a new cycle or a
    credential revoked earlier (a lifted suspension) gives a new one.
    """
    actor = await load_actor(uow, command.actor_account_id)
    view = await registration_view(uow.session, actor.account_id)
    if view is None:
        raise not_found("not_registered", "You are not registered (yet).")
    if RegistrationStatus(view.status) not in PROVABLE or view.current_cycle is None:
        raise conflict("registration_not_active", f"A registration that is {view.status} cannot be proven.")
    now = ctx.now()
    valid_from, valid_until = view.current_cycle.starts_on, view.current_cycle.ends_on
    row = (
        await uow.session.execute(
            sa.select(credentials).where(
                credentials.c.person_id == actor.account_id,
                credentials.c.kind == command.credential_kind,
                credentials.c.valid_from == valid_from,
                credentials.c.valid_until == valid_until,
                credentials.c.revoked_at.is_(None),
            )
        )
    ).first()
    if row is None:
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        status_index = (
            await uow.session.execute(
                sa.insert(credentials)
                .values(
                    credential_id=credential_id,
                    person_id=actor.account_id,
                    kind=command.credential_kind,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    issued_at=now,
                )
                .returning(credentials.c.status_index)
            )
        ).scalar_one()
    else:
        credential_id, status_index = row.credential_id, row.status_index
    await uow.commit()
    signer = ctx.credentials
    roles = ", ".join(_ROLE_NAMES.get(role, role) for role in view.roles)
    claim = AchievementClaim(
        credential_id=credential_id,
        achievement_id=f"{signer.issuer.profile()['id']}/credentials/registration",
        achievement_name="Registratie in het Landelijk Kwaliteitsregister Leerplicht & RMC",
        achievement_description=(
            f"Ingeschreven als {roles} met registratienummer {view.registration_number}, "
            f"registratieperiode {valid_from.isoformat()} tot en met {valid_until.isoformat()}."
        ),
        criteria="Ingeschreven na toetsing aan het reglement van het register; herregistratie na elke cyclus.",
        registration_number=view.registration_number,
        name=f"{view.initials} {view.surname}",
        roles=tuple(view.roles),
        valid_from=_start_of(valid_from, ctx),
        # The last day of the cycle counts in full.
        valid_until=_start_of(valid_until + timedelta(days=1), ctx),
        status_index=status_index,
    )
    return contracts.IssuedCredential(
        credential_id=credential_id,
        credential_kind=command.credential_kind,
        jwt=open_badge_jwt(claim, signer.issuer, signer.key, signer.kid, issued_at=now),
        registration_number=view.registration_number,
        register_entry_url=signer.issuer.register_entry_url(view.registration_number),
        valid_from=valid_from,
        valid_until=valid_until,
    )


async def get_credential_keys(
    _uow: UnitOfWork, ctx: RegistryContext, _query: contracts.GetCredentialKeys
) -> contracts.CredentialKeys:
    """The public JWK set."""
    return contracts.CredentialKeys(jwks=ctx.credentials.jwks())


async def get_status_list(
    uow: UnitOfWork, ctx: RegistryContext, query: contracts.GetStatusList
) -> contracts.StatusListCredential:
    """Status list ``list_number``, signed now, with the bits of revoked credentials set. List 1 always exists
    (a verifier may fetch it before the first credential); a later one once a credential has a bit in it."""
    first = (query.list_number - 1) * STATUS_LIST_BITS
    last_index = (await uow.session.execute(sa.select(sa.func.max(credentials.c.status_index)))).scalar_one()
    if query.list_number > 1 and (last_index is None or last_index < first):
        raise not_found("not_found", f"No status list {query.list_number}.")
    revoked = (
        await uow.session.execute(
            sa.select(credentials.c.status_index).where(
                credentials.c.revoked_at.is_not(None),
                credentials.c.status_index >= first,
                credentials.c.status_index < first + STATUS_LIST_BITS,
            )
        )
    ).scalars()
    signer = ctx.credentials
    token = status_list_jwt(
        query.list_number,
        [status_position(index)[1] for index in revoked],
        signer.issuer,
        signer.key,
        signer.kid,
        now=ctx.now(),
    )
    return contracts.StatusListCredential(list_number=query.list_number, jwt=token)
