"""Log lines: JSON with the service, correlation and trace ids in production, readable text in a local run."""

from __future__ import annotations

import io
import json
import logging
import sys
import uuid
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from pydantic_settings import SettingsConfigDict

from lklr_shared.kit.causation import correlation
from lklr_shared.kit.logs import JsonFormatter, configure_logging
from lklr_shared.kit.settings import ObservabilitySettings, ServiceSettings

pytestmark = pytest.mark.unit


def _line(formatter: logging.Formatter, message: str, *args: object, **kwargs: object) -> str:
    """The line ``formatter`` writes for one record logged with ``message`` (and exc_info/extra as given)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"lklr.tests.logs.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.warning(message, *args, **kwargs)  # type: ignore[arg-type]
    return stream.getvalue()


def test_a_json_line_carries_service_level_event_logger_and_time_and_null_ids_outside_any_request():
    entry = json.loads(_line(JsonFormatter("portfolio"), "outbox row %s parked", 7))
    assert entry["service"] == "portfolio"
    assert entry["level"] == "WARNING"
    assert entry["event"] == "outbox row 7 parked"
    assert entry["logger"].startswith("lklr.tests.logs.")
    assert entry["time"].endswith("+00:00")
    assert entry["correlation_id"] is None
    assert entry["trace_id"] is None
    assert entry["span_id"] is None
    assert "exception" not in entry


def test_inside_a_request_and_a_span_the_line_carries_its_correlation_id_and_trace_ids():
    tracer = TracerProvider().get_tracer("test")
    correlation_id = uuid.uuid4()
    with correlation(correlation_id), tracer.start_as_current_span("work") as span:
        entry = json.loads(_line(JsonFormatter("accreditation"), "handled"))
        context = span.get_span_context()
    assert entry["correlation_id"] == str(correlation_id)
    assert entry["trace_id"] == format(context.trace_id, "032x")
    assert entry["span_id"] == format(context.span_id, "016x")


def test_an_exception_is_written_with_its_traceback_and_extra_fields_are_kept():
    try:
        raise ValueError("kapot")
    except ValueError:
        line = _line(JsonFormatter("audit"), "handler failed", exc_info=True, extra={"message_id": uuid.UUID(int=1)})
    assert line.count("\n") == 1  # one line, the traceback escaped inside it
    entry = json.loads(line)
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: kapot" in entry["exception"]
    assert entry["message_id"] == str(uuid.UUID(int=1))


@pytest.mark.parametrize(
    ("environment", "log_format", "json_lines"),
    [
        ("production", "auto", True),
        ("local", "auto", False),
        ("local", "json", True),
        ("production", "text", False),
    ],
)
def test_production_logs_json_and_a_local_run_text_unless_the_format_is_set(environment, log_format, json_lines):
    settings = ObservabilitySettings(environment=environment, log_format=log_format)
    assert settings.json_logs() is json_lines


def test_the_log_format_is_read_from_the_service_prefix(monkeypatch):
    class _Settings(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore")

    monkeypatch.setenv("DEMO_ENVIRONMENT", "local")
    assert _Settings().json_logs() is False
    monkeypatch.setenv("DEMO_LOG_FORMAT", "json")
    assert _Settings().json_logs() is True


@pytest.fixture
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers = handlers
        root.setLevel(level)


@pytest.mark.usefixtures("_restore_root_logger")
def test_configure_logging_gives_the_root_logger_one_handler_in_the_chosen_format(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("registry", ObservabilitySettings(environment="production"))
    configure_logging("registry", ObservabilitySettings(environment="production"))  # again: still one handler
    logging.getLogger("uvicorn.error").info("started")
    assert len(logging.getLogger().handlers) == 1
    (line,) = stream.getvalue().splitlines()
    assert json.loads(line)["event"] == "started"
    assert json.loads(line)["service"] == "registry"

    configure_logging("registry", ObservabilitySettings(environment="local"))
    logging.getLogger("uvicorn.error").info("readable")
    assert stream.getvalue().splitlines()[-1].endswith("INFO    uvicorn.error: readable")
