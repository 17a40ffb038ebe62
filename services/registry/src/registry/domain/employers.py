"""Employers as the registry names them for other services.

Applications name the employer in free text; other services (the audit's conflict-of-interest rule: "never a
colleague of the same employer") need a stable key. The key is derived from the name, so "Gemeente Utrecht"
and "gemeente  utrecht" are one employer. The rule lives in the shared package (`lklr_shared.employers`), so the
gateway derives the same key for the employer the office gives a reviewer.
"""

from __future__ import annotations

from lklr_shared.employers import MAX_EMPLOYER_ID_LENGTH, employer_id_for

__all__ = ["MAX_EMPLOYER_ID_LENGTH", "employer_id_for"]
