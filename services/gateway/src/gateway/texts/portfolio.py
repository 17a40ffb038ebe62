"""UI texts of the digital portfolio pages (issue 4): Dutch first, English second, same keys in both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

MESSAGES: Final[Mapping[str, Mapping[str, str]]] = {
    "nl": {},
    "en": {},
}
