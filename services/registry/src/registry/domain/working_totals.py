"""The office's figure for all working professionals in a year, against which coverage is published."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from registry.domain.people import Role

# Sanity bounds only: the register started in 2013; a year far outside this range is a typing slip.
FIRST_YEAR = 2000
LAST_YEAR = 2100


class InvalidWorkingTotal(ValueError):
    """A working total that cannot be right."""


@dataclass(frozen=True, slots=True)
class WorkingTotal:
    """All working professionals in ``year``, optionally per role (someone in both roles counts in both)."""

    year: int
    total: int
    per_role: Mapping[Role, int] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise InvalidWorkingTotal(f"{self.year} is not a year the register covers.")
        if self.total < 1:
            raise InvalidWorkingTotal("The working total is at least 1.")
        for role, count in self.per_role.items():
            if count < 0:
                raise InvalidWorkingTotal(f"The total for {role} cannot be negative.")
            if count > self.total:
                raise InvalidWorkingTotal(
                    f"The total for {role} ({count}) cannot exceed the overall working total ({self.total})."
                )
        object.__setattr__(self, "per_role", MappingProxyType(dict(self.per_role)))
