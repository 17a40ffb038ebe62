"""What the audit's use cases share: their dependencies, the register's "today", and the scheme lookups."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from audit.adapters.repositories import sampling as sampling_repo
from audit.adapters.repositories.rows import has_single_writer
from audit.domain.cases import norm_minimums, sampling_policy
from audit.domain.outcome import NormMinimums
from audit.domain.sampling import SamplingPolicy
from lklr_shared.kit.clock import Clock, register_today
from lklr_shared.kit.outbox import UnitOfWork
from lklr_shared.scheme import AuditRules, SchemeBook


@dataclass
class SeedBook:
    """The sampling seed of each year, created once (race-safe through the table's key) and then cached.

    A seed never changes once recorded, so caching it per process is safe, and saves a query per batch.
    """

    unit_of_work: Callable[[], UnitOfWork]
    clock: Clock
    _known: dict[int, str] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def seed_for(self, year: int, uow: UnitOfWork | None = None) -> str:
        """The year's seed; the first caller in any replica creates it, in its own short transaction.

        On SQLite (a local run: one process, one writer) a second transaction would wait for the lock the caller's
        own transaction (`uow`) holds, so the seed is read or created in that transaction instead, and not cached
        (it rolls back with a failed batch).
        """
        known = self._known.get(year)
        if known is not None:
            return known
        if uow is not None and has_single_writer(uow.session):
            return await sampling_repo.get_or_create_seed(uow.session, year, secrets.token_hex(16), self.clock())
        async with self._lock:
            if year not in self._known:
                # Its own transaction: the seed must not roll back with a failed batch, nor keep another replica
                # waiting on the key until a whole batch commits.
                async with self.unit_of_work() as uow:
                    seed = await sampling_repo.get_or_create_seed(
                        uow.session, year, secrets.token_hex(16), self.clock()
                    )
                    await uow.commit()
                self._known[year] = seed
        return self._known[year]


@dataclass(frozen=True)
class AuditContext:
    """The dependencies of the audit's use cases, built once in the composition root.

    The scheme book is loaded once per process and never changes while it runs, so what is derived from it is
    cached (a peak of 50,000 dossiers asks the same few questions 50,000 times).
    """

    unit_of_work: Callable[[], UnitOfWork]
    book: SchemeBook
    clock: Clock
    seeds: SeedBook
    _policies: dict[date, SamplingPolicy] = field(default_factory=dict, repr=False)
    _norms: dict[str, NormMinimums] = field(default_factory=dict, repr=False)

    def today(self) -> date:
        """The register's calendar day (Dutch time), from the injected clock."""
        return register_today(self.clock)

    def audit_rules(self, applied_on: date) -> AuditRules:
        """The audit rules of the sampling run: the scheme version in force on the day of application."""
        return self.book.version_in_force(applied_on).audit

    def policy(self, applied_on: date) -> SamplingPolicy:
        policy = self._policies.get(applied_on)
        if policy is None:
            policy = self._policies[applied_on] = sampling_policy(self.audit_rules(applied_on))
        return policy

    def norm(self, scheme_version: str) -> NormMinimums:
        """The norm of the dossier's cycle (the cycle's own scheme version)."""
        norm = self._norms.get(scheme_version)
        if norm is None:
            norm = self._norms[scheme_version] = norm_minimums(self.book.get(scheme_version).norm)
        return norm
