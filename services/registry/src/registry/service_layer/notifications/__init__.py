"""The texts of the registry's e-mails, in the recipient's language: Dutch (the register's language, the default)
or English. Pure functions returning (subject, body), so the wording is testable and kept out of the use cases.

Every mail function takes the language as a required argument: the caller decides, from the page a person asked
on (a mail sent at once) or the account's preferred language (every later mail, see ``repositories.mail.Contact``), so no
mail falls back to Dutch by forgetting to pass it. Each function writes its text once per language as a ``Draft``
and ``letter.compose`` is the one place that picks the draft of the language and lays it out as a letter.

The words follow the web pages: dates as d-m-jjjj in Dutch (ISO in English), plurals by count ("1 activiteit",
"3 activiteiten"), and nothing a person cannot use: no internal ids and no one-time codes (the link carries it).

The mails live in this package's modules by subject (accounts, registration, reregistration, providers,
objections; the letter's frame in ``letter``); this module names them all, so a caller writes
``notifications.confirm_email(...)`` without knowing the subject's module.
"""

from __future__ import annotations

from registry.service_layer.notifications.accounts import (
    confirm_email,
    enrol_second_factor,
    password_changed,
    reset_password,
    sign_up_for_existing_account,
)
from registry.service_layer.notifications.letter import Language, Mail, date_text, points_text
from registry.service_layer.notifications.objections import (
    objection_acknowledged,
    objection_decided,
    objection_hearing,
    objection_received,
    objection_term_extended,
    objection_to_office,
)
from registry.service_layer.notifications.providers import (
    accreditation_withdrawn,
    activity_disputed_for_office,
    attendance_disputed_for_provider,
    course_accredited,
    course_objection_step,
    new_entries_to_check,
    webhook_endpoint_disabled,
)
from registry.service_layer.notifications.registration import (
    application_approved,
    application_received,
    application_rejected,
    new_application_in_queue,
    status_changed,
)
from registry.service_layer.notifications.reregistration import (
    cycle_end_reminder,
    cycle_extended,
    cycle_extension_refused,
    more_information_needed,
    norm_met,
    registration_lapsed,
    reregistration_granted,
    reregistration_not_granted,
    reregistration_received,
    reregistration_refused,
    returned_for_correction,
    selected_for_audit,
)

__all__ = [
    "Language",
    "Mail",
    "accreditation_withdrawn",
    "activity_disputed_for_office",
    "application_approved",
    "application_received",
    "application_rejected",
    "attendance_disputed_for_provider",
    "confirm_email",
    "course_accredited",
    "course_objection_step",
    "cycle_end_reminder",
    "cycle_extended",
    "cycle_extension_refused",
    "date_text",
    "enrol_second_factor",
    "more_information_needed",
    "new_application_in_queue",
    "new_entries_to_check",
    "norm_met",
    "objection_acknowledged",
    "objection_decided",
    "objection_hearing",
    "objection_received",
    "objection_term_extended",
    "objection_to_office",
    "password_changed",
    "points_text",
    "registration_lapsed",
    "reregistration_granted",
    "reregistration_not_granted",
    "reregistration_received",
    "reregistration_refused",
    "reset_password",
    "returned_for_correction",
    "selected_for_audit",
    "sign_up_for_existing_account",
    "status_changed",
    "webhook_endpoint_disabled",
]
