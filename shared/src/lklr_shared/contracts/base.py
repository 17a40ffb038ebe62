"""Base class and catalogue of every message that crosses a service boundary.

Wire names are explicit strings (`registry.RegistrationGranted`), never derived from class names, so a class
can be renamed or moved without breaking a running system. Contracts evolve additively: readers ignore unknown
fields (``extra="ignore"``); a breaking change gets a new version number and is registered as its own class.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar, ForwardRef, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from lklr_shared.contracts.access import DENY, Access

MessageKind = Literal["event", "command", "query", "reply"]


class Message(BaseModel):
    """A message contract. Subclasses set the wire name, version, kind and owning service."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    wire_name: ClassVar[str] = ""
    wire_version: ClassVar[int] = 1
    kind: ClassVar[MessageKind] = "event"
    owner: ClassVar[str] = ""
    # A reply is kept in the answering service's request log, to be sent again to a retry of its request (see
    # lklr_shared.kit.request_log); a reply holding a secret that is shown once sets this False and is never kept.
    kept_for_retries: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("wire_name"):
            # The wire name carries the owner (`<owner>.<Name>`): a contract does not repeat it.
            if not cls.__dict__.get("owner"):
                cls.owner = cls.wire_name.partition(".")[0]
            register_contract(cls)

    @classmethod
    def routing_key(cls) -> str:
        """Topic routing key: `<owner>.<EventName>` (the wire name already carries the owner)."""
        return cls.wire_name


ReplyT = TypeVar("ReplyT", bound=Message)


class Request(Message, Generic[ReplyT]):
    """A command or query, answered with a ``ReplyT`` by the service that owns it (``owner``).

    A contract names its reply where it is declared: ``class GetCourse(Query["CourseDetails"])``
    (a string when the reply is declared further down the module). ``lklr_shared.kit.requests.ask`` sends it to
    its owner and returns the reply typed as declared.
    """

    kind: ClassVar[MessageKind] = "query"
    # Who may send it (see ``contracts.access``); the owning service's RPC server enforces it. Undeclared: nobody.
    access: ClassVar[Access] = DENY
    # Field names a retry of the same request may carry with new values, left out (wherever they occur in the
    # payload) of the hash that tells a retry from another request under the same request id: the client address
    # (it changes when a phone changes networks) and, per contract, ids of files a retried form uploads again.
    fingerprint_ignores: ClassVar[frozenset[str]] = frozenset({"origin", "client_ip"})

    @classmethod
    def reply_type(cls) -> type[Message]:
        """The contract this request is answered with (resolved from the declaration, then cached)."""
        resolved = _REPLY_TYPES.get(cls)
        if resolved is None:
            resolved = _REPLY_TYPES[cls] = _declared_reply(cls)
        return resolved

    @classmethod
    def service(cls) -> str:
        """The service that answers this request: its owner."""
        return cls.owner


class Event(Message):
    """Something that happened, published by its owner for whoever listens."""

    kind: ClassVar[MessageKind] = "event"


class Command(Request[ReplyT], Generic[ReplyT]):
    """A request that changes something, answered with a ``ReplyT``."""

    kind: ClassVar[MessageKind] = "command"


class Query(Request[ReplyT], Generic[ReplyT]):
    """A request that only reads, answered with a ``ReplyT``."""

    kind: ClassVar[MessageKind] = "query"


class Reply(Message):
    """The answer to a command or query."""

    kind: ClassVar[MessageKind] = "reply"


_REPLY_TYPES: dict[type[Message], type[Message]] = {}


def _declared_reply(cls: type[Request[Any]]) -> type[Message]:
    # Pydantic records the argument of each parametrised base (``Query[AccountView]``) in its generic
    # metadata; the nearest concrete one in the MRO is this contract's reply.
    for base in cls.__mro__:
        metadata = getattr(base, "__pydantic_generic_metadata__", None) or {}
        for argument in metadata.get("args", ()):
            if isinstance(argument, TypeVar):
                continue
            if isinstance(argument, ForwardRef):
                argument = argument.__forward_arg__
            if isinstance(argument, str):
                argument = getattr(sys.modules[cls.__module__], argument)
            if isinstance(argument, type) and issubclass(argument, Message):
                return argument
            raise TypeError(f"{cls.__qualname__} declares {argument!r} as its reply, which is not a contract")
    raise TypeError(f"{cls.__qualname__} declares no reply type")


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
