"""The office's forms, as the framework decodes them (see `web.forms.PostedForm`)."""

from __future__ import annotations

from gateway.web.confirmation import ConfirmableForm
from gateway.web.forms import PostedForm


class ApplicationDecisionForm(ConfirmableForm):
    decision: str = ""
    reason: str = ""


class WorkingTotalForm(PostedForm):
    """The number of working professionals in a year, in total and per role (`office.pages.ROLES`)."""

    year: str = ""
    total: str = ""
    leerplichtambtenaar: str = ""
    rmc_medewerker: str = ""


class CycleExtensionForm(PostedForm):
    """An extension of a professional's cycle granted, or (`decision` "refuse") refused with reasons."""

    registration_number: str = ""
    reason: str = ""
    weeks: str = ""
    case_reference: str = ""
    decision: str = ""
    refusal_reasons: str = ""


class ReviewerForm(PostedForm):
    employer_id: str = ""
    active: str = ""


class ObjectionStepForm(PostedForm):
    """One office step on an objection: the hearing's date, time and place, an extension's reason, or the
    decision's outcome and reasons (each step reads its own)."""

    date: str = ""
    time: str = ""
    place: str = ""
    reason: str = ""
    outcome: str = ""
    reasons: str = ""
