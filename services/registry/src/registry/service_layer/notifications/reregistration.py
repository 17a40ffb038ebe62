"""The mails about re-registration, the audit of a dossier, the norm and the cycle's end."""

from __future__ import annotations

from datetime import date
from typing import Final

from registry.service_layer.notifications.letter import Draft, Language, Mail, compose, count_text, date_text


def reregistration_received(name: str, number: str, cycle_end: date, total_points: str, lang: Language) -> Mail:
    """The re-registration application (the frozen dossier) arrived."""
    return compose(
        lang,
        name,
        nl=Draft(
            f"Aanvraag herregistratie ontvangen: {number}",
            "Wij hebben uw aanvraag voor herregistratie ontvangen. Uw portfolio van de periode die eindigt op "
            f"{date_text(cycle_end)} is vastgelegd met {total_points} punten.",
            "Een deel van de aanvragen wordt steekproefsgewijs beoordeeld; u hoort het als de uwe daarbij is. "
            "Tot het besluit blijft u geregistreerd.",
        ),
        en=Draft(
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
    return compose(
        lang,
        name,
        nl=Draft(
            f"Aanvraag herregistratie niet in behandeling: {number}",
            "Wij kunnen uw aanvraag voor herregistratie niet in behandeling nemen: "
            f"{_REFUSAL['nl'].get(reason, reason)}.",
            "Na het einde van uw registratieperiode vervalt uw registratie; daarna kunt u opnieuw registratie "
            "aanvragen.",
        ),
        en=Draft(
            f"Re-registration application not accepted: {number}",
            f"We cannot accept your application for re-registration: {_REFUSAL['en'].get(reason, reason)}.",
            "Your registration lapses after the end of your cycle; you may then apply for registration again.",
        ),
    )


def selected_for_audit(name: str, number: str, activity_count: int, lang: Language) -> Mail:
    """The dossier was sampled: how many activities the committee reviews."""
    return compose(
        lang,
        name,
        nl=Draft(
            f"Uw herregistratie is geselecteerd voor de steekproef: {number}",
            "Uw aanvraag voor herregistratie is geselecteerd voor de steekproef. De beoordelingscommissie "
            f"bekijkt {count_text(activity_count, 'activiteit', 'activiteiten')} uit uw portfolio met de "
            "bewijsstukken.",
            "Als er meer informatie nodig is, krijgt u bericht. Tot het besluit blijft u geregistreerd.",
        ),
        en=Draft(
            f"Your re-registration was selected for the audit: {number}",
            "Your re-registration application was selected for the audit: the assessment committee reviews "
            f"{count_text(activity_count, 'activity', 'activities')} of your portfolio with their evidence.",
            "You will hear if more information is needed. You stay registered until the decision.",
        ),
    )


def more_information_needed(name: str, number: str, question: str, answer_by: date, lang: Language) -> Mail:
    """The reviewer asks for more information about an activity, with the deadline."""
    return compose(
        lang,
        name,
        nl=Draft(
            f"Meer informatie nodig voor uw herregistratie: {number}",
            "De beoordelingscommissie heeft meer informatie nodig over een activiteit in uw portfolio.",
            f"Vraag: {question}" if question.strip() else "",
            f"Geef uw antwoord uiterlijk {date_text(answer_by)} bij uw herregistratie in Mijn LKLR.",
        ),
        en=Draft(
            f"More information needed for your re-registration: {number}",
            "The assessment committee needs more information about one activity of your portfolio.",
            f"Question: {question}" if question.strip() else "",
            f"Answer by {date_text(answer_by, 'en')} at the latest, with your re-registration in Mijn LKLR.",
        ),
    )


def returned_for_correction(name: str, number: str, correct_by: date, lang: Language) -> Mail:
    """The audit's rejections took the dossier below the norm: it may be completed until ``correct_by``."""
    return compose(
        lang,
        name,
        nl=Draft(
            f"Uw herregistratie: aanvullen mogelijk tot en met {date_text(correct_by)} ({number})",
            "Na de beoordeling voldoet uw portfolio niet meer aan de norm. U kunt activiteiten uit dezelfde "
            f"registratieperiode toevoegen tot en met {date_text(correct_by)}.",
            "Uw aanvraag blijft zolang in behandeling en u blijft geregistreerd.",
        ),
        en=Draft(
            f"Your re-registration: you may add activities until {date_text(correct_by, 'en')} ({number})",
            "After the review your portfolio no longer meets the norm. You may add activities of the same "
            f"cycle until {date_text(correct_by, 'en')} inclusive.",
            "Your application stays pending and you stay registered.",
        ),
    )


def reregistration_granted(name: str, number: str, next_start: date, next_end: date, lang: Language) -> Mail:
    """The re-registration was granted: the next cycle."""
    return compose(
        lang,
        name,
        nl=Draft(
            f"Uw herregistratie is toegekend: {number}",
            "Uw herregistratie is toegekend. Uw nieuwe registratieperiode loopt van "
            f"{date_text(next_start)} tot en met {date_text(next_end)}.",
        ),
        en=Draft(
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
    return compose(
        lang,
        name,
        nl=Draft(
            f"Uw herregistratie is niet toegekend: {number}",
            f"Na de beoordeling voldoet uw portfolio niet aan de norm; uw herregistratie is niet toegekend. {ends_nl}",
            f"U kunt binnen {count_text(reconsideration_weeks, 'week', 'weken')} om heroverweging vragen. Daarna "
            "kunt u opnieuw registratie aanvragen.",
        ),
        en=Draft(
            f"Your re-registration was not granted: {number}",
            f"After the review your portfolio does not meet the norm: your re-registration was not granted. {ends_en}",
            "You may ask for reconsideration within "
            f"{count_text(reconsideration_weeks, 'week', 'weeks')}, and apply for registration again later.",
        ),
    )


def norm_met(name: str, number: str, cycle_start: date, cycle_end: date, lang: Language) -> Mail:
    """The portfolio meets the norm of the cycle: a norm-met credential can be downloaded."""
    return compose(
        lang,
        name,
        nl=Draft(
            f"U voldoet aan de norm: {number}",
            f"Uw portfolio voldoet aan de norm van uw registratieperiode ({date_text(cycle_start)} tot en met "
            f"{date_text(cycle_end)}). Op Mijn LKLR, onder Bewijs van registratie, downloadt u nu ook een "
            "digitaal bewijs dat u de norm hebt behaald.",
            "Herregistratie aanvragen kan vanaf zes maanden voor het einde van de periode.",
        ),
        en=Draft(
            f"You meet the norm: {number}",
            f"Your portfolio meets the norm of your cycle ({date_text(cycle_start, 'en')} to "
            f"{date_text(cycle_end, 'en')} inclusive). On My LKLR, under Proof of registration, you can now also "
            "download a digital proof that you met the norm.",
            "You may apply for re-registration from six months before the end of the cycle.",
        ),
    )


def registration_lapsed(name: str, number: str, cycle_end: date, lang: Language) -> Mail:
    """The cycle ended without a granted re-registration."""
    return compose(
        lang,
        name,
        nl=Draft(
            f"Uw registratie {number} is vervallen",
            f"Uw registratieperiode eindigde op {date_text(cycle_end)} zonder toegekende herregistratie; uw "
            "registratie is vervallen en het openbare register toont dat.",
            "U kunt opnieuw registratie aanvragen in Mijn LKLR.",
        ),
        en=Draft(
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
    return compose(
        lang,
        name,
        nl=Draft(
            f"Herinnering: uw registratieperiode eindigt op {date_text(cycle_end)} ({number})",
            f"Uw registratieperiode eindigt op {date_text(cycle_end)}, over {count_text(days_left, 'dag', 'dagen')}, "
            f"en wij hebben nog geen aanvraag voor herregistratie van u. {opens_nl}",
            "Zonder tijdige aanvraag vervalt uw registratie na het einde van de periode.",
        ),
        en=Draft(
            f"Reminder: your cycle ends on {date_text(cycle_end, 'en')} ({number})",
            f"Your cycle ends on {date_text(cycle_end, 'en')}, in {count_text(days_left, 'day', 'days')}, and we "
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
    return compose(
        lang,
        name,
        nl=Draft(
            f"Uw verzoek om verlenging van de registratieperiode is afgewezen ({number})",
            f"Het bureau heeft uw verzoek om uw registratieperiode wegens {reason_text['nl'].get(reason, reason)} "
            f"met {count_text(weeks, 'week', 'weken')} te verlengen afgewezen.",
            f"Reden:\n{reasons}",
            f"Bent u het hier niet mee eens, dan kunt u tot en met {date_text(objection_until)} bezwaar maken via "
            "Mijn LKLR (Bezwaar).",
        ),
        en=Draft(
            f"Your request to extend your cycle was refused ({number})",
            f"The register office refused your request to extend your cycle by {count_text(weeks, 'week', 'weeks')} "
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
    return compose(
        lang,
        name,
        nl=Draft(
            f"Uw registratieperiode is verlengd tot en met {date_text(new_end)} ({number})",
            f"Het bureau heeft uw registratieperiode wegens {reason_text['nl'].get(reason, reason)} met "
            f"{count_text(weeks, 'week', 'weken')} verlengd. De periode eindigt nu op {date_text(new_end)}.",
        ),
        en=Draft(
            f"Your cycle was extended until {date_text(new_end, 'en')} ({number})",
            f"The register office extended your cycle by {count_text(weeks, 'week', 'weeks')} "
            f"({reason_text['en'].get(reason, reason)}); it now ends on {date_text(new_end, 'en')}.",
        ),
    )
