"""The texts of the registry's e-mails: Dutch first (the register's language), English below it.

Pure functions returning (subject, body), so the wording is testable and kept out of the use cases.
"""

from __future__ import annotations

from datetime import date

_SIGNATURE = "Landelijk Kwaliteitsregister Leerplicht & RMC"

Mail = tuple[str, str]


def _nl_date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def confirm_email(name: str, link: str, token: str, valid_hours: int) -> Mail:
    return (
        "Bevestig uw e-mailadres / Confirm your e-mail address",
        f"Beste {name},\n\n"
        f"Bevestig uw e-mailadres voor het LKLR via deze link (geldig {valid_hours} uur):\n\n{link}\n\n"
        f"Of vul deze code in: {token}\n\n"
        "Heeft u geen account aangemaakt? Dan kunt u deze e-mail negeren.\n\n"
        f"Confirm your e-mail address for the LKLR with the link above (valid for {valid_hours} hours). "
        "If you did not sign up, ignore this mail.\n\n"
        f"{_SIGNATURE}\n",
    )


def sign_up_for_existing_account(name: str) -> Mail:
    return (
        "Uw LKLR-account bestaat al / You already have an LKLR account",
        f"Beste {name},\n\n"
        "Iemand probeerde een account aan te maken met dit e-mailadres, maar u heeft al een account. "
        "Was u dat zelf? Log dan in, of vraag een nieuw wachtwoord aan als u het vergeten bent.\n\n"
        "Someone tried to sign up with this address, which already has an account. If that was you, sign in, "
        "or reset your password if you forgot it.\n\n"
        f"{_SIGNATURE}\n",
    )


def reset_password(name: str, link: str, token: str, valid_minutes: int) -> Mail:
    return (
        "Nieuw wachtwoord instellen / Reset your password",
        f"Beste {name},\n\n"
        f"Stel een nieuw wachtwoord in via deze link (eenmalig te gebruiken, geldig {valid_minutes} minuten):"
        f"\n\n{link}\n\nOf vul deze code in: {token}\n\n"
        "Heeft u dit niet aangevraagd? Dan kunt u deze e-mail negeren; uw wachtwoord blijft ongewijzigd.\n\n"
        f"Set a new password with the link above (single use, valid for {valid_minutes} minutes). If you did "
        "not ask for this, ignore this mail: your password stays as it is.\n\n"
        f"{_SIGNATURE}\n",
    )


def password_changed(name: str) -> Mail:
    return (
        "Uw wachtwoord is gewijzigd / Your password was changed",
        f"Beste {name},\n\n"
        "Het wachtwoord van uw LKLR-account is zojuist gewijzigd; u bent overal afgemeld. Was u dit niet? "
        "Neem dan direct contact op met het register.\n\n"
        "The password of your LKLR account was just changed and every session was ended. If this was not you, "
        "contact the register at once.\n\n"
        f"{_SIGNATURE}\n",
    )


def application_received(name: str) -> Mail:
    return (
        "Aanvraag registratie ontvangen / Application received",
        f"Beste {name},\n\n"
        "Wij hebben uw aanvraag voor registratie ontvangen. Het bureau beoordeelt hem; u krijgt bericht van het "
        "besluit. De stand van zaken ziet u in Mijn LKLR.\n\n"
        "We received your application for registration. The register office will decide on it and let you know; "
        "you can follow it in Mijn LKLR.\n\n"
        f"{_SIGNATURE}\n",
    )


def new_application_in_queue(applicant: str) -> Mail:
    return (
        "Nieuwe aanvraag in de wachtrij / New application in the queue",
        f"Er staat een nieuwe aanvraag voor registratie van {applicant} klaar om te beoordelen.\n\n"
        f"A new application for registration from {applicant} is waiting for a decision.\n\n"
        f"{_SIGNATURE}\n",
    )


def application_approved(name: str, number: str, cycle_start: date, cycle_end: date) -> Mail:
    return (
        f"Uw registratie is goedgekeurd: {number} / Your registration was approved",
        f"Beste {name},\n\n"
        f"Uw aanvraag is goedgekeurd. Uw registratienummer is {number}.\n"
        f"Uw eerste registratieperiode loopt van {_nl_date(cycle_start)} tot en met {_nl_date(cycle_end)}.\n"
        "Geef uw registratienummer op bij opleiders, zodat zij uw scholing in uw portfolio kunnen plaatsen.\n\n"
        f"Your application was approved. Your registration number is {number}; your first cycle runs from "
        f"{cycle_start.isoformat()} to {cycle_end.isoformat()} inclusive.\n\n"
        f"{_SIGNATURE}\n",
    )


def application_rejected(name: str, reason: str, reconsideration_weeks: int) -> Mail:
    return (
        "Besluit over uw aanvraag / Decision on your application",
        f"Beste {name},\n\n"
        f"Uw aanvraag voor registratie is afgewezen. Reden:\n\n{reason}\n\n"
        f"U kunt binnen {reconsideration_weeks} weken om heroverweging vragen.\n\n"
        f"Your application for registration was rejected for the reason above. You may ask for reconsideration "
        f"within {reconsideration_weeks} weeks.\n\n"
        f"{_SIGNATURE}\n",
    )


_STATUS_NL = {
    "registered": "geregistreerd",
    "reregistration_pending": "herregistratie aangevraagd",
    "expired": "verlopen",
    "suspended": "geschorst",
    "struck_off": "doorgehaald",
}


def status_changed(name: str, number: str, new_status: str, reason: str | None) -> Mail:
    reason_text = f"\nReden / reason: {reason}\n" if reason else ""
    return (
        f"Uw registratie {number}: {_STATUS_NL.get(new_status, new_status)} / status changed",
        f"Beste {name},\n\n"
        f"De status van uw registratie {number} is nu: {_STATUS_NL.get(new_status, new_status)}.\n{reason_text}\n"
        f"The status of your registration {number} is now: {new_status}.\n\n"
        f"{_SIGNATURE}\n",
    )
