"""UI texts of the provider portal and the accreditation committee pages (issue 5): Dutch first, English second, same keys in both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

MESSAGES: Final[Mapping[str, Mapping[str, str]]] = {
    "nl": {},
    "en": {},
}
