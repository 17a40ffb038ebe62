"""UI texts of verifiable credentials (`/mijn/bewijs`) and of checking one (`/verifieren`): Dutch first, English
second, same keys in both. The verdict's reason itself comes from `lklr_shared.credentials` in both languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

MESSAGES: Final[Mapping[str, Mapping[str, str]]] = {
    "nl": {
        "credential.link": "Bewijs van registratie downloaden",
        "credential.title": "Bewijs van registratie",
        "credential.lead": "Een digitaal, ondertekend bewijs van uw registratie (een Open Badge 3.0, W3C Verifiable Credential) dat u aan een werkgever, opdrachtgever of rechtbank kunt geven. Wie het ontvangt, controleert het op {verify} of offline met het register-commando. Wordt uw registratie beëindigd, geschorst of doorgehaald, dan ziet de controleur dat het bewijs is ingetrokken.",
        "credential.number": "Registratienummer",
        "credential.valid": "Geldig",
        "credential.valid_dates": "van {start} tot en met {end}",
        "credential.download": "Bewijs downloaden (.jwt)",
        "credential.qr": "QR-code naar uw vermelding in het openbare register",
        "credential.qr_hint": "Voor op een cv of een afgedrukt bewijs: de code leidt naar {url}.",
        "credential.refused.not_registered": "U bent (nog) niet geregistreerd; een bewijs van registratie is er pas na inschrijving.",
        "credential.refused.registration_not_active": "Uw registratie is verlopen, geschorst of doorgehaald; daarvan geeft het register geen bewijs.",
        "verify.title": "Bewijs van registratie controleren",
        "verify.lead": "Plak een bewijs van registratie (de inhoud van het .jwt-bestand) of kies het bestand. U ziet of het geldig, ingetrokken, verlopen of vals is, en waarom. Controleren kan ook offline: zie Vragen.",
        "verify.field": "Bewijs (VC-JWT)",
        "verify.file": "Of kies het bestand",
        "verify.submit": "Controleren",
        "verify.empty": "Plak een bewijs of kies een bestand.",
        "verify.too_long": "Dit is te lang voor een bewijs van het register.",
        "verify.outcome.valid": "Geldig",
        "verify.outcome.revoked": "Ingetrokken",
        "verify.outcome.expired": "Verlopen",
        "verify.outcome.forged": "Vals",
        "verify.outcome.unknown": "Status onbekend",
        "verify.subject": "Betreft",
        "verify.entry": "Bekijk de vermelding in het openbare register",
    },
    "en": {
        "credential.link": "Download proof of registration",
        "credential.title": "Proof of registration",
        "credential.lead": "A digital, signed proof of your registration (an Open Badge 3.0, W3C Verifiable Credential) to give to an employer, client or court. Whoever receives it checks it on {verify} or offline with the register's command. If your registration ends, is suspended or struck off, the verifier sees that the proof is revoked.",
        "credential.number": "Registration number",
        "credential.valid": "Valid",
        "credential.valid_dates": "from {start} to {end} inclusive",
        "credential.download": "Download proof (.jwt)",
        "credential.qr": "QR code to your entry in the public register",
        "credential.qr_hint": "For a CV or a printed proof: the code leads to {url}.",
        "credential.refused.not_registered": "You are not registered (yet); a proof of registration exists only after registration.",
        "credential.refused.registration_not_active": "Your registration has expired, is suspended or was struck off; the register gives no proof of it.",
        "verify.title": "Check a proof of registration",
        "verify.lead": "Paste a proof of registration (the content of the .jwt file) or choose the file. You see whether it is valid, revoked, expired or forged, and why. You can also check offline: see Questions.",
        "verify.field": "Proof (VC-JWT)",
        "verify.file": "Or choose the file",
        "verify.submit": "Check",
        "verify.empty": "Paste a proof or choose a file.",
        "verify.too_long": "This is too long to be a proof from the register.",
        "verify.outcome.valid": "Valid",
        "verify.outcome.revoked": "Revoked",
        "verify.outcome.expired": "Expired",
        "verify.outcome.forged": "Forged",
        "verify.outcome.unknown": "Status unknown",
        "verify.subject": "Concerns",
        "verify.entry": "See the entry in the public register",
    },
}
