"""The `format` parameter of GET /xapi/statements (xAPI 2.0, Statements resource): how much of each statement the
LRS returns.

- `exact`: the statements as stored;
- `ids`: Agents and Groups (and identified Group members) by their identifier and objectType only, Activities, Verbs
  and attachments' usage types by their id only;
- `canonical`: every language map reduced to one entry, in the language the client asked for (Accept-Language),
  else the first one given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

_IDENTIFIERS: Final = ("mbox", "mbox_sha1sum", "openid", "account")
_LANGUAGE_MAPS: Final = frozenset({"display", "name", "description"})


def _agent_ids(agent: dict[str, Any]) -> dict[str, Any]:
    reduced: dict[str, Any] = {key: agent[key] for key in ("objectType", *_IDENTIFIERS) if key in agent}
    if agent.get("objectType") == "Group" and not any(key in agent for key in _IDENTIFIERS):
        reduced["member"] = [_agent_ids(member) for member in agent.get("member", []) if isinstance(member, dict)]
    return reduced


def _object_ids(target: dict[str, Any]) -> dict[str, Any]:
    kind = target.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return _agent_ids(target)
    if kind == "SubStatement":
        return _statement_ids(target)
    if kind == "StatementRef":
        return dict(target)
    return {key: target[key] for key in ("objectType", "id") if key in target}


def _statement_ids(statement: dict[str, Any]) -> dict[str, Any]:
    reduced = dict(statement)
    if isinstance(statement.get("actor"), dict):
        reduced["actor"] = _agent_ids(statement["actor"])
    if isinstance(statement.get("verb"), dict):
        reduced["verb"] = {"id": statement["verb"].get("id")}
    if isinstance(statement.get("object"), dict):
        reduced["object"] = _object_ids(statement["object"])
    if isinstance(statement.get("authority"), dict):
        reduced["authority"] = _agent_ids(statement["authority"])
    context = statement.get("context")
    if isinstance(context, dict):
        reduced_context = dict(context)
        for key in ("instructor", "team"):
            if isinstance(context.get(key), dict):
                reduced_context[key] = _agent_ids(context[key])
        activities = context.get("contextActivities")
        if isinstance(activities, dict):
            reduced_context["contextActivities"] = {
                kind: [_object_ids(item) for item in items if isinstance(item, dict)]
                if isinstance(items, list)
                else _object_ids(items)
                if isinstance(items, dict)
                else items
                for kind, items in activities.items()
            }
        reduced["context"] = reduced_context
    if isinstance(statement.get("attachments"), list):
        reduced["attachments"] = [
            {key: item[key] for key in ("usageType", "contentType", "length", "sha2", "fileUrl") if key in item}
            for item in statement["attachments"]
            if isinstance(item, dict)
        ]
    return reduced


def _pick(language_map: dict[str, Any], languages: Sequence[str]) -> dict[str, Any]:
    if not language_map:
        return language_map
    for wanted in languages:
        for tag in language_map:
            if tag.lower() == wanted or tag.lower().split("-")[0] == wanted.split("-")[0]:
                return {tag: language_map[tag]}
    first = next(iter(language_map))
    return {first: language_map[first]}


def _canonical(value: Any, languages: Sequence[str], key: str = "") -> Any:
    if isinstance(value, dict):
        if key in _LANGUAGE_MAPS and all(isinstance(text, str) for text in value.values()):
            return _pick(value, languages)
        if key == "extensions":
            return value  # extension values are the sender's own data, not language maps
        return {name: _canonical(item, languages, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item, languages, key) for item in value]
    return value


def accepted_languages(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (lower case; `*` left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.lower()))
    return [tag for _, _, tag in sorted(ranked)]


def formatted(statement: dict[str, Any], fmt: str, languages: Sequence[str] = ()) -> dict[str, Any]:
    """One statement in the asked `format` (`exact`, `ids` or `canonical`)."""
    if fmt == "ids":
        return _statement_ids(statement)
    if fmt == "canonical":
        result: dict[str, Any] = _canonical(statement, languages)
        return result
    return statement
