"""JSON Schema snapshots of the contracts, and the rule for what counts as a compatible change.

Contracts evolve additively. Against its snapshot, a contract version may gain optional fields; it may not
lose a field, change a field's schema, or require a field it did not require. Anything else needs a new
version. `python -m lklr_shared.contracts.compat --update` refreshes the snapshots after a compatible change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from lklr_shared.contracts.base import Message, all_contracts

PUBLISHED_OWNERS = frozenset({"registry", "portfolio", "accreditation", "audit", "system"})
SNAPSHOT_DIR = Path(__file__).resolve().parents[3] / "contract-snapshots"


def published_contracts() -> list[type[Message]]:
    """The contracts of the services (test-only contracts excluded)."""
    return [c for c in all_contracts() if c.owner in PUBLISHED_OWNERS]


def snapshot_name(contract: type[Message]) -> str:
    return f"{contract.wire_name}.v{contract.wire_version}.json"


def schema_of(contract: type[Message]) -> dict[str, Any]:
    """The contract's JSON Schema, as stored in its snapshot."""
    return contract.model_json_schema()


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: dict[str, Any] = root["$defs"][ref.removeprefix("#/$defs/")]
        return _resolve(resolved, root)
    return schema


def _normalise(schema: Any, root: dict[str, Any]) -> Any:
    """Inline $refs and drop documentation keys, so only the shape is compared."""
    if isinstance(schema, dict):
        schema = _resolve(schema, root)
        return {
            k: _normalise(v, root) for k, v in schema.items() if k not in {"title", "description", "examples", "$defs"}
        }
    if isinstance(schema, list):
        return [_normalise(item, root) for item in schema]
    return schema


def incompatibilities(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """Reasons why `new` cannot replace `old` for existing readers and writers (empty when compatible)."""
    problems: list[str] = []
    old_n, new_n = _normalise(old, old), _normalise(new, new)
    problems.extend(_compare_objects(old_n, new_n, path or "$"))
    return problems


def _compare_objects(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    for name, old_schema in old_props.items():
        if name not in new_props:
            problems.append(f"{path}.{name}: field removed")
            continue
        new_schema = new_props[name]
        if old_schema.get("type") == "object" and new_schema.get("type") == "object":
            problems.extend(_compare_objects(old_schema, new_schema, f"{path}.{name}"))
        elif (
            old_schema.get("type") == "array"
            and new_schema.get("type") == "array"
            and isinstance(old_schema.get("items"), dict)
            and old_schema["items"].get("type") == "object"
        ):
            problems.extend(_compare_objects(old_schema["items"], new_schema.get("items", {}), f"{path}.{name}[]"))
        elif _without_default(old_schema) != _without_default(new_schema):
            problems.append(f"{path}.{name}: schema changed")
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    for name in sorted(newly_required):
        problems.append(f"{path}.{name}: now required")
    return problems


def _without_default(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != "default"}


def write_snapshots(directory: Path = SNAPSHOT_DIR, owners: set[str] | None = None) -> list[Path]:
    """Write the current schema of the published contracts (of some owners only, if given)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for contract in published_contracts():
        if owners and contract.owner not in owners:
            continue
        target = directory / snapshot_name(contract)
        target.write_text(json.dumps(schema_of(contract), indent=2, sort_keys=True) + "\n")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    """`--update [owner ...]`: refresh the snapshots (all owners, or only those named)."""
    if not argv or argv[0] != "--update":
        print("usage: python -m lklr_shared.contracts.compat --update [owner ...]")
        return 2
    for path in write_snapshots(owners=set(argv[1:]) or None):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
