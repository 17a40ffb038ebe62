"""The texts of the registry's e-mails, in the recipient's language: Dutch (the register's language, the default)
or English. Pure functions returning (subject, body), so the wording is testable and kept out of the use cases.

Every mail function takes the language as a required argument: the caller decides, from the page a person asked
on (a mail sent at once) or the account's preferred language (every later mail, see ``repositories.mail.Contact``), so no
mail falls back to Dutch by forgetting to pass it. Each function writes its text once per language as a ``_Draft``
and ``_compose`` is the one place that picks the draft of the language and lays it out as a letter.

The words follow the web pages: dates as d-m-jjjj in Dutch (ISO in English), plurals by count ("1 activiteit",
"3 activiteiten"), and nothing a person cannot use: no internal ids and no one-time codes (the link carries it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Final, TypeAlias

from registry.domain import languages
from registry.domain.languages import DEFAULT_LANGUAGE

Mail = tuple[str, str]
# The language a mail is written in (the register's languages, ``domain.languages``).
Language: TypeAlias = languages.Language
_SIGNATURE: Final[Mapping[Language, str]] = {
    "nl": "Met vriendelijke groet,\n\nLandelijk Kwaliteitsregister Leerplicht & RMC",
    "en": "Kind regards,\n\nLandelijk Kwaliteitsregister Leerplicht & RMC (the national quality register)",
}
_GREETING: Final[Mapping[Language, str]] = {"nl": "Beste {name},", "en": "Dear {name},"}
# How a mail addresses a training provider whose name the event did not carry.
_PROVIDER: Final[Mapping[Language, str]] = {"nl": "opleider", "en": "training provider"}


def points_text(points: Decimal) -> str:
    """Points as mails show them: 160 or 160.5, never 160.00."""
    text = f"{points:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def date_text(day: date, lang: Language = DEFAULT_LANGUAGE) -> str:
    """A date as the pages show it: d-m-jjjj in Dutch (7-1-2026), ISO 8601 in English (2026-01-07)."""
    return f"{day.day}-{day.month}-{day.year}" if lang == "nl" else day.isoformat()


def _count(count: int, one: str, other: str) -> str:
    return f"{count} {one if count == 1 else other}"


class _Draft:
    """One language's text of a mail: its subject and the paragraphs of its body (empty ones are left out)."""

    __slots__ = ("paragraphs", "subject")

    def __init__(self, subject: str, *paragraphs: str) -> None:
        self.subject = subject
        self.paragraphs = tuple(paragraph for paragraph in paragraphs if paragraph)


def _compose(lang: Language, to: str | Mapping[Language, str] | None, *, nl: _Draft, en: _Draft) -> Mail:
    """The mail in ``lang``: that language's draft as a letter, with the greeting (``to`` is the name, a form of
    address per language, or None for mail to the office, which has no greeting) and the register's signature."""
    draft = {"nl": nl, "en": en}[lang]
    name = to if to is None or isinstance(to, str) else to[lang]
    greeting = [_GREETING[lang].format(name=name)] if name else []
    body = "\n\n".join([*greeting, *draft.paragraphs, _SIGNATURE[lang]]) + "\n"
    return draft.subject, body


# --- accounts --------------------------------------------------------------------------------------------------


def confirm_email(name: str, link: str, valid_hours: int, lang: Language) -> Mail:
    """The link that confirms a new account's address (the token travels in the link only)."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Bevestig uw e-mailadres",
            f"Bevestig uw e-mailadres voor het LKLR via deze link (geldig {valid_hours} uur):\n\n{link}",
            "Heeft u geen account aangemaakt? Dan kunt u deze e-mail negeren.",
        ),
        en=_Draft(
            "Confirm your e-mail address",
            f"Confirm your e-mail address for the LKLR with this link (valid for {valid_hours} hours):\n\n{link}",
            "If you did not sign up, you can ignore this mail.",
        ),
    )


def sign_up_for_existing_account(name: str, lang: Language) -> Mail:
    """Someone signed up with an address that has an account already."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Uw LKLR-account bestaat al",
            "Iemand probeerde een account aan te maken met dit e-mailadres, maar u heeft al een account. "
            "Was u dat zelf? Log dan in, of vraag een nieuw wachtwoord aan als u het vergeten bent.",
        ),
        en=_Draft(
            "You already have an LKLR account",
            "Someone tried to sign up with this address, which already has an account. If that was you, sign "
            "in, or reset your password if you forgot it.",
        ),
    )


def reset_password(name: str, link: str, valid_minutes: int, lang: Language) -> Mail:
    """The single-use link to set a new password (the token travels in the link only)."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Nieuw wachtwoord instellen",
            "Stel een nieuw wachtwoord in via deze link (eenmalig te gebruiken, geldig "
            f"{_count(valid_minutes, 'minuut', 'minuten')}):\n\n{link}",
            "Heeft u dit niet aangevraagd? Dan kunt u deze e-mail negeren; uw wachtwoord blijft ongewijzigd.",
        ),
        en=_Draft(
            "Reset your password",
            "Set a new password with this link (single use, valid for "
            f"{_count(valid_minutes, 'minute', 'minutes')}):\n\n{link}",
            "If you did not ask for this, ignore this mail: your password stays as it is.",
        ),
    )


def enrol_second_factor(name: str, link: str, valid_hours: int, lang: Language) -> Mail:
    """A new staff member's link to set up the authenticator app."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Stel uw tweede stap in",
            "U heeft een rol als medewerker van het LKLR gekregen. Voor die rol logt u in met uw wachtwoord én "
            "een code uit een authenticator-app. Stel die tweede stap in via deze link (eenmalig te gebruiken, "
            f"geldig {valid_hours} uur); u vult daar ook uw wachtwoord in:\n\n{link}",
            "Tot u dat gedaan heeft, logt u in zonder de rechten van die rol. Verwachtte u deze e-mail niet? "
            "Neem dan contact op met het register.",
        ),
        en=_Draft(
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
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Uw wachtwoord is gewijzigd",
            "Het wachtwoord van uw LKLR-account is zojuist gewijzigd; u bent overal afgemeld. Was u dit niet? "
            "Neem dan direct contact op met het register.",
        ),
        en=_Draft(
            "Your password was changed",
            "The password of your LKLR account was just changed and every session was ended. If this was not "
            "you, contact the register at once.",
        ),
    )


# --- registration ----------------------------------------------------------------------------------------------


def application_received(name: str, lang: Language) -> Mail:
    """The professional's application for registration arrived."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Aanvraag registratie ontvangen",
            "Wij hebben uw aanvraag voor registratie ontvangen. Het bureau beoordeelt hem; u krijgt bericht van "
            "het besluit. De stand van zaken ziet u in Mijn LKLR.",
        ),
        en=_Draft(
            "Application received",
            "We received your application for registration. The register office will decide on it and let you "
            "know; you can follow it in Mijn LKLR.",
        ),
    )


def new_application_in_queue(applicant: str, lang: Language) -> Mail:
    """To the office: an application waits for a decision."""
    return _compose(
        lang,
        None,
        nl=_Draft(
            "Nieuwe aanvraag in de wachtrij",
            f"Er staat een nieuwe aanvraag voor registratie van {applicant} klaar om te beoordelen, onder "
            "Beheer > Aanvragen.",
        ),
        en=_Draft(
            "New application in the queue",
            f"A new application for registration from {applicant} is waiting for a decision under Beheer > Aanvragen.",
        ),
    )


def application_approved(name: str, number: str, cycle_start: date, cycle_end: date, lang: Language) -> Mail:
    """The registration was granted: the number and the first cycle."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Uw registratie is goedgekeurd: {number}",
            f"Uw aanvraag is goedgekeurd. Uw registratienummer is {number}.\nUw eerste registratieperiode "
            f"loopt van {date_text(cycle_start)} tot en met {date_text(cycle_end)}.",
            "Geef uw registratienummer op bij opleiders, zodat zij uw scholing in uw portfolio kunnen plaatsen.",
        ),
        en=_Draft(
            f"Your registration was approved: {number}",
            f"Your application was approved. Your registration number is {number}.\nYour first cycle runs "
            f"from {date_text(cycle_start, 'en')} to {date_text(cycle_end, 'en')} inclusive.",
            "Give your registration number to training providers, so they can place your training in your portfolio.",
        ),
    )


def application_rejected(name: str, reason: str, reconsideration_weeks: int, lang: Language) -> Mail:
    """The application was rejected, with the office's reason."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Besluit over uw aanvraag",
            f"Uw aanvraag voor registratie is afgewezen. Reden:\n\n{reason}",
            f"U kunt binnen {_count(reconsideration_weeks, 'week', 'weken')} om heroverweging vragen.",
        ),
        en=_Draft(
            "Decision on your application",
            f"Your application for registration was rejected. Reason:\n\n{reason}",
            f"You may ask for reconsideration within {_count(reconsideration_weeks, 'week', 'weeks')}.",
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
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Uw registratie {number}: {status}",
            f"De status van uw registratie {number} is nu: {status}.",
            f"Reden: {reason}" if reason else "",
        ),
        en=_Draft(
            f"Your registration {number}: {status}",
            f"The status of your registration {number} is now: {status}.",
            f"Reason: {reason}" if reason else "",
        ),
    )


# --- re-registration -------------------------------------------------------------------------------------------


def reregistration_received(name: str, number: str, cycle_end: date, total_points: str, lang: Language) -> Mail:
    """The re-registration application (the frozen dossier) arrived."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Aanvraag herregistratie ontvangen: {number}",
            "Wij hebben uw aanvraag voor herregistratie ontvangen. Uw portfolio van de periode die eindigt op "
            f"{date_text(cycle_end)} is vastgelegd met {total_points} punten.",
            "Een deel van de aanvragen wordt steekproefsgewijs beoordeeld; u hoort het als de uwe daarbij is. "
            "Tot het besluit blijft u geregistreerd.",
        ),
        en=_Draft(
            f"Re-registration application received: {number}",
            "We received your application for re-registration; your portfolio of the cycle ending on "
            f"{date_text(cycle_end, 'en')} was frozen with {total_points} points.",
            "Some applications are audited at random; you will hear if yours is. You stay registered until the "
            "decision.",
        ),
    )


_REFUSAL: Final = {
    "nl": {
        "late": "de aanvraag kwam na het einde van uw registratieperiode binnen",
        "norm_not_met": "uw portfolio voldoet niet aan de norm",
    },
    "en": {
        "late": "the application arrived after the end of your cycle",
        "norm_not_met": "your portfolio does not meet the norm",
    },
}


def reregistration_refused(name: str, number: str, reason: str, lang: Language) -> Mail:
    """The frozen dossier cannot be taken as an application (late, norm not met)."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Aanvraag herregistratie niet in behandeling: {number}",
            "Wij kunnen uw aanvraag voor herregistratie niet in behandeling nemen: "
            f"{_REFUSAL['nl'].get(reason, reason)}.",
            "Na het einde van uw registratieperiode vervalt uw registratie; daarna kunt u opnieuw registratie "
            "aanvragen.",
        ),
        en=_Draft(
            f"Re-registration application not accepted: {number}",
            f"We cannot accept your application for re-registration: {_REFUSAL['en'].get(reason, reason)}.",
            "Your registration lapses after the end of your cycle; you may then apply for registration again.",
        ),
    )


def selected_for_audit(name: str, number: str, activity_count: int, lang: Language) -> Mail:
    """The dossier was sampled: how many activities the committee reviews."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Uw herregistratie is geselecteerd voor de steekproef: {number}",
            "Uw aanvraag voor herregistratie is geselecteerd voor de steekproef. De beoordelingscommissie "
            f"bekijkt {_count(activity_count, 'activiteit', 'activiteiten')} uit uw portfolio met de "
            "bewijsstukken.",
            "Als er meer informatie nodig is, krijgt u bericht. Tot het besluit blijft u geregistreerd.",
        ),
        en=_Draft(
            f"Your re-registration was selected for the audit: {number}",
            "Your re-registration application was selected for the audit: the assessment committee reviews "
            f"{_count(activity_count, 'activity', 'activities')} of your portfolio with their evidence.",
            "You will hear if more information is needed. You stay registered until the decision.",
        ),
    )


def more_information_needed(name: str, number: str, question: str, answer_by: date, lang: Language) -> Mail:
    """The reviewer asks for more information about an activity, with the deadline."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Meer informatie nodig voor uw herregistratie: {number}",
            "De beoordelingscommissie heeft meer informatie nodig over een activiteit in uw portfolio.",
            f"Vraag: {question}" if question.strip() else "",
            f"Geef uw antwoord uiterlijk {date_text(answer_by)} bij uw herregistratie in Mijn LKLR.",
        ),
        en=_Draft(
            f"More information needed for your re-registration: {number}",
            "The assessment committee needs more information about one activity of your portfolio.",
            f"Question: {question}" if question.strip() else "",
            f"Answer by {date_text(answer_by, 'en')} at the latest, with your re-registration in Mijn LKLR.",
        ),
    )


def returned_for_correction(name: str, number: str, correct_by: date, lang: Language) -> Mail:
    """The audit's rejections took the dossier below the norm: it may be completed until ``correct_by``."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Uw herregistratie: aanvullen mogelijk tot en met {date_text(correct_by)} ({number})",
            "Na de beoordeling voldoet uw portfolio niet meer aan de norm. U kunt activiteiten uit dezelfde "
            f"registratieperiode toevoegen tot en met {date_text(correct_by)}.",
            "Uw aanvraag blijft zolang in behandeling en u blijft geregistreerd.",
        ),
        en=_Draft(
            f"Your re-registration: you may add activities until {date_text(correct_by, 'en')} ({number})",
            "After the review your portfolio no longer meets the norm. You may add activities of the same "
            f"cycle until {date_text(correct_by, 'en')} inclusive.",
            "Your application stays pending and you stay registered.",
        ),
    )


def reregistration_granted(name: str, number: str, next_start: date, next_end: date, lang: Language) -> Mail:
    """The re-registration was granted: the next cycle."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Uw herregistratie is toegekend: {number}",
            "Uw herregistratie is toegekend. Uw nieuwe registratieperiode loopt van "
            f"{date_text(next_start)} tot en met {date_text(next_end)}.",
        ),
        en=_Draft(
            f"Your re-registration was granted: {number}",
            f"Your re-registration was granted. Your next cycle runs from {date_text(next_start, 'en')} to "
            f"{date_text(next_end, 'en')} inclusive.",
        ),
    )


def reregistration_not_granted(
    name: str,
    number: str,
    valid_until: date,
    lapsed_already: bool,
    reconsideration_weeks: int,
    lang: Language,
) -> Mail:
    """The re-registration was not granted: when the registration lapses, and the reconsideration period."""
    if lapsed_already:
        ends_nl = f"Uw registratie is vervallen; de registratieperiode eindigde op {date_text(valid_until)}."
        ends_en = f"Your registration has lapsed; its cycle ended on {date_text(valid_until, 'en')}."
    else:
        ends_nl = f"Uw registratie vervalt na {date_text(valid_until)}, het einde van uw registratieperiode."
        ends_en = f"Your registration lapses after {date_text(valid_until, 'en')}, the end of your cycle."
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Uw herregistratie is niet toegekend: {number}",
            f"Na de beoordeling voldoet uw portfolio niet aan de norm; uw herregistratie is niet toegekend. {ends_nl}",
            f"U kunt binnen {_count(reconsideration_weeks, 'week', 'weken')} om heroverweging vragen. Daarna "
            "kunt u opnieuw registratie aanvragen.",
        ),
        en=_Draft(
            f"Your re-registration was not granted: {number}",
            f"After the review your portfolio does not meet the norm: your re-registration was not granted. {ends_en}",
            "You may ask for reconsideration within "
            f"{_count(reconsideration_weeks, 'week', 'weeks')}, and apply for registration again later.",
        ),
    )


def norm_met(name: str, number: str, cycle_start: date, cycle_end: date, lang: Language) -> Mail:
    """The portfolio meets the norm of the cycle: a norm-met credential can be downloaded."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"U voldoet aan de norm: {number}",
            f"Uw portfolio voldoet aan de norm van uw registratieperiode ({date_text(cycle_start)} tot en met "
            f"{date_text(cycle_end)}). Op Mijn LKLR, onder Bewijs van registratie, downloadt u nu ook een "
            "digitaal bewijs dat u de norm hebt behaald.",
            "Herregistratie aanvragen kan vanaf zes maanden voor het einde van de periode.",
        ),
        en=_Draft(
            f"You meet the norm: {number}",
            f"Your portfolio meets the norm of your cycle ({date_text(cycle_start, 'en')} to "
            f"{date_text(cycle_end, 'en')} inclusive). On My LKLR, under Proof of registration, you can now also "
            "download a digital proof that you met the norm.",
            "You may apply for re-registration from six months before the end of the cycle.",
        ),
    )


def registration_lapsed(name: str, number: str, cycle_end: date, lang: Language) -> Mail:
    """The cycle ended without a granted re-registration."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Uw registratie {number} is vervallen",
            f"Uw registratieperiode eindigde op {date_text(cycle_end)} zonder toegekende herregistratie; uw "
            "registratie is vervallen en het openbare register toont dat.",
            "U kunt opnieuw registratie aanvragen in Mijn LKLR.",
        ),
        en=_Draft(
            f"Your registration {number} has lapsed",
            f"Your cycle ended on {date_text(cycle_end, 'en')} without a granted re-registration, so your "
            "registration has lapsed and the public register shows it.",
            "You may apply for registration again in Mijn LKLR.",
        ),
    )


def cycle_end_reminder(
    name: str, number: str, cycle_end: date, today: date, application_opens: date, lang: Language
) -> Mail:
    """A reminder before the cycle ends while no application is in."""
    days_left = (cycle_end - today).days
    if application_opens <= today:
        opens_nl, opens_en = "U kunt nu herregistratie aanvragen.", "You can apply for re-registration now."
    else:
        opens_nl = f"U kunt herregistratie aanvragen vanaf {date_text(application_opens)}."
        opens_en = f"You can apply for re-registration from {date_text(application_opens, 'en')}."
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Herinnering: uw registratieperiode eindigt op {date_text(cycle_end)} ({number})",
            f"Uw registratieperiode eindigt op {date_text(cycle_end)}, over {_count(days_left, 'dag', 'dagen')}, "
            f"en wij hebben nog geen aanvraag voor herregistratie van u. {opens_nl}",
            "Zonder tijdige aanvraag vervalt uw registratie na het einde van de periode.",
        ),
        en=_Draft(
            f"Reminder: your cycle ends on {date_text(cycle_end, 'en')} ({number})",
            f"Your cycle ends on {date_text(cycle_end, 'en')}, in {_count(days_left, 'day', 'days')}, and we "
            f"have no re-registration application from you yet. {opens_en}",
            "Without a timely application your registration lapses after the end of the cycle.",
        ),
    )


def cycle_extension_refused(
    name: str,
    number: str,
    weeks: int,
    reason: str,
    reasons: str,
    objection_until: date,
    lang: Language,
) -> Mail:
    """The office refused a request to extend the cycle; the reasons and how to object."""
    reason_text = {
        "nl": {"illness": "ziekte", "pregnancy": "zwangerschap"},
        "en": {"illness": "illness", "pregnancy": "pregnancy"},
    }
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Uw verzoek om verlenging van de registratieperiode is afgewezen ({number})",
            f"Het bureau heeft uw verzoek om uw registratieperiode wegens {reason_text['nl'].get(reason, reason)} "
            f"met {_count(weeks, 'week', 'weken')} te verlengen afgewezen.",
            f"Reden:\n{reasons}",
            f"Bent u het hier niet mee eens, dan kunt u tot en met {date_text(objection_until)} bezwaar maken via "
            "Mijn LKLR (Bezwaar).",
        ),
        en=_Draft(
            f"Your request to extend your cycle was refused ({number})",
            f"The register office refused your request to extend your cycle by {_count(weeks, 'week', 'weeks')} "
            f"({reason_text['en'].get(reason, reason)}).",
            f"Reasons:\n{reasons}",
            f"If you disagree, you can object until {date_text(objection_until, 'en')} in My LKLR (Objection).",
        ),
    )


def cycle_extended(name: str, number: str, new_end: date, weeks: int, reason: str, lang: Language) -> Mail:
    """The office extended the cycle (illness, pregnancy)."""
    reason_text = {
        "nl": {"illness": "ziekte", "pregnancy": "zwangerschap"},
        "en": {"illness": "illness", "pregnancy": "pregnancy"},
    }
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Uw registratieperiode is verlengd tot en met {date_text(new_end)} ({number})",
            f"Het bureau heeft uw registratieperiode wegens {reason_text['nl'].get(reason, reason)} met "
            f"{_count(weeks, 'week', 'weken')} verlengd. De periode eindigt nu op {date_text(new_end)}.",
        ),
        en=_Draft(
            f"Your cycle was extended until {date_text(new_end, 'en')} ({number})",
            f"The register office extended your cycle by {_count(weeks, 'week', 'weeks')} "
            f"({reason_text['en'].get(reason, reason)}); it now ends on {date_text(new_end, 'en')}.",
        ),
    )


# --- the portfolio and providers -------------------------------------------------------------------------------


def new_entries_to_check(name: str, entries: list[tuple[date, str, str]], check_days: int, lang: Language) -> Mail:
    """``entries``: (completion date, category, points) per new provider-placed entry."""
    lines_nl = "\n".join(f"- {date_text(day)}: {points} punten ({category})" for day, category, points in entries)
    lines_en = "\n".join(f"- {date_text(day, 'en')}: {points} points ({category})" for day, category, points in entries)
    count = len(entries)
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"{_count(count, 'nieuwe registratie', 'nieuwe registraties')} in uw portfolio",
            f"Een opleider heeft nieuwe scholing in uw portfolio geplaatst:\n\n{lines_nl}",
            "Controleer ze in uw portfolio: u kunt elke registratie binnen "
            f"{_count(check_days, 'dag', 'dagen')} bevestigen of betwisten. Doet u niets, dan geldt de "
            "registratie als akkoord.",
        ),
        en=_Draft(
            f"{_count(count, 'new entry', 'new entries')} in your portfolio",
            f"A training provider placed new training in your portfolio:\n\n{lines_en}",
            "Check them in your portfolio: you can confirm or dispute each within "
            f"{_count(check_days, 'day', 'days')}; if you do nothing, the entry counts as accepted.",
        ),
    )


def activity_disputed_for_office(
    person: str, number: str | None, reason: str, disputed_on: date, lang: Language
) -> Mail:
    """To the office: a professional disputed a provider-placed entry."""
    registration = f" ({number})" if number else ""
    return _compose(
        lang,
        None,
        nl=_Draft(
            f"Betwiste registratie van {person}{registration}",
            f"{person}{registration} heeft op {date_text(disputed_on)} een door een opleider geplaatste "
            f"registratie betwist. Reden:\n\n{reason}",
            "De opleider is ingelicht en kan de registratie corrigeren of intrekken.",
        ),
        en=_Draft(
            f"Disputed entry of {person}{registration}",
            f"{person}{registration} disputed a provider-placed entry on {date_text(disputed_on, 'en')}. "
            f"Reason:\n\n{reason}",
            "The provider was told and can correct or void it.",
        ),
    )


def course_objection_step(
    provider: str,
    title: str,
    step: str,
    decided_on: date,
    decision_due_on: date,
    lang: Language,
    *,
    hearing: tuple[datetime, str] | None = None,
    reasons: str | None = None,
    upheld: bool | None = None,
) -> Mail:
    """To the provider: a step in their objection against a course decision (the register's one objection flow):
    ``received``, ``acknowledged``, ``hearing`` (``hearing``: local time and place), ``extended`` (``reasons``: why),
    ``decided`` (``upheld`` and the ``reasons``)."""
    nl_decision = f'het besluit van {date_text(decided_on)} over de cursus "{title}"'
    en_decision = f'the decision of {date_text(decided_on, "en")} on the course "{title}"'
    due_nl, due_en = date_text(decision_due_on), date_text(decision_due_on, "en")
    when_nl = when_en = place = ""
    if hearing is not None:
        at, place = hearing
        when_nl = f"{date_text(at.date())} om {at:%H:%M} uur"
        when_en = f"{date_text(at.date(), 'en')} at {at:%H:%M}"
    verdict_nl = "gegrond" if upheld else "ongegrond"
    verdict_en = "upheld" if upheld else "not upheld"
    drafts: dict[str, tuple[_Draft, _Draft]] = {
        "received": (
            _Draft(
                f"Uw bezwaar is ontvangen: {title}",
                f"Wij hebben uw bezwaar tegen {nl_decision} ontvangen. Het bureau beslist uiterlijk op {due_nl}.",
            ),
            _Draft(
                f"Your objection was received: {title}",
                f"We received your objection against {en_decision}. The register office decides by {due_en}.",
            ),
        ),
        "acknowledged": (
            _Draft(
                f"Ontvangstbevestiging van uw bezwaar: {title}",
                f"Het bureau bevestigt de ontvangst van uw bezwaar tegen {nl_decision}. Het beslist uiterlijk op "
                f"{due_nl}.",
            ),
            _Draft(
                f"Receipt of your objection acknowledged: {title}",
                f"The register office acknowledges receipt of your objection against {en_decision}. It decides by "
                f"{due_en}.",
            ),
        ),
        "hearing": (
            _Draft(
                f"Uitnodiging voor een hoorzitting over uw bezwaar: {title}",
                f"U bent uitgenodigd om uw bezwaar tegen {nl_decision} toe te lichten op een hoorzitting: "
                f"{when_nl}, {place}.",
            ),
            _Draft(
                f"Invitation to a hearing on your objection: {title}",
                f"You are invited to explain your objection against {en_decision} at a hearing: {when_en}, {place}.",
            ),
        ),
        "extended": (
            _Draft(
                f"De beslistermijn van uw bezwaar is verlengd: {title}",
                f"Het bureau beslist op uw bezwaar tegen {nl_decision} uiterlijk op {due_nl}.",
                f"Reden: {reasons or ''}",
            ),
            _Draft(
                f"The decision term of your objection was extended: {title}",
                f"The register office decides on your objection against {en_decision} by {due_en}.",
                f"Reason: {reasons or ''}",
            ),
        ),
        "decided": (
            _Draft(
                f"Beslissing op uw bezwaar: {verdict_nl} ({title})",
                f"Uw bezwaar tegen {nl_decision} is {verdict_nl} verklaard.",
                f"Motivering:\n{reasons or ''}",
                "De accreditatiecommissie neemt een nieuw besluit over de cursus."
                if upheld
                else "Het besluit blijft in stand. Tegen deze beslissing kunt u in beroep gaan bij de rechtbank.",
            ),
            _Draft(
                f"Decision on your objection: {verdict_en} ({title})",
                f"Your objection against {en_decision} is {verdict_en}.",
                f"Reasons:\n{reasons or ''}",
                "The accreditation committee takes a new decision on the course."
                if upheld
                else "The decision stands. You may appeal against this decision to the district court.",
            ),
        ),
    }
    nl, en = drafts[step]
    return _compose(lang, provider or _PROVIDER, nl=nl, en=en)


def course_accredited(
    provider: str,
    title: str,
    points: str,
    valid_from: date,
    valid_until: date,
    reason: str,
    lang: Language,
) -> Mail:
    """To the provider: the committee accredited a course."""
    return _compose(
        lang,
        provider or _PROVIDER,
        nl=_Draft(
            f"Cursus geaccrediteerd: {title}",
            f'De accreditatiecommissie heeft de cursus "{title}" geaccrediteerd voor {points} punten, geldig van '
            f"{date_text(valid_from)} tot en met {date_text(valid_until)}. De cursus staat nu in de openbare "
            "opleidingenlijst en u kunt na afloop van een editie de aanwezigheid melden.",
            f"Toelichting: {reason}" if reason.strip() else "",
        ),
        en=_Draft(
            f"Course accredited: {title}",
            f'The accreditation committee accredited the course "{title}" for {points} points, valid from '
            f"{date_text(valid_from, 'en')} to {date_text(valid_until, 'en')} inclusive. It is now in the public "
            "catalogue, and you can post attendance once an edition has ended.",
            f"Reason: {reason}" if reason.strip() else "",
        ),
    )


def webhook_endpoint_disabled(provider: str, url: str, failed_attempts: int, lang: Language) -> Mail:
    """To the provider: an endpoint that kept failing was disabled; waiting messages are kept."""
    return _compose(
        lang,
        provider or _PROVIDER,
        nl=_Draft(
            "Webhook-endpoint uitgeschakeld",
            f"Het register kon {failed_attempts} keer achter elkaar geen bericht afleveren op uw webhook-endpoint "
            f"{url} en heeft het daarom uitgeschakeld.",
            "Berichten die nog wachten, gaan niet verloren: zet het endpoint in het aanbiedersportaal (Webhooks) "
            "weer aan zodra het bereikbaar is, dan worden ze alsnog verstuurd. Het afleverlogboek laat per bericht "
            "zien welk antwoord het endpoint gaf.",
        ),
        en=_Draft(
            "Webhook endpoint disabled",
            f"The register failed to deliver to your webhook endpoint {url} {failed_attempts} times in a row and "
            "has disabled it.",
            "Waiting messages are kept: enable the endpoint again in the provider portal (Webhooks) once it "
            "answers, and they are sent. The delivery log shows each message's answer.",
        ),
    )


def accreditation_withdrawn(provider: str, title: str, withdrawn_on: date, reason: str, lang: Language) -> Mail:
    """To the provider: the committee withdrew an accreditation (``title`` may be empty when unknown)."""
    title_nl, title_en = title or "(titel onbekend)", title or "(title unknown)"
    return _compose(
        lang,
        provider or _PROVIDER,
        nl=_Draft(
            f"Accreditatie ingetrokken: {title_nl}",
            f'De accreditatiecommissie heeft de accreditatie van de cursus "{title_nl}" ingetrokken met ingang van '
            f"{date_text(withdrawn_on)}.\nToelichting: {reason}",
            "Punten die deelnemers vóór die datum behaalden, blijven staan. U kunt binnen de bezwaartermijn "
            "bezwaar maken in het aanbiedersportaal.",
        ),
        en=_Draft(
            f"Accreditation withdrawn: {title_en}",
            f'The accreditation committee withdrew the accreditation of the course "{title_en}" from '
            f"{date_text(withdrawn_on, 'en')}.\nReason: {reason}",
            "Points earned before that day stay. You may object within the objection period in the provider portal.",
        ),
    )


def attendance_disputed_for_provider(
    provider: str, number: str | None, reason: str, disputed_on: date, lang: Language
) -> Mail:
    """To the provider: a professional disputed one of its attendance entries (found under Betwistingen)."""
    who = f"De professional met registratienummer {number}" if number else "Een professional"
    who_en = f"The professional with registration number {number}" if number else "A professional"
    return _compose(
        lang,
        provider or _PROVIDER,
        nl=_Draft(
            "Betwiste aanwezigheidsregistratie",
            f"{who} heeft op {date_text(disputed_on)} een aanwezigheidsregistratie van u betwist. Reden:\n\n{reason}",
            "U vindt de registratie in het aanbiedersportaal onder Betwistingen. Corrigeer haar of trek haar in "
            "als dat nodig is.",
        ),
        en=_Draft(
            "Disputed attendance entry",
            f"{who_en} disputed one of your attendance entries on {date_text(disputed_on, 'en')}. Reason:\n\n{reason}",
            "You find it in the provider portal under Betwistingen (disputes). Correct or void it if needed.",
        ),
    )


# --- objections (bezwaar) --------------------------------------------------------------------------------------


def objection_received(name: str, decision: str, filed_on: date, decision_due_on: date, lang: Language) -> Mail:
    """The objector's copy: the objection reached the register (the office acknowledges it separately)."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Uw bezwaar is ontvangen",
            f"Wij hebben op {date_text(filed_on)} uw bezwaar ontvangen tegen: {decision}.",
            f"Het bureau beslist uiterlijk op {date_text(decision_due_on)}. Deze termijn kan één keer met zes "
            "weken worden verlengd; dat hoort u dan van ons. U kunt de stand van zaken volgen in Mijn LKLR, "
            "onder Bezwaar maken.",
        ),
        en=_Draft(
            "Your objection was received",
            f"On {date_text(filed_on, 'en')} we received your objection to: {decision}.",
            f"The register office decides by {date_text(decision_due_on, 'en')}. This term may be extended once "
            "by six weeks; we will tell you if it is. Follow your objection in Mijn LKLR, under Objections.",
        ),
    )


def objection_to_office(objector: str, decision: str, decision_due_on: date, lang: Language) -> Mail:
    """New work in the office's objection queue."""
    return _compose(
        lang,
        None,
        nl=_Draft(
            f"Nieuw bezwaar van {objector}",
            f"{objector} maakt bezwaar tegen: {decision}.",
            f"Bevestig de ontvangst en beslis uiterlijk op {date_text(decision_due_on)}: zie Beheer, Bezwaren.",
        ),
        en=_Draft(
            f"New objection from {objector}",
            f"{objector} objects to: {decision}.",
            f"Acknowledge receipt and decide by {date_text(decision_due_on, 'en')}: see the office's Objections page.",
        ),
    )


def objection_acknowledged(name: str, decision: str, decision_due_on: date, lang: Language) -> Mail:
    """The office's acknowledgement of receipt, with the decision deadline."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Ontvangstbevestiging van uw bezwaar",
            f"Het bureau bevestigt de ontvangst van uw bezwaar tegen: {decision}.",
            f"Wij beslissen uiterlijk op {date_text(decision_due_on)}. Het bureau kan u uitnodigen om uw bezwaar "
            "toe te lichten op een hoorzitting.",
        ),
        en=_Draft(
            "Acknowledgement of your objection",
            f"The register office acknowledges receipt of your objection to: {decision}.",
            f"We decide by {date_text(decision_due_on, 'en')}. The office may invite you to a hearing to explain "
            "your objection.",
        ),
    )


def objection_hearing(name: str, when: str, place: str, lang: Language) -> Mail:
    """An invitation to the hearing on the objection (``when``: date and time as the register's clock reads)."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "Uitnodiging voor een hoorzitting over uw bezwaar",
            f"U bent uitgenodigd om uw bezwaar toe te lichten op een hoorzitting: {when}, {place}.",
            "Kunt u niet? Neem dan contact op met het bureau; u kunt uw bezwaar ook schriftelijk aanvullen.",
        ),
        en=_Draft(
            "Invitation to a hearing on your objection",
            f"You are invited to explain your objection at a hearing: {when}, {place}.",
            "Cannot come? Contact the register office; you may also add to your objection in writing.",
        ),
    )


def objection_term_extended(name: str, decision_due_on: date, reason: str, lang: Language) -> Mail:
    """The office extended the decision term once."""
    return _compose(
        lang,
        name,
        nl=_Draft(
            "De beslistermijn van uw bezwaar is verlengd",
            f"Het bureau heeft de termijn om op uw bezwaar te beslissen verlengd tot en met "
            f"{date_text(decision_due_on)}. Reden: {reason}",
        ),
        en=_Draft(
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
    return _compose(
        lang,
        name,
        nl=_Draft(
            f"Beslissing op uw bezwaar: {verdict_nl}",
            f"Het bureau heeft beslist op uw bezwaar tegen: {decision}. Uw bezwaar is {verdict_nl}.",
            f"Motivering: {reasons}",
            follows_nl.format(end=end_nl),
        ),
        en=_Draft(
            f"Decision on your objection: {verdict_en}",
            f"The register office decided on your objection to: {decision}. Your objection is {verdict_en}.",
            f"Reasons: {reasons}",
            follows_en.format(end=end_en),
        ),
    )
