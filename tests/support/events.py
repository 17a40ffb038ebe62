"""The events a service under test published, as a probe queue received them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lklr_shared.contracts.base import Message
from lklr_shared.contracts.envelope import Envelope


@dataclass
class EventLog:
    """Every event the service published, in arrival order (append envelopes from an ``event_tap``)."""

    envelopes: list[Envelope] = field(default_factory=list)

    def of(self, contract: type[Message], where: Callable[[Any], bool] = lambda _event: True) -> list[Any]:
        """The published events of type ``contract`` for which ``where`` holds, opened, in arrival order."""
        found = []
        for envelope in self.envelopes:
            if envelope.type == contract.wire_name:
                event = envelope.open()
                if where(event):
                    found.append(event)
        return found
