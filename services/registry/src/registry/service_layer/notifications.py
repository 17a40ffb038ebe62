"""The texts of the registry's e-mails: Dutch first (the register's language), English below it.

Pure functions returning (subject, body), so the wording is testable and kept out of the use cases.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

_SIGNATURE = "Landelijk Kwaliteitsregister Leerplicht & RMC"

Mail = tuple[str, str]


def points_text(points: Decimal) -> str:
    """Points as mails show them: 160 or 160.5, never 160.00."""
    text = f"{points:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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


def enrol_second_factor(name: str, link: str, valid_hours: int) -> Mail:
    return (
        "Stel uw tweede stap in / Set up your second step",
        f"Beste {name},\n\n"
        "U heeft een rol als medewerker van het LKLR gekregen. Voor die rol logt u in met uw wachtwoord én een "
        "code uit een authenticator-app. Stel die tweede stap in via deze link (eenmalig te gebruiken, geldig "
        f"{valid_hours} uur); u vult daar ook uw wachtwoord in:\n\n{link}\n\n"
        "Tot u dat gedaan heeft, logt u in zonder de rechten van die rol. Verwachtte u deze e-mail niet? Neem dan "
        "contact op met het register.\n\n"
        "You were given a staff role in the LKLR, which needs your password and a code from an authenticator app. "
        f"Set up that second step with the link above (single use, valid for {valid_hours} hours; it asks for your "
        "password too). Until then you sign in without the rights of that role.\n\n"
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


# --- re-registration -------------------------------------------------------------------------------------------


def reregistration_received(name: str, number: str, cycle_end: date, total_points: str) -> Mail:
    return (
        f"Aanvraag herregistratie ontvangen: {number} / Re-registration application received",
        f"Beste {name},\n\n"
        f"Wij hebben uw aanvraag voor herregistratie ontvangen. Uw portfolio van de periode die eindigt op "
        f"{_nl_date(cycle_end)} is vastgelegd met {total_points} punten. Een deel van de aanvragen wordt "
        "steekproefsgewijs beoordeeld; u hoort het als de uwe daarbij is. Tot het besluit blijft u geregistreerd.\n\n"
        f"We received your application for re-registration; your portfolio of the cycle ending on "
        f"{cycle_end.isoformat()} was frozen with {total_points} points. Some applications are audited at random; "
        "you will hear if yours is. You stay registered until the decision.\n\n"
        f"{_SIGNATURE}\n",
    )


_REFUSAL_NL = {
    "late": "de aanvraag kwam na het einde van uw registratieperiode binnen",
    "norm_not_met": "uw portfolio voldoet niet aan de norm",
}
_REFUSAL_EN = {
    "late": "the application arrived after the end of your cycle",
    "norm_not_met": "your portfolio does not meet the norm",
}


def reregistration_refused(name: str, number: str, reason: str) -> Mail:
    return (
        f"Aanvraag herregistratie niet in behandeling: {number} / Re-registration application not accepted",
        f"Beste {name},\n\n"
        f"Wij kunnen uw aanvraag voor herregistratie niet in behandeling nemen: {_REFUSAL_NL.get(reason, reason)}. "
        "Na het einde van uw registratieperiode vervalt uw registratie; daarna kunt u opnieuw registratie "
        "aanvragen.\n\n"
        f"We cannot accept your application for re-registration: {_REFUSAL_EN.get(reason, reason)}. Your "
        "registration lapses after the end of your cycle; you may then apply for registration again.\n\n"
        f"{_SIGNATURE}\n",
    )


def selected_for_audit(name: str, number: str, activity_count: int) -> Mail:
    return (
        f"Uw herregistratie is geselecteerd voor de steekproef: {number} / Selected for audit",
        f"Beste {name},\n\n"
        f"Uw aanvraag voor herregistratie is geselecteerd voor de steekproef. De beoordelingscommissie bekijkt "
        f"{activity_count} activiteit(en) uit uw portfolio met de bewijsstukken. Als er meer informatie nodig is, "
        "krijgt u bericht. Tot het besluit blijft u geregistreerd.\n\n"
        f"Your re-registration application was selected for the audit: the assessment committee reviews "
        f"{activity_count} activity(ies) of your portfolio with their evidence. You will hear if more information "
        "is needed. You stay registered until the decision.\n\n"
        f"{_SIGNATURE}\n",
    )


def more_information_needed(name: str, number: str, question: str, answer_by: date) -> Mail:
    question_text = f"\nVraag / question: {question}\n" if question.strip() else ""
    return (
        f"Meer informatie nodig voor uw herregistratie: {number} / More information needed",
        f"Beste {name},\n\n"
        "De beoordelingscommissie heeft meer informatie nodig over een activiteit in uw portfolio.\n"
        f"{question_text}\n"
        f"Geef uw antwoord uiterlijk {_nl_date(answer_by)} in uw portfolio (Mijn LKLR).\n\n"
        "The assessment committee needs more information about one activity of your portfolio. Answer in your "
        f"portfolio by {answer_by.isoformat()} at the latest.\n\n"
        f"{_SIGNATURE}\n",
    )


def returned_for_correction(name: str, number: str, correct_by: date) -> Mail:
    return (
        f"Uw herregistratie: aanvullen mogelijk tot {_nl_date(correct_by)} ({number}) / Returned for correction",
        f"Beste {name},\n\n"
        "Na de beoordeling voldoet uw portfolio niet meer aan de norm. U kunt activiteiten uit dezelfde "
        f"registratieperiode toevoegen tot en met {_nl_date(correct_by)}. Uw aanvraag blijft zolang in "
        "behandeling en u blijft geregistreerd.\n\n"
        "After the review your portfolio no longer meets the norm. You may add activities of the same cycle "
        f"until {correct_by.isoformat()} inclusive; your application stays pending and you stay registered.\n\n"
        f"{_SIGNATURE}\n",
    )


def reregistration_granted(name: str, number: str, next_start: date, next_end: date) -> Mail:
    return (
        f"Uw herregistratie is toegekend: {number} / Re-registration granted",
        f"Beste {name},\n\n"
        f"Uw herregistratie is toegekend. Uw nieuwe registratieperiode loopt van {_nl_date(next_start)} tot en "
        f"met {_nl_date(next_end)}.\n\n"
        f"Your re-registration was granted. Your next cycle runs from {next_start.isoformat()} to "
        f"{next_end.isoformat()} inclusive.\n\n"
        f"{_SIGNATURE}\n",
    )


def reregistration_not_granted(
    name: str, number: str, valid_until: date, lapsed_already: bool, reconsideration_weeks: int
) -> Mail:
    if lapsed_already:
        ends_nl = f"Uw registratie is vervallen; de registratieperiode eindigde op {_nl_date(valid_until)}."
        ends_en = f"Your registration has lapsed; its cycle ended on {valid_until.isoformat()}."
    else:
        ends_nl = f"Uw registratie vervalt na {_nl_date(valid_until)}, het einde van uw registratieperiode."
        ends_en = f"Your registration lapses after {valid_until.isoformat()}, the end of your cycle."
    return (
        f"Uw herregistratie is niet toegekend: {number} / Re-registration not granted",
        f"Beste {name},\n\n"
        f"Na de beoordeling voldoet uw portfolio niet aan de norm; uw herregistratie is niet toegekend. {ends_nl}\n"
        f"U kunt binnen {reconsideration_weeks} weken om heroverweging vragen. Daarna kunt u opnieuw registratie "
        "aanvragen.\n\n"
        f"After the review your portfolio does not meet the norm: your re-registration was not granted. {ends_en} "
        f"You may ask for reconsideration within {reconsideration_weeks} weeks, and apply for registration again "
        "later.\n\n"
        f"{_SIGNATURE}\n",
    )


def norm_met(name: str, number: str, cycle_start: date, cycle_end: date) -> Mail:
    return (
        f"U voldoet aan de norm: {number} / You meet the norm",
        f"Beste {name},\n\n"
        f"Uw portfolio voldoet aan de norm van uw registratieperiode ({_nl_date(cycle_start)} tot en met "
        f"{_nl_date(cycle_end)}). Op Mijn LKLR, onder Bewijs van registratie, downloadt u nu ook een digitaal "
        "bewijs dat u de norm hebt behaald. Herregistratie aanvragen kan vanaf zes maanden voor het einde van de "
        "periode.\n\n"
        f"Your portfolio meets the norm of your cycle ({cycle_start.isoformat()} to {cycle_end.isoformat()} "
        "inclusive). On My LKLR, under Proof of registration, you can now also download a digital proof that you "
        "met the norm.\n\n"
        f"{_SIGNATURE}\n",
    )


def registration_lapsed(name: str, number: str, cycle_end: date) -> Mail:
    return (
        f"Uw registratie {number} is vervallen / Your registration has lapsed",
        f"Beste {name},\n\n"
        f"Uw registratieperiode eindigde op {_nl_date(cycle_end)} zonder toegekende herregistratie; uw registratie "
        "is vervallen en het openbare register toont dat. U kunt opnieuw registratie aanvragen in Mijn LKLR.\n\n"
        f"Your cycle ended on {cycle_end.isoformat()} without a granted re-registration, so your registration has "
        "lapsed and the public register shows it. You may apply for registration again in Mijn LKLR.\n\n"
        f"{_SIGNATURE}\n",
    )


def cycle_end_reminder(name: str, number: str, cycle_end: date, today: date, application_opens: date) -> Mail:
    days_left = (cycle_end - today).days
    if application_opens <= today:
        opens_nl, opens_en = "U kunt nu herregistratie aanvragen.", "You can apply for re-registration now."
    else:
        opens_nl = f"U kunt herregistratie aanvragen vanaf {_nl_date(application_opens)}."
        opens_en = f"You can apply for re-registration from {application_opens.isoformat()}."
    return (
        f"Herinnering: uw registratieperiode eindigt op {_nl_date(cycle_end)} ({number}) / Your cycle ends soon",
        f"Beste {name},\n\n"
        f"Uw registratieperiode eindigt op {_nl_date(cycle_end)}, over {days_left} dagen, en wij hebben nog geen "
        f"aanvraag voor herregistratie van u. {opens_nl} Zonder tijdige aanvraag vervalt uw registratie na het "
        "einde van de periode.\n\n"
        f"Your cycle ends on {cycle_end.isoformat()}, in {days_left} days, and we have no re-registration "
        f"application from you yet. {opens_en} Without a timely application your registration lapses after the "
        "end of the cycle.\n\n"
        f"{_SIGNATURE}\n",
    )


def cycle_extended(name: str, number: str, new_end: date, weeks: int, reason: str) -> Mail:
    reason_nl = {"illness": "ziekte", "pregnancy": "zwangerschap"}.get(reason, reason)
    return (
        f"Uw registratieperiode is verlengd tot {_nl_date(new_end)} ({number}) / Your cycle was extended",
        f"Beste {name},\n\n"
        f"Het bureau heeft uw registratieperiode wegens {reason_nl} met {weeks} week/weken verlengd. De periode "
        f"eindigt nu op {_nl_date(new_end)}.\n\n"
        f"The register office extended your cycle by {weeks} week(s) ({reason}); it now ends on "
        f"{new_end.isoformat()}.\n\n"
        f"{_SIGNATURE}\n",
    )


def new_entries_to_check(name: str, entries: list[tuple[date, str, str]], check_days: int) -> Mail:
    """``entries``: (completion date, category, points) per new provider-placed entry."""
    lines = "\n".join(f"- {_nl_date(day)}: {points} punten / points ({category})" for day, category, points in entries)
    return (
        f"{len(entries)} nieuwe registratie(s) in uw portfolio / New entries to check",
        f"Beste {name},\n\n"
        f"Een opleider heeft nieuwe scholing in uw portfolio geplaatst:\n\n{lines}\n\n"
        f"Controleer ze in uw portfolio: u kunt elke registratie binnen {check_days} dagen bevestigen of betwisten. "
        "Doet u niets, dan geldt de registratie als akkoord.\n\n"
        f"A provider placed new entries in your portfolio (listed above). Check them: you can confirm or dispute "
        f"each within {check_days} days; silence counts as accepted.\n\n"
        f"{_SIGNATURE}\n",
    )


def activity_disputed_for_office(person: str, number: str | None, reason: str, disputed_on: date) -> Mail:
    registration = f" ({number})" if number else ""
    return (
        f"Betwiste registratie van {person}{registration} / Disputed entry",
        f"{person}{registration} heeft op {_nl_date(disputed_on)} een door een opleider geplaatste registratie "
        f"betwist. Reden:\n\n{reason}\n\nDe opleider is ingelicht en kan de registratie corrigeren of intrekken.\n\n"
        f"{person}{registration} disputed a provider-placed entry on {disputed_on.isoformat()} for the reason "
        "above. The provider was told and can correct or void it.\n\n"
        f"{_SIGNATURE}\n",
    )


def course_accredited(provider: str, title: str, points: str, valid_from: date, valid_until: date, reason: str) -> Mail:
    reason_text = f"\nToelichting / reason: {reason}\n" if reason.strip() else ""
    return (
        f"Cursus geaccrediteerd: {title} / Course accredited",
        f"Beste {provider or 'opleider'},\n\n"
        f'De accreditatiecommissie heeft de cursus "{title}" geaccrediteerd voor {points} punten, geldig van '
        f"{_nl_date(valid_from)} tot en met {_nl_date(valid_until)}. De cursus staat nu in de openbare "
        f"opleidingenlijst en u kunt na afloop van een editie de aanwezigheid melden.\n{reason_text}\n"
        f'The accreditation committee accredited the course "{title}" for {points} points, valid from '
        f"{valid_from.isoformat()} to {valid_until.isoformat()} inclusive. It is now in the public catalogue, and you "
        "can post attendance once an edition has ended.\n\n"
        f"{_SIGNATURE}\n",
    )


def webhook_endpoint_disabled(provider: str, url: str, failed_attempts: int) -> Mail:
    return (
        "Webhook-endpoint uitgeschakeld / Webhook endpoint disabled",
        f"Beste {provider or 'opleider'},\n\n"
        f"Het register kon {failed_attempts} keer achter elkaar geen bericht afleveren op uw webhook-endpoint "
        f"{url} en heeft het daarom uitgeschakeld. Berichten die nog wachten, gaan niet verloren: zet het endpoint "
        "in het aanbiedersportaal (Webhooks) weer aan zodra het bereikbaar is, dan worden ze alsnog verstuurd. "
        "Het afleverlogboek laat per bericht zien welk antwoord het endpoint gaf.\n\n"
        f"The register failed to deliver to your webhook endpoint {url} {failed_attempts} times in a row and has "
        "disabled it. Waiting messages are kept: enable the endpoint again in the provider portal (Webhooks) once it "
        "answers, and they are sent. The delivery log shows each message's answer.\n\n"
        f"{_SIGNATURE}\n",
    )


def accreditation_withdrawn(provider: str, title: str, withdrawn_on: date, reason: str) -> Mail:
    return (
        f"Accreditatie ingetrokken: {title} / Accreditation withdrawn",
        f"Beste {provider or 'opleider'},\n\n"
        f'De accreditatiecommissie heeft de accreditatie van de cursus "{title}" ingetrokken met ingang van '
        f"{_nl_date(withdrawn_on)}.\nToelichting: {reason}\n\n"
        "Punten die deelnemers vóór die datum behaalden, blijven staan. U kunt binnen de bezwaartermijn bezwaar "
        "maken in het aanbiedersportaal.\n\n"
        f'The accreditation committee withdrew the accreditation of the course "{title}" from '
        f"{withdrawn_on.isoformat()}. Reason: {reason}. Points earned before that day stay. You may object within "
        "the objection period in the provider portal.\n\n"
        f"{_SIGNATURE}\n",
    )


def attendance_disputed_for_provider(
    provider: str, number: str | None, attendance_id: object, reason: str, disputed_on: date
) -> Mail:
    who = f"De professional met registratienummer {number}" if number else "Een professional"
    who_en = f"The professional with registration number {number}" if number else "A professional"
    return (
        "Betwiste aanwezigheidsregistratie / Disputed attendance entry",
        f"Beste {provider or 'opleider'},\n\n"
        f"{who} heeft op {_nl_date(disputed_on)} een aanwezigheidsregistratie van u betwist "
        f"(registratie {attendance_id}). Reden:\n\n{reason}\n\n"
        "Controleer de registratie in het aanbiedersportaal en corrigeer of trek haar in als dat nodig is.\n\n"
        f"{who_en} disputed one of your attendance entries ({attendance_id}) on {disputed_on.isoformat()} for the "
        "reason above. Check it in the provider portal and void it if needed.\n\n"
        f"{_SIGNATURE}\n",
    )
