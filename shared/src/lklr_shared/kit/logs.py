"""How every process logs: JSON lines in production, readable text in a local run.

One JSON object a line, for a log collector: ``time`` (UTC, ISO 8601), ``level``, ``service``, ``logger``,
``event`` (the message), ``correlation_id`` (kit/causation.py: the request or message being handled), ``trace_id``
and ``span_id`` (the current OpenTelemetry span, see kit/tracing.py), ``exception`` (the formatted traceback) when a
record has one, and whatever a call passed in ``extra=``. The ids are null outside a request, a message or a span.

Which format: ``<SVC>_LOG_FORMAT`` (``json`` or ``text``) when set, else text for ``<SVC>_ENVIRONMENT=local``
(scripts/start, the tests) and JSON otherwise (see ``ObservabilitySettings.json_logs``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Final

from opentelemetry import trace

from lklr_shared.kit.causation import current_correlation_id
from lklr_shared.kit.settings import ObservabilitySettings

TEXT_FORMAT: Final = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Attributes every LogRecord has; anything else on a record came from `extra=` and is written as a field.
_RECORD_ATTRIBUTES: Final = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys() | {"message", "asctime", "taskName"}
)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object with the service, correlation id and trace ids."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        span = trace.get_current_span().get_span_context()
        correlation_id = current_correlation_id()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "event": record.getMessage(),
            "correlation_id": str(correlation_id) if correlation_id is not None else None,
            "trace_id": format(span.trace_id, "032x") if span.is_valid else None,
            "span_id": format(span.span_id, "016x") if span.is_valid else None,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = value
        # default=str: an `extra` value JSON does not know (a UUID, a date) is written as its text, never dropped.
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service: str, settings: ObservabilitySettings, *, level: str = "INFO") -> None:
    """Configure the root logger of this process (a service's or the gateway's; uvicorn's loggers included).

    Replaces whatever handlers the root logger had, so calling it again (a test, a second start) keeps one handler.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(service) if settings.json_logs() else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Their reconnect chatter at INFO adds nothing to our own warnings about the broker.
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
