"""The mails about an application and a registration's status."""

from __future__ import annotations

from datetime import date
from typing import Final

from registry.service_layer.notifications.letter import Draft, Language, Mail, compose, count_text, date_text


def application_received(name: str, lang: Language) -> Mail:
    """The professional's application for registration arrived."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Aanvraag registratie ontvangen",
            "Wij hebben uw aanvraag voor registratie ontvangen. Het bureau beoordeelt hem; u krijgt bericht van "
            "het besluit. De stand van zaken ziet u in Mijn LKLR.",
        ),
        en=Draft(
            "Application received",
            "We received your application for registration. The register office will decide on it and let you "
            "know; you can follow it in Mijn LKLR.",
        ),
    )


def new_application_in_queue(applicant: str, lang: Language) -> Mail:
    """To the office: an application waits for a decision."""
    return compose(
        lang,
        None,
        nl=Draft(
            "Nieuwe aanvraag in de wachtrij",
            f"Er staat een nieuwe aanvraag voor registratie van {applicant} klaar om te beoordelen, onder "
            "Beheer > Aanvragen.",
        ),
        en=Draft(
            "New application in the queue",
            f"A new application for registration from {applicant} is waiting for a decision under Beheer > Aanvragen.",
        ),
    )


def application_approved(name: str, number: str, cycle_start: date, cycle_end: date, lang: Language) -> Mail:
    """The registration was granted: the number and the first cycle."""
    return compose(
        lang,
        name,
        nl=Draft(
            f"Uw registratie is goedgekeurd: {number}",
            f"Uw aanvraag is goedgekeurd. Uw registratienummer is {number}.\nUw eerste registratieperiode "
            f"loopt van {date_text(cycle_start)} tot en met {date_text(cycle_end)}.",
            "Geef uw registratienummer op bij opleiders, zodat zij uw scholing in uw portfolio kunnen plaatsen.",
        ),
        en=Draft(
            f"Your registration was approved: {number}",
            f"Your application was approved. Your registration number is {number}.\nYour first cycle runs "
            f"from {date_text(cycle_start, 'en')} to {date_text(cycle_end, 'en')} inclusive.",
            "Give your registration number to training providers, so they can place your training in your portfolio.",
        ),
    )


def application_rejected(name: str, reason: str, reconsideration_weeks: int, lang: Language) -> Mail:
    """The application was rejected, with the office's reason."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Besluit over uw aanvraag",
            f"Uw aanvraag voor registratie is afgewezen. Reden:\n\n{reason}",
            f"U kunt binnen {count_text(reconsideration_weeks, 'week', 'weken')} om heroverweging vragen.",
        ),
        en=Draft(
            "Decision on your application",
            f"Your application for registration was rejected. Reason:\n\n{reason}",
            f"You may ask for reconsideration within {count_text(reconsideration_weeks, 'week', 'weeks')}.",
        ),
    )


_STATUS: Final = {
    "nl": {
        "registered": "geregistreerd",
        "reregistration_pending": "herregistratie aangevraagd",
        "expired": "verlopen",
        "suspended": "geschorst",
        "struck_off": "doorgehaald",
    },
    "en": {
        "registered": "registered",
        "reregistration_pending": "re-registration pending",
        "expired": "expired",
        "suspended": "suspended",
        "struck_off": "struck off",
    },
}


def status_changed(name: str, number: str, new_status: str, reason: str | None, lang: Language) -> Mail:
    """The registration's status changed (by the office or a rule)."""
    status = _STATUS[lang].get(new_status, new_status)
    return compose(
        lang,
        name,
        nl=Draft(
            f"Uw registratie {number}: {status}",
            f"De status van uw registratie {number} is nu: {status}.",
            f"Reden: {reason}" if reason else "",
        ),
        en=Draft(
            f"Your registration {number}: {status}",
            f"The status of your registration {number} is now: {status}.",
            f"Reason: {reason}" if reason else "",
        ),
    )
