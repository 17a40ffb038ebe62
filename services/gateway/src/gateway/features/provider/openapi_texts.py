"""What the OpenAPI document says about the provider API's sandbox keys and the xAPI LRS beside it."""

from __future__ import annotations

from typing import Final

from lklr_shared.contracts.accreditation import SANDBOX_REGISTRATION_NUMBERS

SANDBOX_TEXT: Final = (
    "**Sandbox keys** (made in the portal) run every call exactly as production does, against the test registration "
    "numbers only, and never reach a portfolio: "
    + ", ".join(f"`{number}` ({answer.replace('_', ' ')})" for number, answer in SANDBOX_REGISTRATION_NUMBERS.items())
    + "; any other number is `unknown_number`. That holds for attendance posts and voids here (a sandbox key voids only sandbox records) and for xAPI statements; a "
    "sandbox key manages only sandbox webhook endpoints, which receive the sandbox's events and test events."
)
XAPI_TEXT: Final = (
    "**xAPI**: a Learning Record Store for the Statements resource at `/xapi/` (versions 1.0.3 and 2.0.0, HTTP Basic "
    "with your API key: user `lklr_<prefix>`, password the rest). An `attended` statement of a register account on "
    "one of your editions (activity id `xapi_activity_id`) records attendance as this API does. xAPI 1.0.3's "
    "alternate request syntax (`POST …?method=GET|PUT|POST|HEAD`, headers and content as form fields) is accepted; "
    "xAPI 2.0.0 removed it, so a 2.0 request in that syntax is refused with 400. See /aanbieders/koppelen."
)
