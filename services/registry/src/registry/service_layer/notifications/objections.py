"""The mails about an objection (bezwaar) and its steps."""

from __future__ import annotations

from datetime import date
from typing import Final

from registry.service_layer.notifications.letter import Draft, Language, Mail, compose, date_text


def objection_received(name: str, decision: str, filed_on: date, decision_due_on: date, lang: Language) -> Mail:
    """The objector's copy: the objection reached the register (the office acknowledges it separately)."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Uw bezwaar is ontvangen",
            f"Wij hebben op {date_text(filed_on)} uw bezwaar ontvangen tegen: {decision}.",
            f"Het bureau beslist uiterlijk op {date_text(decision_due_on)}. Deze termijn kan één keer met zes "
            "weken worden verlengd; dat hoort u dan van ons. U kunt de stand van zaken volgen in Mijn LKLR, "
            "onder Bezwaar maken.",
        ),
        en=Draft(
            "Your objection was received",
            f"On {date_text(filed_on, 'en')} we received your objection to: {decision}.",
            f"The register office decides by {date_text(decision_due_on, 'en')}. This term may be extended once "
            "by six weeks; we will tell you if it is. Follow your objection in Mijn LKLR, under Objections.",
        ),
    )


def objection_to_office(objector: str, decision: str, decision_due_on: date, lang: Language) -> Mail:
    """New work in the office's objection queue."""
    return compose(
        lang,
        None,
        nl=Draft(
            f"Nieuw bezwaar van {objector}",
            f"{objector} maakt bezwaar tegen: {decision}.",
            f"Bevestig de ontvangst en beslis uiterlijk op {date_text(decision_due_on)}: zie Beheer, Bezwaren.",
        ),
        en=Draft(
            f"New objection from {objector}",
            f"{objector} objects to: {decision}.",
            f"Acknowledge receipt and decide by {date_text(decision_due_on, 'en')}: see the office's Objections page.",
        ),
    )


def objection_acknowledged(name: str, decision: str, decision_due_on: date, lang: Language) -> Mail:
    """The office's acknowledgement of receipt, with the decision deadline."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Ontvangstbevestiging van uw bezwaar",
            f"Het bureau bevestigt de ontvangst van uw bezwaar tegen: {decision}.",
            f"Wij beslissen uiterlijk op {date_text(decision_due_on)}. Het bureau kan u uitnodigen om uw bezwaar "
            "toe te lichten op een hoorzitting.",
        ),
        en=Draft(
            "Acknowledgement of your objection",
            f"The register office acknowledges receipt of your objection to: {decision}.",
            f"We decide by {date_text(decision_due_on, 'en')}. The office may invite you to a hearing to explain "
            "your objection.",
        ),
    )


def objection_hearing(name: str, when: str, place: str, lang: Language) -> Mail:
    """An invitation to the hearing on the objection (``when``: date and time as the register's clock reads)."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Uitnodiging voor een hoorzitting over uw bezwaar",
            f"U bent uitgenodigd om uw bezwaar toe te lichten op een hoorzitting: {when}, {place}.",
            "Kunt u niet? Neem dan contact op met het bureau; u kunt uw bezwaar ook schriftelijk aanvullen.",
        ),
        en=Draft(
            "Invitation to a hearing on your objection",
            f"You are invited to explain your objection at a hearing: {when}, {place}.",
            "Cannot come? Contact the register office; you may also add to your objection in writing.",
        ),
    )


def objection_term_extended(name: str, decision_due_on: date, reason: str, lang: Language) -> Mail:
    """The office extended the decision term once."""
    return compose(
        lang,
        name,
        nl=Draft(
            "De beslistermijn van uw bezwaar is verlengd",
            f"Het bureau heeft de termijn om op uw bezwaar te beslissen verlengd tot en met "
            f"{date_text(decision_due_on)}. Reden: {reason}",
        ),
        en=Draft(
            "The decision term of your objection was extended",
            f"The register office extended the term to decide on your objection until "
            f"{date_text(decision_due_on, 'en')}. Reason: {reason}",
        ),
    )


# What a decision on an objection does to the registration (see objections._apply_outcome).
OBJECTION_CONSEQUENCES: Final = {
    "stands": ("Het besluit blijft in stand.", "The decision stands."),
    "new_decision": (
        "Het bureau neemt een nieuw besluit en laat u dat weten.",
        "The register office takes a new decision and will let you know.",
    ),
    "lapsed": (
        "Het besluit blijft in stand: uw registratie is vervallen.",
        "The decision stands: your registration has lapsed.",
    ),
    "lapses_at_cycle_end": (
        "Het besluit blijft in stand: uw registratie vervalt na het einde van de registratieperiode ({end}).",
        "The decision stands: your registration lapses after the end of its cycle ({end}).",
    ),
    "granted": (
        "Uw herregistratie is alsnog toegekend; de nieuwe registratieperiode staat in Mijn LKLR.",
        "Your re-registration is granted after all; the new cycle is shown in Mijn LKLR.",
    ),
}


def objection_decided(
    name: str,
    decision: str,
    upheld: bool,
    reasons: str,
    consequence: str,
    lang: Language,
    cycle_end: date | None = None,
) -> Mail:
    """The decision on the objection, with its reasons and what follows from it (``consequence``: a key of
    OBJECTION_CONSEQUENCES; ``cycle_end`` for the one that names it)."""
    verdict_nl = "gegrond" if upheld else "ongegrond"
    verdict_en = "upheld" if upheld else "not upheld"
    follows_nl, follows_en = OBJECTION_CONSEQUENCES[consequence]
    end_nl = date_text(cycle_end) if cycle_end else ""
    end_en = date_text(cycle_end, "en") if cycle_end else ""
    return compose(
        lang,
        name,
        nl=Draft(
            f"Beslissing op uw bezwaar: {verdict_nl}",
            f"Het bureau heeft beslist op uw bezwaar tegen: {decision}. Uw bezwaar is {verdict_nl}.",
            f"Motivering: {reasons}",
            follows_nl.format(end=end_nl),
        ),
        en=Draft(
            f"Decision on your objection: {verdict_en}",
            f"The register office decided on your objection to: {decision}. Your objection is {verdict_en}.",
            f"Reasons: {reasons}",
            follows_en.format(end=end_en),
        ),
    )
