"""Webhook rules: allowed endpoint addresses, event choice, retry schedule and disabling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from accreditation.domain.sandbox import TEST_PEOPLE
from accreditation.domain.webhooks import (
    RetryPolicy,
    check_endpoint_url,
    check_events,
    generate_secret,
    signing_secrets,
)
from lklr_shared.errors import RuleViolation
from lklr_shared.registration_numbers import registration_number_for

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://localhost/hook",
        "https://intranet/hook",
        "https://printer.local/hook",
        "https://user:secret@example.org/hook",
        "ftp://example.org/hook",
    ],
)
def test_refuses_plain_http_and_private_or_loopback_targets_outside_local_runs(url):
    with pytest.raises(RuleViolation) as refused:
        check_endpoint_url(url, local=False)
    assert refused.value.code == "invalid_webhook_url"


def test_accepts_public_https_and_local_addresses_in_local_runs():
    assert check_endpoint_url(" https://hooks.example.org/lklr ", local=False) == "https://hooks.example.org/lklr"
    assert check_endpoint_url("https://93.184.216.34:8443/x", local=False) == "https://93.184.216.34:8443/x"
    assert check_endpoint_url("http://127.0.0.1:9000/hook", local=True) == "http://127.0.0.1:9000/hook"


def test_events_must_be_known_and_at_least_one():
    assert check_events(["course.decided", "attendance.recorded", "course.decided"]) == [
        "attendance.recorded",
        "course.decided",
    ]
    for bad in ([], ["course.exploded"]):
        with pytest.raises(RuleViolation) as refused:
            check_events(bad)
        assert refused.value.code == "invalid_webhook_events"


def test_retries_back_off_exponentially_and_give_up_after_three_days():
    policy = RetryPolicy()
    made = datetime(2026, 1, 1, tzinfo=UTC)
    first = policy.next_attempt(attempts=1, created_at=made, now=made)
    second = policy.next_attempt(attempts=2, created_at=made, now=made)
    third = policy.next_attempt(attempts=3, created_at=made, now=made)
    assert first and second and third
    assert (first - made, second - made, third - made) == (
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
    )
    late = made + timedelta(days=3) - timedelta(minutes=1)
    assert policy.next_attempt(attempts=20, created_at=made, now=late) == made + timedelta(days=3)
    assert policy.next_attempt(attempts=21, created_at=made, now=made + timedelta(days=3)) is None


def test_an_endpoint_is_disabled_at_the_failure_limit():
    policy = RetryPolicy(disable_after=5)
    assert not policy.disables(4) and policy.disables(5)


def test_secrets_are_standard_webhooks_secrets():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    Webhook(secret)  # the library accepts it


def test_the_published_sandbox_numbers_are_valid_and_far_beyond_the_registers_numbers():
    assert [person.registration_number for person in TEST_PEOPLE] == [
        registration_number_for(sequence) for sequence in (990001, 990002, 990003)
    ]


def test_the_previous_secret_signs_too_while_its_overlap_lasts():
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    assert signing_secrets("new", "old", now + timedelta(seconds=1), now=now) == ("new", "old")
    assert signing_secrets("new", "old", now, now=now) == ("new",)
    assert signing_secrets("new", None, now + timedelta(hours=1), now=now) == ("new",)
    assert signing_secrets("new", "old", None, now=now) == ("new",)
