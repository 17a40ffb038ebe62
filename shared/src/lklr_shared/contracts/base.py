"""Base class and catalogue of every message that crosses a service boundary.

Wire names are explicit strings (`registry.RegistrationGranted`), never derived from class names, so a class
can be renamed or moved without breaking a running system. Contracts evolve additively: readers ignore unknown
fields (``extra="ignore"``); a breaking change gets a new version number and is registered as its own class.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

MessageKind = Literal["event", "command", "query", "reply"]


class Message(BaseModel):
    """A message contract. Subclasses set the wire name, version, kind and owning service."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    wire_name: ClassVar[str] = ""
    wire_version: ClassVar[int] = 1
    kind: ClassVar[MessageKind] = "event"
    owner: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("wire_name"):
            register_contract(cls)

    @classmethod
    def routing_key(cls) -> str:
        """Topic routing key: `<owner>.<EventName>` (the wire name already carries the owner)."""
        return cls.wire_name


class UnknownMessageType(LookupError):
    """A message arrived whose (type, version) no contract describes."""


_CATALOGUE: dict[tuple[str, int], type[Message]] = {}


def register_contract(cls: type[Message]) -> None:
    """Record a contract class under its wire name and version; duplicates are a programming error."""
    key = (cls.wire_name, cls.wire_version)
    existing = _CATALOGUE.get(key)
    if existing is not None and existing is not cls:
        raise ValueError(f"two contracts claim {key}: {existing.__qualname__} and {cls.__qualname__}")
    owner, _, _name = cls.wire_name.partition(".")
    if not _name or owner != cls.owner:
        raise ValueError(f"wire name {cls.wire_name!r} must be '<owner>.<Name>' with owner {cls.owner!r}")
    _CATALOGUE[key] = cls


def contract_for(type_name: str, version: int) -> type[Message]:
    """Return the contract class for a wire name and version."""
    try:
        return _CATALOGUE[(type_name, version)]
    except KeyError:
        raise UnknownMessageType(f"no contract for {type_name} v{version}") from None


def all_contracts() -> list[type[Message]]:
    """Every registered contract, sorted by wire name and version (stable for snapshots and docs)."""
    return [_CATALOGUE[key] for key in sorted(_CATALOGUE)]
