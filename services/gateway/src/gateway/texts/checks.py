"""UI texts of the dossier checks (`lklr_shared.dossier_checks`): the self-check on the re-registration page and the
automatic checks on the reviewer's case page. Dutch first, English second, same keys in both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

MESSAGES: Final[Mapping[str, Mapping[str, str]]] = {
    "nl": {
        "check.self.title": "Zelfcontrole",
        "check.self.lead": "Dezelfde controles die de beoordelaar bij een steekproef eerst ziet, nu op uw activiteiten van deze registratieperiode. Los wat gevonden wordt op voordat u aanvraagt; na de aanvraag ligt het dossier vast.",
        "check.case.title": "Automatische controles",
        "check.case.lead": "Dezelfde controles als de zelfcontrole die de professional voor de aanvraag kon doen, op het ingediende dossier.",
        "check.passed": "Geen bevindingen: elk zelf ingevoerd bewijs is er, de data en punten kloppen en de norm is gehaald.",
        "check.passed_with_notices": "Geen bevindingen die een beoordelaar zou afkeuren; wel iets om na te kijken:",
        "check.failed": "Bevindingen die een beoordelaar zou opmerken: {count}.",
        "check.sample_share": "Bij een steekproef zou {percentage}% van de zelf ingevoerde activiteiten worden opgemerkt ({flagged} van {total}).",
        "check.severity.error": "Op te lossen",
        "check.severity.notice": "Na te kijken",
        "check.code.evidence_missing": "er is geen bewijsstuk bijgevoegd.",
        "check.code.outside_cycle": "de datum valt buiten de registratieperiode.",
        "check.code.type_not_in_scheme": "deze soort activiteit staat niet in het reglement van deze periode.",
        "check.code.points_differ": "{points} punten ingevoerd, het reglement geeft {expected}.",
        "check.code.condition_not_met": "de activiteit voldoet niet aan de voorwaarde van de soort (bijvoorbeeld de minimale duur).",
        "check.code.counted_twice": "dezelfde activiteit (zelfde titel en datum) staat er al; tel haar één keer.",
        "check.code.norm_total_short": "het totaal zonder de activiteiten hierboven is {points} punten, de norm vraagt {expected}.",
        "check.code.norm_accredited_short": "geaccrediteerd zonder de activiteiten hierboven: {points} punten, de norm vraagt {expected}.",
        "check.code.norm_a2_short": "A2 zonder de activiteiten hierboven: {points} punten, de norm vraagt {expected}.",
        "check.code.provider_entry_unconfirmed": "een vermelding van een opleider die u nog niet hebt bevestigd of betwist.",
        "check.code.provider_entry_disputed": "betwist: telt niet mee zolang de betwisting loopt.",
        "check.fix.edit": "Aanpassen",
        "check.fix.open": "Bekijken",
        "check.fix.add": "Activiteit toevoegen",
        "check.to_activity": "Naar de activiteit",
    },
    "en": {
        "check.self.title": "Self-check",
        "check.self.lead": "The checks a reviewer sees first when a dossier is sampled, now on your activities of this cycle. Fix what is found before you apply; once you apply the dossier is frozen.",
        "check.case.title": "Automatic checks",
        "check.case.lead": "The same checks as the self-check the professional could run before applying, on the submitted dossier.",
        "check.passed": "No findings: every self-entered activity has its evidence, dates and points are right and the norm is met.",
        "check.passed_with_notices": "No findings a reviewer would reject; something to look at:",
        "check.failed": "Findings a reviewer would notice: {count}.",
        "check.sample_share": "A sample would flag {percentage}% of the self-entered activities ({flagged} of {total}).",
        "check.severity.error": "To fix",
        "check.severity.notice": "To check",
        "check.code.evidence_missing": "no evidence file is attached.",
        "check.code.outside_cycle": "the date lies outside the cycle.",
        "check.code.type_not_in_scheme": "this type of activity is not in the scheme of this cycle.",
        "check.code.points_differ": "{points} points entered, the scheme gives {expected}.",
        "check.code.condition_not_met": "the activity does not meet its type's condition (for example the minimum duration).",
        "check.code.counted_twice": "the same activity (same title and date) is already there; count it once.",
        "check.code.norm_total_short": "the total without the activities above is {points} points, the norm asks {expected}.",
        "check.code.norm_accredited_short": "accredited without the activities above: {points} points, the norm asks {expected}.",
        "check.code.norm_a2_short": "A2 without the activities above: {points} points, the norm asks {expected}.",
        "check.code.provider_entry_unconfirmed": "a provider's entry you have not confirmed or disputed yet.",
        "check.code.provider_entry_disputed": "disputed: does not count while the dispute runs.",
        "check.fix.edit": "Edit",
        "check.fix.open": "View",
        "check.fix.add": "Add an activity",
        "check.to_activity": "To the activity",
    },
}
