"""The UI message catalogue (Dutch by default, English available) and language negotiation.

Every text the pages show goes through `Translator`; templates call `t("key", name=value)`. Messages are
`str.format` templates with named fields. Numbers are formatted per language (`1,5` in Dutch, `1.5` in English).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

LANGUAGES: Final = ("nl", "en")
DEFAULT_LANGUAGE: Final = "nl"
LANGUAGE_COOKIE: Final = "lklr_lang"
LANGUAGE_QUERY: Final = "lang"

CATALOGUE: Final[Mapping[str, Mapping[str, str]]] = {
    "nl": {
        "site.name": "Landelijk Kwaliteitsregister Leerplicht & RMC",
        "site.short": "LKLR",
        "site.tagline": "Vakbekwaam in leerplicht en RMC",
        "site.skip": "Direct naar de inhoud",
        "nav.label": "Hoofdmenu",
        "nav.start": "Start",
        "nav.portfolio": "Digitaal Portfolio",
        "nav.register": "Registers raadplegen",
        "nav.faq": "Vragen",
        "nav.mine": "Mijn LKLR",
        "lang.label": "Taal",
        "lang.nl": "Nederlands",
        "lang.en": "English",
        "footer.about": "Het LKLR is het landelijke register waarin leerplichtambtenaren en RMC-medewerkers laten zien dat zij hun vakkennis bijhouden.",
        "footer.developers": "Voor ontwikkelaars",
        "footer.api": "API-documentatie (OpenAPI)",
        "footer.events": "Berichtenverkeer (AsyncAPI)",
        "footer.status": "Status",
        "start.title": "Welkom bij het LKLR",
        "start.lead": "Het Landelijk Kwaliteitsregister Leerplicht & RMC laat zien welke leerplichtambtenaren en RMC-medewerkers hun deskundigheid aantoonbaar op peil houden.",
        "start.what.title": "Hoe werkt het register?",
        "start.what.body": "Wie zich registreert, houdt een digitaal portfolio bij. Daarin komen cursussen (bij- en nascholing) en andere activiteiten die uw deskundigheid bevorderen. Aan het eind van elke registratieperiode vraagt u herregistratie aan.",
        "start.who.title": "Voor wie?",
        "start.who.body": "Voor leerplichtambtenaren en RMC-medewerkers die werken voor een gemeente, regio of RBL.",
        "start.public.title": "Registers raadplegen",
        "start.public.body": "Iedereen kan in het openbare register nagaan of iemand geregistreerd is.",
        "start.faq.title": "Vragen",
        "start.faq.body": "Hoeveel punten heeft u nodig en welke activiteiten tellen mee? Lees het bij Vragen.",
        "start.more": "Lees meer",
        "stats.title": "Geregistreerde professionals",
        "stats.bar": "{percentage}% van 100%",
        "stats.bar_label": "{percentage}% van alle werkzame professionals is geregistreerd",
        "stats.summary": "{registered} van de {working_total} werkzame leerplichtambtenaren en RMC-medewerkers zijn geregistreerd.",
        "stats.registered_only": "{registered} leerplichtambtenaren en RMC-medewerkers zijn geregistreerd.",
        "stats.unavailable": "De cijfers van het register zijn op dit moment niet beschikbaar. Probeer het later opnieuw.",
        "stats.per_role": "Per functie",
        "role.leerplichtambtenaar": "Leerplichtambtenaar",
        "role.rmc_medewerker": "RMC-medewerker",
        "placeholder.soon": "Binnenkort beschikbaar",
        "portfolio.title": "Digitaal Portfolio",
        "portfolio.lead": "Hier houdt u straks uw digitale portfolio bij.",
        "portfolio.item1": "Activiteiten invoeren met datum, soort, uren of punten en bewijsstukken.",
        "portfolio.item2": "Door scholingsaanbieders geplaatste cursussen controleren: bevestigen of betwisten.",
        "portfolio.item3": "Uw voortgang zien ten opzichte van de norm en het aantal dagen tot het einde van uw registratieperiode.",
        "register.title": "Registers raadplegen",
        "register.lead": "Hier kunt u straks het openbare register doorzoeken.",
        "register.item1": "Zoeken op registratienummer of naam.",
        "register.item2": "U ziet registratienummer, naam (voorletters en achternaam), functie, status, geregistreerd sinds en geldig tot.",
        "register.item3": "Persoonlijke gegevens zoals e-mailadres, adres of portfolio zijn nooit openbaar.",
        "mine.title": "Mijn LKLR",
        "mine.lead": "Hier logt u straks in op uw eigen omgeving.",
        "mine.item1": "Registratie aanvragen en uw gegevens bekijken.",
        "mine.item2": "Herregistratie aanvragen aan het eind van uw registratieperiode.",
        "mine.item3": "Berichten van het register, zoals herinneringen en besluiten.",
        "faq.title": "Veelgestelde vragen",
        "faq.lead": "De antwoorden hieronder volgen het reglement dat nu geldt (versie {version}, geldig vanaf {valid_from}).",
        "faq.who.q": "Wie kan zich registreren?",
        "faq.who.a": "Leerplichtambtenaren en RMC-medewerkers die ten minste {hours} uur per week werken voor een gemeente, regio of RBL, in loondienst, als zelfstandige of via payrolling.",
        "faq.cycle.q": "Hoe lang duurt een registratieperiode?",
        "faq.cycle.a": "Een registratieperiode duurt {years} jaar. De eerste periode begint op de datum van het registratiebesluit.",
        "faq.norm.q": "Hoeveel punten moet ik halen?",
        "faq.norm.a": "In elke registratieperiode haalt u ten minste {total} punten. Daarvan zijn er ten minste {accredited} geaccrediteerd en ten minste {a2} uit categorie A2. Een geaccrediteerde A2-activiteit telt voor beide minimums mee; de rest kiest u vrij uit A1 of A2.",
        "faq.norm.table.caption": "De norm per registratieperiode",
        "faq.norm.table.rule": "Eis",
        "faq.norm.table.points": "Punten",
        "faq.norm.total": "Totaal ten minste",
        "faq.norm.accredited": "Waarvan geaccrediteerd ten minste",
        "faq.norm.a2": "Waarvan uit A2 ten minste",
        "faq.a1.q": "Hoe tellen cursussen (A1, {label})?",
        "faq.a1.a": "Voor bij- en nascholing krijgt u {points} punt(en) per studiebelastinguur. Cursussen die de accreditatiecommissie vooraf heeft goedgekeurd, leveren geaccrediteerde punten op; de aanbieder plaatst ze in uw portfolio.",
        "faq.a2.q": "Welke andere activiteiten tellen mee (A2, {label})?",
        "faq.a2.a": "Voor deze activiteiten krijgt u een vast aantal punten:",
        "faq.a2.table.caption": "Activiteiten in categorie A2",
        "faq.a2.table.type": "Activiteit",
        "faq.a2.table.points": "Punten",
        "faq.a2.table.unit": "Per",
        "faq.a2.table.condition": "Voorwaarde",
        "faq.a2.accredited": "Geaccrediteerd na goedkeuring.",
        "unit.activity": "activiteit",
        "unit.intern_school_year": "stagiair per schooljaar",
        "unit.session": "bijeenkomst",
        "unit.hour_given": "gegeven uur",
        "unit.min_hours": "Ten minste {hours} uur.",
        "faq.carry.q": "Mag ik punten meenemen naar de volgende periode?",
        "faq.carry.no": "Nee. Punten boven de norm gaan niet mee naar de volgende registratieperiode.",
        "faq.carry.yes": "Ja. Punten boven de norm gaan mee naar de volgende registratieperiode.",
        "faq.check.q": "Een aanbieder heeft een cursus in mijn portfolio gezet. Wat moet ik doen?",
        "faq.check.a": "Controleer de cursus. U kunt hem binnen {days} dagen bevestigen of betwisten; reageert u niet, dan geldt hij als geaccepteerd.",
        "faq.rereg.q": "Wanneer vraag ik herregistratie aan?",
        "faq.rereg.a": "Vanaf {months} maanden voor het einde van uw registratieperiode tot en met de laatste dag. U moet dan aan de norm voldoen.",
        "faq.audit.q": "Wat is de steekproef?",
        "faq.audit.a": "Van de herregistratieaanvragen wordt {share}% willekeurig gekozen voor een inhoudelijke controle. Daarbij worden ten hoogste {max} zelf ingevoerde activiteiten beoordeeld. Vraagt de commissie meer informatie, dan antwoordt u binnen {days} dagen.",
        "faq.appeal.q": "Ik ben het niet eens met een besluit. Wat kan ik doen?",
        "faq.appeal.a": "U kunt binnen {weeks} weken om heroverweging vragen.",
        "faq.accreditation.q": "Hoe lang is een accreditatie geldig?",
        "faq.accreditation.a": "Een goedgekeurde cursus is {years} jaar geaccrediteerd. Aanbieders kunnen binnen {weeks} weken bezwaar maken tegen een besluit.",
        "faq.scheme_unavailable": "Het reglement kon niet worden geladen.",
        "error.title": "Er ging iets mis",
        "error.503": "Een onderdeel van het register is op dit moment niet bereikbaar. Probeer het later opnieuw.",
        "error.504": "Het register reageerde niet op tijd. Probeer het later opnieuw.",
        "error.404": "Deze pagina bestaat niet.",
        "error.generic": "Uw verzoek kon niet worden verwerkt.",
        "error.status": "Foutcode {status}",
        "error.home": "Terug naar de startpagina",
        "asyncapi.title": "Berichtenverkeer tussen de diensten",
        "asyncapi.lead": "Gebeurtenissen gaan via de topic-exchange {exchange}; vragen en opdrachten via een wachtrij per dienst. Elk bericht zit in een envelop met id, soort, versie, tijdstip, correlatie- en oorzaak-id.",
        "asyncapi.document": "Het volledige AsyncAPI 3.0-document (JSON)",
        "asyncapi.events": "Gebeurtenissen",
        "asyncapi.rpc": "Vragen en opdrachten",
        "asyncapi.routing_key": "Routeringssleutel",
        "asyncapi.owner": "Eigenaar",
        "asyncapi.description": "Omschrijving",
        "asyncapi.queue": "Wachtrij",
        "asyncapi.request": "Verzoek",
        "asyncapi.reply": "Antwoord",
        "asyncapi.kind": "Soort",
    },
    "en": {
        "site.name": "National Quality Register for Compulsory Education & RMC",
        "site.short": "LKLR",
        "site.tagline": "Competent in compulsory education and RMC",
        "site.skip": "Skip to content",
        "nav.label": "Main menu",
        "nav.start": "Home",
        "nav.portfolio": "Digital Portfolio",
        "nav.register": "Search the register",
        "nav.faq": "Questions",
        "nav.mine": "My LKLR",
        "lang.label": "Language",
        "lang.nl": "Nederlands",
        "lang.en": "English",
        "footer.about": "The LKLR is the national register in which compulsory-education officers and RMC staff show that they keep their expertise up to date.",
        "footer.developers": "For developers",
        "footer.api": "API documentation (OpenAPI)",
        "footer.events": "Messaging (AsyncAPI)",
        "footer.status": "Status",
        "start.title": "Welcome to the LKLR",
        "start.lead": "The national quality register for compulsory education & RMC shows which compulsory-education officers and RMC staff demonstrably keep their expertise up to date.",
        "start.what.title": "How does the register work?",
        "start.what.body": "Registered professionals keep a digital portfolio of courses (further training) and other activities that further their expertise. At the end of each registration cycle they apply for re-registration.",
        "start.who.title": "Who is it for?",
        "start.who.body": "For compulsory-education officers and RMC staff working for a municipality, region or RBL.",
        "start.public.title": "Search the register",
        "start.public.body": "Anyone can check in the public register whether someone is registered.",
        "start.faq.title": "Questions",
        "start.faq.body": "How many points do you need and which activities count? Read it under Questions.",
        "start.more": "Read more",
        "stats.title": "Registered professionals",
        "stats.bar": "{percentage}% of 100%",
        "stats.bar_label": "{percentage}% of all working professionals are registered",
        "stats.summary": "{registered} of the {working_total} working compulsory-education officers and RMC staff are registered.",
        "stats.registered_only": "{registered} compulsory-education officers and RMC staff are registered.",
        "stats.unavailable": "The register's figures are not available at the moment. Please try again later.",
        "stats.per_role": "Per role",
        "role.leerplichtambtenaar": "Compulsory-education officer",
        "role.rmc_medewerker": "RMC staff member",
        "placeholder.soon": "Coming soon",
        "portfolio.title": "Digital Portfolio",
        "portfolio.lead": "This is where you will keep your digital portfolio.",
        "portfolio.item1": "Enter activities with date, type, hours or points and evidence.",
        "portfolio.item2": "Check courses placed by training providers: confirm or dispute them.",
        "portfolio.item3": "See your progress against the norm and the days left in your registration cycle.",
        "register.title": "Search the register",
        "register.lead": "This is where you will search the public register.",
        "register.item1": "Search by registration number or name.",
        "register.item2": "You see the registration number, name (initials and surname), role, status, registered since and valid until.",
        "register.item3": "Personal data such as e-mail, address or portfolio is never public.",
        "mine.title": "My LKLR",
        "mine.lead": "This is where you will sign in to your own account.",
        "mine.item1": "Apply for registration and view your details.",
        "mine.item2": "Apply for re-registration at the end of your registration cycle.",
        "mine.item3": "Messages from the register, such as reminders and decisions.",
        "faq.title": "Frequently asked questions",
        "faq.lead": "The answers below follow the scheme in force today (version {version}, valid from {valid_from}).",
        "faq.who.q": "Who can register?",
        "faq.who.a": "Compulsory-education officers and RMC staff who work at least {hours} hours a week for a municipality, region or RBL, employed, self-employed or on a payroll basis.",
        "faq.cycle.q": "How long is a registration cycle?",
        "faq.cycle.a": "A registration cycle lasts {years} years. The first cycle starts on the date of the registration decision.",
        "faq.norm.q": "How many points do I need?",
        "faq.norm.a": "In each registration cycle you earn at least {total} points. At least {accredited} of them are accredited and at least {a2} come from category A2. An accredited A2 activity counts towards both minimums; the rest is your free choice of A1 or A2.",
        "faq.norm.table.caption": "The norm per registration cycle",
        "faq.norm.table.rule": "Requirement",
        "faq.norm.table.points": "Points",
        "faq.norm.total": "Total, at least",
        "faq.norm.accredited": "Of which accredited, at least",
        "faq.norm.a2": "Of which from A2, at least",
        "faq.a1.q": "How do courses count (A1, {label})?",
        "faq.a1.a": "Further training earns {points} point(s) per study-load hour. Courses the accreditation committee approved in advance earn accredited points; the provider places them in your portfolio.",
        "faq.a2.q": "Which other activities count (A2, {label})?",
        "faq.a2.a": "These activities earn a fixed number of points:",
        "faq.a2.table.caption": "Activities in category A2",
        "faq.a2.table.type": "Activity",
        "faq.a2.table.points": "Points",
        "faq.a2.table.unit": "Per",
        "faq.a2.table.condition": "Condition",
        "faq.a2.accredited": "Accredited after approval.",
        "unit.activity": "activity",
        "unit.intern_school_year": "intern per school year",
        "unit.session": "session",
        "unit.hour_given": "hour given",
        "unit.min_hours": "At least {hours} hours.",
        "faq.carry.q": "Can I carry points over to the next cycle?",
        "faq.carry.no": "No. Points above the norm do not carry over to the next registration cycle.",
        "faq.carry.yes": "Yes. Points above the norm carry over to the next registration cycle.",
        "faq.check.q": "A provider placed a course in my portfolio. What do I do?",
        "faq.check.a": "Check the course. You can confirm or dispute it within {days} days; if you do not respond, it counts as accepted.",
        "faq.rereg.q": "When do I apply for re-registration?",
        "faq.rereg.a": "From {months} months before the end of your registration cycle until its last day. You must meet the norm by then.",
        "faq.audit.q": "What is the audit sample?",
        "faq.audit.a": "{share}% of the re-registration applications are chosen at random for a review. At most {max} self-entered activities are reviewed. If the committee asks for more information, you answer within {days} days.",
        "faq.appeal.q": "I disagree with a decision. What can I do?",
        "faq.appeal.a": "You can ask for reconsideration within {weeks} weeks.",
        "faq.accreditation.q": "How long is an accreditation valid?",
        "faq.accreditation.a": "An approved course is accredited for {years} years. Providers can object to a decision within {weeks} weeks.",
        "faq.scheme_unavailable": "The scheme could not be loaded.",
        "error.title": "Something went wrong",
        "error.503": "Part of the register cannot be reached at the moment. Please try again later.",
        "error.504": "The register did not answer in time. Please try again later.",
        "error.404": "This page does not exist.",
        "error.generic": "Your request could not be processed.",
        "error.status": "Error code {status}",
        "error.home": "Back to the home page",
        "asyncapi.title": "Messaging between the services",
        "asyncapi.lead": "Events travel over the topic exchange {exchange}; queries and commands over one queue per service. Every message travels in an envelope with id, type, version, time, correlation and causation id.",
        "asyncapi.document": "The full AsyncAPI 3.0 document (JSON)",
        "asyncapi.events": "Events",
        "asyncapi.rpc": "Queries and commands",
        "asyncapi.routing_key": "Routing key",
        "asyncapi.owner": "Owner",
        "asyncapi.description": "Description",
        "asyncapi.queue": "Queue",
        "asyncapi.request": "Request",
        "asyncapi.reply": "Reply",
        "asyncapi.kind": "Kind",
    },
}


@dataclass(frozen=True)
class Translator:
    """Looks up and formats messages for one language; a missing key falls back to Dutch, then to the key."""

    lang: str

    def __call__(self, key: str, /, **values: object) -> str:
        template = CATALOGUE[self.lang].get(key) or CATALOGUE[DEFAULT_LANGUAGE].get(key) or key
        return template.format(**values) if values else template

    def number(self, value: Decimal | float | int) -> str:
        """Format a number without trailing zeros, with the language's decimal separator (1,5 / 1.5)."""
        decimal = value if isinstance(value, Decimal) else Decimal(str(value))
        if decimal == decimal.to_integral_value():
            text = f"{decimal.to_integral_value():f}"
        else:
            text = f"{decimal.normalize():f}"
        return text.replace(".", ",") if self.lang == "nl" else text

    def date(self, value: date) -> str:
        """Format a date the way readers of the language expect (1-1-2018 / 2018-01-01)."""
        return f"{value.day}-{value.month}-{value.year}" if self.lang == "nl" else value.isoformat()

    def integer(self, value: int) -> str:
        """Format a whole number with the language's thousands separator (12.345 / 12,345)."""
        text = f"{value:,}"
        return text.replace(",", ".") if self.lang == "nl" else text


def _parse_accept_language(header: str) -> list[str]:
    """Primary language tags from an Accept-Language header, best first (q=0 means: not acceptable)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate_language(query: str | None, cookie: str | None, accept_language: str | None) -> tuple[str, bool]:
    """Choose the UI language: `?lang=`, then the cookie, then Accept-Language, then Dutch.

    Returns the language and whether the query chose it (then the caller remembers it in the cookie).
    """
    if query in LANGUAGES:
        return query, True
    if cookie in LANGUAGES:
        return cookie, False
    for tag in _parse_accept_language(accept_language or ""):
        if tag in LANGUAGES:
            return tag, False
    return DEFAULT_LANGUAGE, False
