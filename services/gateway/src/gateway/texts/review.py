"""UI texts of re-registration, the reviewers' case pages, the office overview and audit statistics (issue 6): Dutch first, English second, same keys in both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

MESSAGES: Final[Mapping[str, Mapping[str, str]]] = {
    "nl": {},
    "en": {},
}
