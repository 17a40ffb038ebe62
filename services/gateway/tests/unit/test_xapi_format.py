"""The `format` parameter of GET /xapi/statements: `ids` keeps identifiers only, `canonical` one language each."""

from __future__ import annotations

import pytest

from gateway.domain.xapi_format import accepted_languages, formatted

pytestmark = pytest.mark.unit

STATEMENT = {
    "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
    "actor": {
        "objectType": "Agent",
        "name": "A. Jansen",
        "account": {"homePage": "https://lklr.example", "name": "0000013"},
    },
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/attended",
        "display": {"en-US": "attended", "nl-NL": "nam deel aan"},
    },
    "object": {
        "objectType": "Activity",
        "id": "https://lklr.example/xapi/activities/editions/1",
        "definition": {"name": {"en-US": "Interviewing", "nl-NL": "Gespreksvoering"}, "extensions": {"x:y": {"en": 1}}},
    },
    "context": {
        "instructor": {"name": "T. Rainer", "mbox": "mailto:t@example.org"},
        "contextActivities": {"parent": [{"id": "https://lklr.example/course/1", "definition": {"name": {"en": "C"}}}]},
    },
    "authority": {
        "objectType": "Agent",
        "name": "Provider",
        "account": {"homePage": "https://lklr.example", "name": "k"},
    },
}


def test_ids_keeps_only_identifiers_of_agents_activities_and_verbs() -> None:
    result = formatted(STATEMENT, "ids")
    assert result["actor"] == {"objectType": "Agent", "account": STATEMENT["actor"]["account"]}
    assert result["verb"] == {"id": "http://adlnet.gov/expapi/verbs/attended"}
    assert result["object"] == {"objectType": "Activity", "id": "https://lklr.example/xapi/activities/editions/1"}
    assert result["context"]["instructor"] == {"mbox": "mailto:t@example.org"}
    assert result["context"]["contextActivities"]["parent"] == [{"id": "https://lklr.example/course/1"}]
    assert result["id"] == STATEMENT["id"] and "name" not in result["authority"]


def test_canonical_keeps_one_language_the_one_asked_for_else_the_first() -> None:
    dutch = formatted(STATEMENT, "canonical", accepted_languages("nl-NL,nl;q=0.9,en;q=0.5"))
    assert dutch["verb"]["display"] == {"nl-NL": "nam deel aan"}
    assert dutch["object"]["definition"]["name"] == {"nl-NL": "Gespreksvoering"}
    assert dutch["object"]["definition"]["extensions"] == {"x:y": {"en": 1}}
    other = formatted(STATEMENT, "canonical", accepted_languages("fr"))
    assert other["verb"]["display"] == {"en-US": "attended"}


def test_exact_is_the_statement_as_stored() -> None:
    assert formatted(STATEMENT, "exact") == STATEMENT


def test_accept_language_is_ranked_by_quality() -> None:
    assert accepted_languages("en;q=0.5, nl-NL, *;q=0.1, de;q=0.7") == ["nl-nl", "de", "en"]
