"""xAPI statements: the structural rules a Learning Record Store applies, and which statements are attendance.

Pure functions over the statement JSON. The rules checked are the ones the xAPI standard (1.0.3 and IEEE 9274.1.1,
"2.0") makes an LRS reject a statement for: a UUID id, an actor that is an Agent or Group with exactly one
inverse functional identifier (or an anonymous Group with members), a verb with an IRI id, an object whose kind is
known and identified, a result/context/timestamp of the right shape, and no properties the standard does not
define. What a statement means for the register is decided by `attendance_claim` and `voided_target`.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from lklr_shared.errors import InvalidRequest

ATTENDED: Final = "http://adlnet.gov/expapi/verbs/attended"
VOIDED: Final = "http://adlnet.gov/expapi/verbs/voided"

_STATEMENT_KEYS: Final = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments"}
)
_AGENT_KEYS: Final = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member"})
_IFI_KEYS: Final = ("mbox", "mbox_sha1sum", "openid", "account")
_OBJECT_TYPES: Final = frozenset({"Activity", "Agent", "Group", "StatementRef", "SubStatement"})
_IRI: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_SHA1: Final = re.compile(r"^[0-9a-fA-F]{40}$")
_VERSION: Final = re.compile(r"^(1\.0(\.\d+)?|2\.0(\.\d+)?)$")


def _invalid(message: str) -> InvalidRequest:
    return InvalidRequest("invalid_statement", message)


def _require_mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid(f"{where} must be a JSON object.")
    return value


def _require_iri(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _IRI.match(value):
        raise _invalid(f"{where} must be an IRI (for example https://example.org/...).")
    return value


def _check_language_map(value: Any, where: str) -> None:
    mapping = _require_mapping(value, where)
    if not all(isinstance(k, str) and k and isinstance(v, str) for k, v in mapping.items()):
        raise _invalid(f"{where} must be a language map (language tag → text).")


def agent_key(agent: Any, where: str = "actor") -> str | None:
    """The agent's inverse functional identifier as one comparable string (None for an anonymous Group).

    `mbox:mailto:…`, `mbox_sha1sum:…`, `openid:…` or `account:<homePage>|<name>`; raises on a malformed agent.
    """
    data = _require_mapping(agent, where)
    unknown = set(data) - _AGENT_KEYS
    if unknown:
        raise _invalid(f"{where} has properties the standard does not define: {', '.join(sorted(unknown))}.")
    kind = data.get("objectType", "Agent")
    if kind not in ("Agent", "Group"):
        raise _invalid(f"{where}.objectType must be Agent or Group.")
    if "name" in data and not isinstance(data["name"], str):
        raise _invalid(f"{where}.name must be a string.")
    present = [key for key in _IFI_KEYS if key in data]
    if len(present) > 1:
        raise _invalid(f"{where} must have exactly one inverse functional identifier, not {', '.join(present)}.")
    if "member" in data:
        if kind != "Group":
            raise _invalid(f"{where}.member is only allowed on a Group.")
        members = data["member"]
        if not isinstance(members, list):
            raise _invalid(f"{where}.member must be a list of Agents.")
        for index, member in enumerate(members):
            if _require_mapping(member, f"{where}.member[{index}]").get("objectType", "Agent") != "Agent":
                raise _invalid(f"{where}.member[{index}] must be an Agent.")
            if agent_key(member, f"{where}.member[{index}]") is None:
                raise _invalid(f"{where}.member[{index}] needs an inverse functional identifier.")
    if not present:
        if kind == "Group" and data.get("member"):
            return None
        raise _invalid(f"{where} needs an inverse functional identifier (mbox, mbox_sha1sum, openid or account).")
    ifi = present[0]
    value = data[ifi]
    if ifi == "mbox":
        if not isinstance(value, str) or not re.fullmatch(r"mailto:[^@\s]+@[^@\s]+", value):
            raise _invalid(f"{where}.mbox must be a mailto: IRI.")
        return f"mbox:{value.lower()}"
    if ifi == "mbox_sha1sum":
        if not isinstance(value, str) or not _SHA1.match(value):
            raise _invalid(f"{where}.mbox_sha1sum must be a hex SHA-1.")
        return f"mbox_sha1sum:{value.lower()}"
    if ifi == "openid":
        return f"openid:{_require_iri(value, f'{where}.openid')}"
    account = _require_mapping(value, f"{where}.account")
    if set(account) != {"homePage", "name"} or not isinstance(account["name"], str) or not account["name"]:
        raise _invalid(f"{where}.account must have exactly a homePage IRI and a name.")
    return f"account:{_require_iri(account['homePage'], f'{where}.account.homePage')}|{account['name']}"


def _check_activity(data: dict[str, Any], where: str) -> None:
    unknown = set(data) - {"objectType", "id", "definition"}
    if unknown:
        raise _invalid(f"{where} has properties the standard does not define: {', '.join(sorted(unknown))}.")
    _require_iri(data.get("id"), f"{where}.id")
    if "definition" in data:
        definition = _require_mapping(data["definition"], f"{where}.definition")
        for key in ("name", "description"):
            if key in definition:
                _check_language_map(definition[key], f"{where}.definition.{key}")


def _check_object(value: Any, where: str, *, inside_substatement: bool = False) -> None:
    data = _require_mapping(value, where)
    kind = data.get("objectType", "Activity")
    if kind not in _OBJECT_TYPES:
        raise _invalid(f"{where}.objectType must be one of {', '.join(sorted(_OBJECT_TYPES))}.")
    if kind == "Activity":
        _check_activity(data, where)
    elif kind in ("Agent", "Group"):
        agent_key(data, where)
    elif kind == "StatementRef":
        if set(data) != {"objectType", "id"}:
            raise _invalid(f"{where} (a StatementRef) has exactly objectType and id.")
        statement_uuid(data["id"], f"{where}.id")
    else:
        if inside_substatement:
            raise _invalid(f"{where}: a SubStatement cannot contain a SubStatement.")
        for forbidden in ("id", "stored", "version", "authority"):
            if forbidden in data:
                raise _invalid(f"{where}: a SubStatement has no {forbidden}.")
        _check_core({k: v for k, v in data.items() if k != "objectType"}, where, inside_substatement=True)


def statement_uuid(value: Any, where: str = "id") -> uuid.UUID:
    """A statement id: a UUID in its canonical text form."""
    if not isinstance(value, str):
        raise _invalid(f"{where} must be a UUID.")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise _invalid(f"{where} must be a UUID.") from None
    if str(parsed) != value.lower():
        raise _invalid(f"{where} must be a UUID in its hyphenated form.")
    return parsed


def _check_timestamp(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise _invalid(f"{where} must be an ISO 8601 timestamp.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"{where} must be an ISO 8601 timestamp.") from None
    if parsed.tzinfo is None:
        raise _invalid(f"{where} must carry a time zone.")
    if value.endswith(("-00:00", "-0000", "-00")):
        raise _invalid(f"{where} may not use the offset -00:00.")


def _check_core(data: dict[str, Any], where: str, *, inside_substatement: bool = False) -> None:
    unknown = set(data) - _STATEMENT_KEYS
    if unknown:
        raise _invalid(f"{where} has properties the standard does not define: {', '.join(sorted(unknown))}.")
    for required in ("actor", "verb", "object"):
        if required not in data:
            raise _invalid(f"{where} needs {required}.")
    agent_key(data["actor"], f"{where}.actor")
    verb = _require_mapping(data["verb"], f"{where}.verb")
    if set(verb) - {"id", "display"}:
        raise _invalid(f"{where}.verb has only id and display.")
    _require_iri(verb.get("id"), f"{where}.verb.id")
    if "display" in verb:
        _check_language_map(verb["display"], f"{where}.verb.display")
    _check_object(data["object"], f"{where}.object", inside_substatement=inside_substatement)
    if "result" in data:
        result = _require_mapping(data["result"], f"{where}.result")
        if "score" in result:
            score = _require_mapping(result["score"], f"{where}.result.score")
            scaled = score.get("scaled")
            if scaled is not None and (not isinstance(scaled, int | float) or not -1 <= scaled <= 1):
                raise _invalid(f"{where}.result.score.scaled must lie between -1 and 1.")
        for flag in ("success", "completion"):
            if flag in result and not isinstance(result[flag], bool):
                raise _invalid(f"{where}.result.{flag} must be true or false.")
    if "context" in data:
        context = _require_mapping(data["context"], f"{where}.context")
        if "registration" in context:
            statement_uuid(context["registration"], f"{where}.context.registration")
        if "instructor" in context:
            agent_key(context["instructor"], f"{where}.context.instructor")
    if "timestamp" in data:
        _check_timestamp(data["timestamp"], f"{where}.timestamp")


def check_statement(statement: Any) -> uuid.UUID:
    """Validate one statement as received (with its id); returns the id. Raises InvalidRequest on a broken rule."""
    data = _require_mapping(statement, "statement")
    statement_id = statement_uuid(data.get("id"), "statement.id")
    _check_core(data, "statement")
    if "version" in data and (not isinstance(data["version"], str) or not _VERSION.match(data["version"])):
        raise _invalid("statement.version must be 1.0.x or 2.0.x.")
    verb_id = data["verb"]["id"]
    if verb_id == VOIDED:
        target = data["object"]
        if not isinstance(target, dict) or target.get("objectType") != "StatementRef":
            raise _invalid("A voiding statement's object must be a StatementRef.")
    return statement_id


def content_digest(statement: dict[str, Any]) -> str:
    """A SHA-256 of the statement as the client sent it (keys sorted): equal digests mean the same statement."""
    canonical = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


_DURATION: Final = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")


@dataclass(frozen=True, slots=True)
class AttendanceClaim:
    """What an "attended" statement says: this number completed this edition.

    `hours` is None for full attendance (no `result.duration`), the hours of the duration, or the duration's
    text when it is not hours/minutes/seconds, so that row is rejected as `invalid_hours` like a bad CSV cell.
    """

    registration_number: str
    edition_id: uuid.UUID
    hours: Decimal | str | None = None


def hours_of(duration: Any) -> Decimal | str | None:
    """The hours of an ISO 8601 duration `PT…H…M…S` (None when there is none); other text is returned as is."""
    if duration is None:
        return None
    match = _DURATION.match(str(duration))
    if not match or not any(match.groups()):
        return str(duration)
    hours, minutes, seconds = (Decimal(part) if part else Decimal(0) for part in match.groups())
    return hours + minutes / 60 + seconds / 3600


def edition_iri(prefix: str, edition_id: uuid.UUID) -> str:
    """An edition's activity id: the register's prefix (`…/xapi/activities/editions/`) and the edition id."""
    return f"{prefix}{edition_id}"


def attendance_claim(statement: dict[str, Any], *, home_page: str, edition_prefix: str) -> AttendanceClaim | None:
    """The attendance an (already validated) statement claims, or None when it claims none.

    It claims one when its verb is "attended", its actor is an Agent with an account on the register (homePage
    equal to `home_page`, trailing slash ignored; name = registration number) and its object is an Activity whose
    id is an edition IRI. Any other statement is stored and returned but places nothing.
    """
    if statement["verb"]["id"] != ATTENDED:
        return None
    target = statement["object"]
    if target.get("objectType", "Activity") != "Activity":
        return None
    activity_id = target["id"]
    if not activity_id.startswith(edition_prefix):
        return None
    try:
        edition_id = uuid.UUID(activity_id[len(edition_prefix) :])
    except ValueError:
        return None
    actor = statement["actor"]
    account = actor.get("account")
    if actor.get("objectType", "Agent") != "Agent" or not isinstance(account, dict):
        return None
    if str(account["homePage"]).rstrip("/") != home_page.rstrip("/"):
        return None
    result = statement.get("result") or {}
    return AttendanceClaim(
        registration_number=str(account["name"]).strip(),
        edition_id=edition_id,
        hours=hours_of(result.get("duration")),
    )


def voided_target(statement: dict[str, Any]) -> uuid.UUID | None:
    """The id of the statement a voiding statement voids (None for any other statement)."""
    if statement["verb"]["id"] != VOIDED:
        return None
    return uuid.UUID(statement["object"]["id"])


def object_agent_key(statement: dict[str, Any]) -> str | None:
    """The key of the statement's object when it is an Agent or Group (what the `agent` filter also matches)."""
    target = statement["object"]
    if target.get("objectType") in ("Agent", "Group"):
        return agent_key(target, "object")
    return None


def activity_of(statement: dict[str, Any]) -> str | None:
    """The object's activity id (None when the object is not an Activity)."""
    target = statement["object"]
    return str(target["id"]) if target.get("objectType", "Activity") == "Activity" else None


def registration_of(statement: dict[str, Any]) -> uuid.UUID | None:
    """The statement's context registration, if any."""
    context = statement.get("context") or {}
    value = context.get("registration")
    return uuid.UUID(value) if isinstance(value, str) else None
