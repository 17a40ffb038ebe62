"""The mails about an account: confirming the address, resetting the password, the second factor."""

from __future__ import annotations

from registry.service_layer.notifications.letter import Draft, Language, Mail, compose, count_text


def confirm_email(name: str, link: str, valid_hours: int, lang: Language) -> Mail:
    """The link that confirms a new account's address (the token travels in the link only)."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Bevestig uw e-mailadres",
            f"Bevestig uw e-mailadres voor het LKLR via deze link (geldig {valid_hours} uur):\n\n{link}",
            "Heeft u geen account aangemaakt? Dan kunt u deze e-mail negeren.",
        ),
        en=Draft(
            "Confirm your e-mail address",
            f"Confirm your e-mail address for the LKLR with this link (valid for {valid_hours} hours):\n\n{link}",
            "If you did not sign up, you can ignore this mail.",
        ),
    )


def sign_up_for_existing_account(name: str, lang: Language) -> Mail:
    """Someone signed up with an address that has an account already."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Uw LKLR-account bestaat al",
            "Iemand probeerde een account aan te maken met dit e-mailadres, maar u heeft al een account. "
            "Was u dat zelf? Log dan in, of vraag een nieuw wachtwoord aan als u het vergeten bent.",
        ),
        en=Draft(
            "You already have an LKLR account",
            "Someone tried to sign up with this address, which already has an account. If that was you, sign "
            "in, or reset your password if you forgot it.",
        ),
    )


def reset_password(name: str, link: str, valid_minutes: int, lang: Language) -> Mail:
    """The single-use link to set a new password (the token travels in the link only)."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Nieuw wachtwoord instellen",
            "Stel een nieuw wachtwoord in via deze link (eenmalig te gebruiken, geldig "
            f"{count_text(valid_minutes, 'minuut', 'minuten')}):\n\n{link}",
            "Heeft u dit niet aangevraagd? Dan kunt u deze e-mail negeren; uw wachtwoord blijft ongewijzigd.",
        ),
        en=Draft(
            "Reset your password",
            "Set a new password with this link (single use, valid for "
            f"{count_text(valid_minutes, 'minute', 'minutes')}):\n\n{link}",
            "If you did not ask for this, ignore this mail: your password stays as it is.",
        ),
    )


def enrol_second_factor(name: str, link: str, valid_hours: int, lang: Language) -> Mail:
    """A new staff member's link to set up the authenticator app."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Stel uw tweede stap in",
            "U heeft een rol als medewerker van het LKLR gekregen. Voor die rol logt u in met uw wachtwoord én "
            "een code uit een authenticator-app. Stel die tweede stap in via deze link (eenmalig te gebruiken, "
            f"geldig {valid_hours} uur); u vult daar ook uw wachtwoord in:\n\n{link}",
            "Tot u dat gedaan heeft, logt u in zonder de rechten van die rol. Verwachtte u deze e-mail niet? "
            "Neem dan contact op met het register.",
        ),
        en=Draft(
            "Set up your second step",
            "You were given a staff role in the LKLR, which needs your password and a code from an "
            f"authenticator app. Set up that second step with this link (single use, valid for {valid_hours} "
            f"hours; it asks for your password too):\n\n{link}",
            "Until then you sign in without the rights of that role. Did you not expect this mail? Contact the "
            "register.",
        ),
    )


def password_changed(name: str, lang: Language) -> Mail:
    """The account's password was changed (every session ended)."""
    return compose(
        lang,
        name,
        nl=Draft(
            "Uw wachtwoord is gewijzigd",
            "Het wachtwoord van uw LKLR-account is zojuist gewijzigd; u bent overal afgemeld. Was u dit niet? "
            "Neem dan direct contact op met het register.",
        ),
        en=Draft(
            "Your password was changed",
            "The password of your LKLR account was just changed and every session was ended. If this was not "
            "you, contact the register at once.",
        ),
    )
