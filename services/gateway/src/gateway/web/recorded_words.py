"""Words for what the services record in their own terms: where a portfolio change came from ("accreditation",
"demo-data", an address) and the reasons a system gives ("attendance batch <id>", "re-registration granted").
People read these in history tables; they get the register's words in their language, never an internal id.

A reason a person typed (the office's, a reviewer's, a provider's) is shown as it was written.
"""

from __future__ import annotations

import re
from typing import Final

from gateway.i18n import Translator

# The reasons the services write themselves (stable strings in their code), by the key of their words here.
_SYSTEM_REASONS: Final = {
    "demo registration": "history.reason.demo_registration",
    "teaching claim approved": "history.reason.teaching_approved",
    "application approved": "history.reason.application_approved",
    "re-entry application approved": "history.reason.reentry_approved",
    "re-registration applied for": "history.reason.reregistration_applied",
    "re-registration granted": "history.reason.reregistration_granted",
    "cycle ended without a granted re-registration": "history.reason.lapsed",
    "re-registration not granted: the audit found the norm not met": "history.reason.reregistration_not_granted",
}
_ATTENDANCE_BATCH: Final = re.compile(r"attendance batch [0-9a-fA-F-]{36}")


def origin_words(t: Translator, origin: str) -> str:
    """Where a change came from: a service or channel in words; an address as it is."""
    key = f"history.origin.{origin}"
    text = t(key)
    return origin if text == key else text


def reason_words(t: Translator, reason: str | None) -> str:
    """A recorded reason: a system's own reason in words, a person's reason unchanged."""
    if not reason:
        return ""
    if _ATTENDANCE_BATCH.fullmatch(reason):
        return t("history.reason.attendance_posted")
    key = _SYSTEM_REASONS.get(reason)
    return t(key) if key is not None else reason
