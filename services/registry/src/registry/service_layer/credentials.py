"""Verifiable credentials of a registration: issue one (Open Badges 3.0 as VC-JWT), publish the key set and the
Bitstring Status List, and revoke a person's credentials when the registration ends, is suspended or struck off.

The format and the verification are ``lklr_shared.credentials``; this module decides what the register states
and keeps which credential has which status bit (table ``credentials``, its key being the bit).
"""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime, time, timedelta

from lklr_shared.contracts import portfolio as portfolio_contracts
from lklr_shared.contracts import registry as contracts
from lklr_shared.contracts.envelope import Envelope
from lklr_shared.credentials import (
    STATUS_LIST_BITS,
    AchievementClaim,
    open_badge_jwt,
    status_list_jwt,
    status_position,
)
from lklr_shared.errors import Conflict, NotFound
from lklr_shared.kit.retry import PermanentFailure
from registry.adapters.certificate_pdf import CertificateFacts, render_certificate
from registry.adapters.repositories.credentials import (
    add_credential,
    highest_status_index,
    live_credential,
    lock_cycle_norm,
    revoked_status_indexes,
    set_norm_met,
)
from registry.adapters.repositories.mail import contact_of
from registry.adapters.repositories.registration_records import registration_view
from registry.adapters.unit_of_work import MailingUnitOfWork
from registry.domain.status import RegistrationStatus
from registry.service_layer import notifications
from registry.service_layer.actors import load_actor
from registry.service_layer.context import RegistryContext
from registry.service_layer.mailing import mail_contact

# A registration in these statuses can be proven (leaving them revokes: registration_records.record_status_change).
PROVABLE = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.REREGISTRATION_PENDING})

_ROLE_NAMES = {"leerplichtambtenaar": "leerplichtambtenaar", "rmc_medewerker": "RMC-medewerker"}


def _start_of(day: date, ctx: RegistryContext) -> datetime:
    """The first moment of ``day`` in the register's time zone (validity is by the register's calendar)."""
    return datetime.combine(day, time.min, tzinfo=ctx.policy.timezone)


def _proven_period(
    kind: contracts.CredentialKind, view: contracts.RegistrationView, today: date
) -> tuple[date, date, contracts.CycleView]:
    """What a credential of ``kind`` covers: its first and last valid day, and the cycle it is about."""
    if RegistrationStatus(view.status) not in PROVABLE or view.current_cycle is None:
        raise Conflict("registration_not_active", f"A registration that is {view.status} cannot be proven.")
    if kind == "registration":
        cycle = view.current_cycle
        return cycle.starts_on, cycle.ends_on, cycle
    # A granted re-registration opens the next cycle before the old one ends: the old cycle's norm stays provable
    # until its end, so the latest met cycle that has not ended is the one.
    met = [cycle for cycle in view.cycles if cycle.norm_met_on is not None and cycle.ends_on >= today]
    if not met:
        raise Conflict("norm_not_met", "The norm of your current registration cycle has not been met (yet).")
    cycle = met[-1]
    assert cycle.norm_met_on is not None
    return cycle.norm_met_on, cycle.ends_on, cycle


def _claim_texts(
    kind: contracts.CredentialKind, view: contracts.RegistrationView, cycle: contracts.CycleView
) -> tuple[str, str, str, str]:
    """The achievement's id suffix, name, description and criteria for a credential of ``kind``."""
    period = f"{cycle.starts_on.isoformat()} tot en met {cycle.ends_on.isoformat()}"
    if kind == "registration":
        roles = ", ".join(_ROLE_NAMES.get(role, role) for role in view.roles)
        return (
            "registration",
            "Registratie in het Landelijk Kwaliteitsregister Leerplicht & RMC",
            f"Ingeschreven als {roles} met registratienummer {view.registration_number}, registratieperiode {period}.",
            "Ingeschreven na toetsing aan het reglement van het register; herregistratie na elke cyclus.",
        )
    return (
        "norm-met",
        "Norm van de registratieperiode behaald (Landelijk Kwaliteitsregister Leerplicht & RMC)",
        f"De professional met registratienummer {view.registration_number} heeft in de registratieperiode "
        f"{period} de norm van het register behaald (vastgesteld op {cycle.norm_met_on}).",
        "De punten van de registratieperiode voldoen aan alle minimums van de norm van het reglement: het totaal, "
        "het geaccrediteerde deel en het A2-deel. Een steekproef bij de herregistratie kan activiteiten nog afkeuren.",
    )


async def issue_my_credential(ctx: RegistryContext, command: contracts.IssueMyCredential) -> contracts.IssuedCredential:
    """The actor's credential of ``command.credential_kind``, with its own status bit.

    ``registration``: valid over the current cycle. ``norm_met``: valid from the day the cycle's norm was met to
    the cycle's end. The same period gives the same credential (id and status bit) again, freshly signed; a new
    period or a credential revoked earlier (a lifted suspension) gives a new one.
    """
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, command.actor_account_id)
        view = await registration_view(uow.session, actor.account_id)
        if view is None:
            raise NotFound("not_registered", "You are not registered (yet).")
        now = ctx.now()
        kind = command.credential_kind
        valid_from, valid_until, cycle = _proven_period(kind, view, ctx.today())
        row = await live_credential(uow.session, actor.account_id, kind, valid_from, valid_until)
        if row is None:
            credential_id = f"urn:uuid:{uuid.uuid4()}"
            status_index = await add_credential(
                uow.session,
                credential_id=credential_id,
                person_id=actor.account_id,
                kind=kind,
                valid_from=valid_from,
                valid_until=valid_until,
                issued_at=now,
            )
        else:
            credential_id, status_index = row.credential_id, row.status_index
        await uow.commit()
    signer = ctx.credentials
    suffix, name, description, criteria = _claim_texts(kind, view, cycle)
    extra: dict[str, object] = {}
    if kind == "norm_met":
        extra["cycle"] = {
            "startsOn": cycle.starts_on.isoformat(),
            "endsOn": cycle.ends_on.isoformat(),
            "normMetOn": valid_from.isoformat(),
        }
    claim = AchievementClaim(
        credential_id=credential_id,
        achievement_id=f"{signer.issuer.profile()['id']}/credentials/{suffix}",
        achievement_name=name,
        achievement_description=description,
        criteria=criteria,
        registration_number=view.registration_number,
        name=f"{view.initials} {view.surname}",
        roles=tuple(view.roles),
        valid_from=_start_of(valid_from, ctx),
        # The last day counts in full.
        valid_until=_start_of(valid_until + timedelta(days=1), ctx),
        status_index=status_index,
        extra=extra,
    )
    return contracts.IssuedCredential(
        credential_id=credential_id,
        credential_kind=kind,
        jwt=open_badge_jwt(claim, signer.issuer, signer.key, signer.kid, issued_at=now),
        registration_number=view.registration_number,
        register_entry_url=signer.issuer.register_entry_url(view.registration_number),
        valid_from=valid_from,
        valid_until=valid_until,
    )


async def get_my_certificate(
    ctx: RegistryContext, query: contracts.GetMyRegistrationCertificate
) -> contracts.RegistrationCertificate:
    """The PDF certificate of the actor's registration, with a QR code to the public register entry."""
    async with ctx.unit_of_work() as uow:
        actor = await load_actor(uow, query.actor_account_id)
        view = await registration_view(uow.session, actor.account_id)
    if view is None:
        raise NotFound("not_registered", "You are not registered (yet).")
    valid_from, valid_until, cycle = _proven_period("registration", view, ctx.today())
    entry_url = ctx.credentials.issuer.register_entry_url(view.registration_number)
    pdf = render_certificate(
        CertificateFacts(
            registration_number=view.registration_number,
            name=f"{view.initials} {view.surname}",
            roles=tuple(view.roles),
            registered_since=view.registered_since,
            cycle_starts_on=valid_from,
            cycle_ends_on=valid_until,
            norm_met_on=cycle.norm_met_on,
            register_entry_url=entry_url,
            issued_on=ctx.today(),
        )
    )
    return contracts.RegistrationCertificate(
        filename=f"lklr-registratie-{view.registration_number}.pdf",
        register_entry_url=entry_url,
        data=base64.b64encode(pdf).decode("ascii"),
    )


async def record_norm_met(
    uow: MailingUnitOfWork, _ctx: RegistryContext, event: portfolio_contracts.PortfolioNormMet, _envelope: Envelope
) -> None:
    """The portfolio announced a cycle's norm as met: keep the day (the first announcement wins) and tell the person
    that the norm-met credential is ready on Mijn LKLR."""
    row = await lock_cycle_norm(uow.session, event.cycle_id)
    if row is None or row.person_id != event.person_id:
        # The registry opens every cycle before the portfolio can hear of it: no later event can repair this.
        raise PermanentFailure(f"PortfolioNormMet for cycle {event.cycle_id} of a person who has no such cycle")
    if row.norm_met_on is not None:
        return
    await set_norm_met(uow.session, event.cycle_id, event.met_on)
    contact = await contact_of(uow.session, event.person_id)
    if contact is not None and contact.registration_number is not None:
        await mail_contact(
            uow,
            contact,
            notifications.norm_met(
                contact.name, contact.registration_number, row.starts_on, row.ends_on, contact.language
            ),
        )


async def get_credential_keys(ctx: RegistryContext, _query: contracts.GetCredentialKeys) -> contracts.CredentialKeys:
    """The public JWK set."""
    return contracts.CredentialKeys(jwks=ctx.credentials.jwks())


async def get_status_list(ctx: RegistryContext, query: contracts.GetStatusList) -> contracts.StatusListCredential:
    """Status list ``list_number``, signed now, with the bits of revoked credentials set. List 1 always exists
    (a verifier may fetch it before the first credential); a later one once a credential has a bit in it."""
    first = (query.list_number - 1) * STATUS_LIST_BITS
    async with ctx.unit_of_work() as uow:
        last_index = await highest_status_index(uow.session)
        if query.list_number > 1 and (last_index is None or last_index < first):
            raise NotFound("not_found", f"No status list {query.list_number}.")
        revoked = await revoked_status_indexes(uow.session, first, STATUS_LIST_BITS)
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
