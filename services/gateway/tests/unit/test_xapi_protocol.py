"""The /xapi protocol rules: the version header, Basic credentials and the statement query parameters."""

from __future__ import annotations

import base64
import uuid

import pytest

from gateway.features.provider.xapi_protocol import XapiError, answered_version, basic_credentials_key, statement_query
from gateway.service_layer.api_keys import ApiKeyRejected

pytestmark = pytest.mark.unit

KEY = "lklr_abcd1234_" + "s" * 43


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("requested", "answered"), [("1.0.0", "1.0.3"), ("1.0.3", "1.0.3"), ("1.0", "1.0.3"), ("2.0.0", "2.0.0")]
)
def test_the_answered_version_is_the_latest_patch_of_the_requested_one(requested: str, answered: str) -> None:
    assert answered_version(requested) == answered


@pytest.mark.parametrize("requested", [None, "", "0.95", "1.1.0", "3.0.0"])
def test_a_missing_or_unknown_version_is_400(requested: str | None) -> None:
    with pytest.raises(XapiError) as refused:
        answered_version(requested)
    assert refused.value.status == 400


def test_basic_username_is_the_key_prefix_and_password_the_secret_or_the_whole_key() -> None:
    prefix, _, secret = KEY.rpartition("_")
    assert basic_credentials_key(basic(prefix, secret)) == KEY
    assert basic_credentials_key(basic("anything", KEY)) == KEY


@pytest.mark.parametrize("header", [None, "", "Bearer " + KEY, "Basic !!!", basic("user", "")])
def test_anything_but_basic_credentials_is_refused(header: str | None) -> None:
    with pytest.raises(ApiKeyRejected):
        basic_credentials_key(header)


def test_the_standard_filters_become_the_query() -> None:
    provider = uuid.uuid4()
    query = statement_query(
        {
            "verb": "http://adlnet.gov/expapi/verbs/attended",
            "agent": '{"mbox": "mailto:a@example.org"}',
            "since": "2026-01-01T00:00:00Z",
            "limit": "5",
            "ascending": "true",
        },
        provider,
    )
    assert query.verb == "http://adlnet.gov/expapi/verbs/attended"
    assert query.agent == {"mbox": "mailto:a@example.org"}
    assert (query.limit, query.ascending, query.since is not None) == (5, True, True)


@pytest.mark.parametrize(
    "params",
    [
        {"statementId": str(uuid.uuid4()), "verb": "http://x.example"},
        {"statementId": str(uuid.uuid4()), "voidedStatementId": str(uuid.uuid4())},
        {"statementId": "nope"},
        {"limit": "-1"},
        {"ascending": "yes"},
        {"since": "yesterday"},
        {"attachments": "maybe"},
        {"colour": "blue"},
    ],
)
def test_parameters_the_standard_does_not_allow_are_400(params: dict[str, str]) -> None:
    with pytest.raises(XapiError) as refused:
        statement_query(params, uuid.uuid4())
    assert refused.value.status == 400
