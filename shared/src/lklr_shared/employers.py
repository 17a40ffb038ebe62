"""Employer keys, as every service may compute them.

Applications name the employer in free text; other services (the audit's conflict-of-interest rule: "never a
colleague of the same employer") need a stable key. The key is derived from the name, so "Gemeente Utrecht"
and "gemeente  utrecht" are one employer. The registry derives the key of a professional's employer with it, and
the gateway the key the office gives a reviewer, so the two compare equal for the same employer.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["MAX_EMPLOYER_ID_LENGTH", "employer_id_for"]

MAX_EMPLOYER_ID_LENGTH: Final = 100
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def employer_id_for(employer_name: str) -> str:
    """A lower-case ASCII slug of the employer's name (``Gemeente Súdwest-Fryslân`` → ``gemeente-sudwest-fryslan``).

    A key is its own key (``employer_id_for(employer_id_for(name)) == employer_id_for(name)``). Raises
    ``ValueError`` when nothing of the name survives (a name of only punctuation).
    """
    decomposed = unicodedata.normalize("NFKD", employer_name)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_ALPHANUMERIC.sub("-", ascii_only).strip("-")[:MAX_EMPLOYER_ID_LENGTH].strip("-")
    if not slug:
        raise ValueError(f"{employer_name!r} does not name an employer")
    return slug
