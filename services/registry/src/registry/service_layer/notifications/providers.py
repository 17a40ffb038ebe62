"""The mails about the portfolio's entries and to training providers."""

from __future__ import annotations

from datetime import date, datetime

from registry.service_layer.notifications.letter import (
    UNNAMED_PROVIDER,
    Draft,
    Language,
    Mail,
    compose,
    count_text,
    date_text,
)


def new_entries_to_check(name: str, entries: list[tuple[date, str, str]], check_days: int, lang: Language) -> Mail:
    """``entries``: (completion date, category, points) per new provider-placed entry."""
    lines_nl = "\n".join(f"- {date_text(day)}: {points} punten ({category})" for day, category, points in entries)
    lines_en = "\n".join(f"- {date_text(day, 'en')}: {points} points ({category})" for day, category, points in entries)
    count = len(entries)
    return compose(
        lang,
        name,
        nl=Draft(
            f"{count_text(count, 'nieuwe registratie', 'nieuwe registraties')} in uw portfolio",
            f"Een opleider heeft nieuwe scholing in uw portfolio geplaatst:\n\n{lines_nl}",
            "Controleer ze in uw portfolio: u kunt elke registratie binnen "
            f"{count_text(check_days, 'dag', 'dagen')} bevestigen of betwisten. Doet u niets, dan geldt de "
            "registratie als akkoord.",
        ),
        en=Draft(
            f"{count_text(count, 'new entry', 'new entries')} in your portfolio",
            f"A training provider placed new training in your portfolio:\n\n{lines_en}",
            "Check them in your portfolio: you can confirm or dispute each within "
            f"{count_text(check_days, 'day', 'days')}; if you do nothing, the entry counts as accepted.",
        ),
    )


def activity_disputed_for_office(
    person: str, number: str | None, reason: str, disputed_on: date, lang: Language
) -> Mail:
    """To the office: a professional disputed a provider-placed entry."""
    registration = f" ({number})" if number else ""
    return compose(
        lang,
        None,
        nl=Draft(
            f"Betwiste registratie van {person}{registration}",
            f"{person}{registration} heeft op {date_text(disputed_on)} een door een opleider geplaatste "
            f"registratie betwist. Reden:\n\n{reason}",
            "De opleider is ingelicht en kan de registratie corrigeren of intrekken.",
        ),
        en=Draft(
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
    drafts: dict[str, tuple[Draft, Draft]] = {
        "received": (
            Draft(
                f"Uw bezwaar is ontvangen: {title}",
                f"Wij hebben uw bezwaar tegen {nl_decision} ontvangen. Het bureau beslist uiterlijk op {due_nl}.",
            ),
            Draft(
                f"Your objection was received: {title}",
                f"We received your objection against {en_decision}. The register office decides by {due_en}.",
            ),
        ),
        "acknowledged": (
            Draft(
                f"Ontvangstbevestiging van uw bezwaar: {title}",
                f"Het bureau bevestigt de ontvangst van uw bezwaar tegen {nl_decision}. Het beslist uiterlijk op "
                f"{due_nl}.",
            ),
            Draft(
                f"Receipt of your objection acknowledged: {title}",
                f"The register office acknowledges receipt of your objection against {en_decision}. It decides by "
                f"{due_en}.",
            ),
        ),
        "hearing": (
            Draft(
                f"Uitnodiging voor een hoorzitting over uw bezwaar: {title}",
                f"U bent uitgenodigd om uw bezwaar tegen {nl_decision} toe te lichten op een hoorzitting: "
                f"{when_nl}, {place}.",
            ),
            Draft(
                f"Invitation to a hearing on your objection: {title}",
                f"You are invited to explain your objection against {en_decision} at a hearing: {when_en}, {place}.",
            ),
        ),
        "extended": (
            Draft(
                f"De beslistermijn van uw bezwaar is verlengd: {title}",
                f"Het bureau beslist op uw bezwaar tegen {nl_decision} uiterlijk op {due_nl}.",
                f"Reden: {reasons or ''}",
            ),
            Draft(
                f"The decision term of your objection was extended: {title}",
                f"The register office decides on your objection against {en_decision} by {due_en}.",
                f"Reason: {reasons or ''}",
            ),
        ),
        "decided": (
            Draft(
                f"Beslissing op uw bezwaar: {verdict_nl} ({title})",
                f"Uw bezwaar tegen {nl_decision} is {verdict_nl} verklaard.",
                f"Motivering:\n{reasons or ''}",
                "De accreditatiecommissie neemt een nieuw besluit over de cursus."
                if upheld
                else "Het besluit blijft in stand. Tegen deze beslissing kunt u in beroep gaan bij de rechtbank.",
            ),
            Draft(
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
    return compose(lang, provider or UNNAMED_PROVIDER, nl=nl, en=en)


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
    return compose(
        lang,
        provider or UNNAMED_PROVIDER,
        nl=Draft(
            f"Cursus geaccrediteerd: {title}",
            f'De accreditatiecommissie heeft de cursus "{title}" geaccrediteerd voor {points} punten, geldig van '
            f"{date_text(valid_from)} tot en met {date_text(valid_until)}. De cursus staat nu in de openbare "
            "opleidingenlijst en u kunt na afloop van een editie de aanwezigheid melden.",
            f"Toelichting: {reason}" if reason.strip() else "",
        ),
        en=Draft(
            f"Course accredited: {title}",
            f'The accreditation committee accredited the course "{title}" for {points} points, valid from '
            f"{date_text(valid_from, 'en')} to {date_text(valid_until, 'en')} inclusive. It is now in the public "
            "catalogue, and you can post attendance once an edition has ended.",
            f"Reason: {reason}" if reason.strip() else "",
        ),
    )


def webhook_endpoint_disabled(provider: str, url: str, failed_attempts: int, lang: Language) -> Mail:
    """To the provider: an endpoint that kept failing was disabled; waiting messages are kept."""
    return compose(
        lang,
        provider or UNNAMED_PROVIDER,
        nl=Draft(
            "Webhook-endpoint uitgeschakeld",
            f"Het register kon {failed_attempts} keer achter elkaar geen bericht afleveren op uw webhook-endpoint "
            f"{url} en heeft het daarom uitgeschakeld.",
            "Berichten die nog wachten, gaan niet verloren: zet het endpoint in het aanbiedersportaal (Webhooks) "
            "weer aan zodra het bereikbaar is, dan worden ze alsnog verstuurd. Het afleverlogboek laat per bericht "
            "zien welk antwoord het endpoint gaf.",
        ),
        en=Draft(
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
    return compose(
        lang,
        provider or UNNAMED_PROVIDER,
        nl=Draft(
            f"Accreditatie ingetrokken: {title_nl}",
            f'De accreditatiecommissie heeft de accreditatie van de cursus "{title_nl}" ingetrokken met ingang van '
            f"{date_text(withdrawn_on)}.\nToelichting: {reason}",
            "Punten die deelnemers vóór die datum behaalden, blijven staan. U kunt binnen de bezwaartermijn "
            "bezwaar maken in het aanbiedersportaal.",
        ),
        en=Draft(
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
    return compose(
        lang,
        provider or UNNAMED_PROVIDER,
        nl=Draft(
            "Betwiste aanwezigheidsregistratie",
            f"{who} heeft op {date_text(disputed_on)} een aanwezigheidsregistratie van u betwist. Reden:\n\n{reason}",
            "U vindt de registratie in het aanbiedersportaal onder Betwistingen. Corrigeer haar of trek haar in "
            "als dat nodig is.",
        ),
        en=Draft(
            "Disputed attendance entry",
            f"{who_en} disputed one of your attendance entries on {date_text(disputed_on, 'en')}. Reason:\n\n{reason}",
            "You find it in the provider portal under Betwistingen (disputes). Correct or void it if needed.",
        ),
    )
