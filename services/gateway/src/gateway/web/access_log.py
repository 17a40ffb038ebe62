"""The access log without query strings.

uvicorn logs every request as `client - "METHOD path?query HTTP/x" status`. Query strings carry secrets here: the
password-reset and account-confirmation links hold their one-time token in `?token=`, and the evidence upload
form may carry its CSRF token in the query. Logs are read by more people, and kept longer, than those tokens
deserve, so the logged path stops at the `?`.
"""

from __future__ import annotations

import logging
from typing import Final

ACCESS_LOGGER: Final = "uvicorn.access"
# uvicorn's access record: (client address, method, path with query string, HTTP version, status).
_PATH_ARG: Final = 2


class DropQueryString(logging.Filter):
    """Rewrites uvicorn's access record so its path has no query string (the record is kept, never dropped)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > _PATH_ARG and isinstance(args[_PATH_ARG], str):
            path, separator, _query = args[_PATH_ARG].partition("?")
            if separator:
                record.args = (*args[:_PATH_ARG], path, *args[_PATH_ARG + 1 :])
        return True


def configure_access_log() -> None:
    """Install the filter on uvicorn's access logger (once, however often it is called)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, DropQueryString) for existing in logger.filters):
        logger.addFilter(DropQueryString())


__all__ = ["ACCESS_LOGGER", "DropQueryString", "configure_access_log"]
