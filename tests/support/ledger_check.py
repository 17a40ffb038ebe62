"""After the faults: wait until the system has settled, then compare the clients' ledger with what was applied.

Settled means: every outbox row of every service is published (none waiting, none parked) and every queue on the
private broker node is empty (work queues, RPC queues and dead-letter queues alike, except the dead letters a
scenario expects). The check then holds the ledger against the databases and the broker:

- every attendance post that got 200 has exactly its recorded rows in accreditation and, once each, in the
  portfolios (no row lost, none duplicated, none that the answer did not report);
- a post the client was told was refused left nothing anywhere;
- every self-entered activity that got 201 is in its owner's portfolio exactly once, a refused one not at all;
- every event any service published was applied by every consumer whose queue binds its routing key (its message
  id in that consumer's inbox table);
- the dead-letter queues hold exactly the expected dead letters (normally none);
- no request stayed unresolved.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.support.load import Ledger, fetch
from tests.support.rabbit_node import PrivateRabbitNode
from tests.support.system import RunningSystem

SETTLE_TIMEOUT_SECONDS = 240.0
# How long "settled" must hold before it counts. The broker's queue figures lag by up to its statistics interval
# (5 s): a message moving from a retry queue back to its work queue can show in neither for a moment.
QUIET_SECONDS = 7.0


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more words."""
    words, key = pattern.split("."), routing_key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(words):
            return j == len(key)
        if words[i] == "#":
            return any(match(i + 1, rest) for rest in range(j, len(key) + 1))
        return j < len(key) and words[i] in ("*", key[j]) and match(i + 1, j + 1)

    return match(0, 0)


async def queue_depths(node: PrivateRabbitNode) -> dict[str, int]:
    """Messages (ready and unacknowledged) in every queue of the node."""
    code, out = await node.ctl("list_queues", "-q", "--no-table-headers", "name", "messages")
    if code != 0:
        raise RuntimeError(f"rabbitmqctl list_queues failed: {out}")
    depths = {}
    for line in out.splitlines():
        name, _, count = line.rpartition("\t")
        if name and count.strip().isdigit():
            depths[name] = int(count)
    return depths


async def event_bindings(node: PrivateRabbitNode, exchange: str) -> list[tuple[str, str]]:
    """(queue, routing-key pattern) of every binding on the events exchange."""
    code, out = await node.ctl(
        "list_bindings", "-q", "--no-table-headers", "source_name", "destination_name", "routing_key"
    )
    if code != 0:
        raise RuntimeError(f"rabbitmqctl list_bindings failed: {out}")
    found = []
    for line in out.splitlines():
        columns = line.split("\t")
        if len(columns) == 3 and columns[0] == exchange:
            found.append((columns[1], columns[2]))
    return found


async def broker_picture(node: PrivateRabbitNode) -> str:
    """Queues (ready, unacknowledged, consumers) and channels of the node, to say why a queue did not drain."""
    parts = []
    for args in (
        ("list_queues", "name", "messages_ready", "messages_unacknowledged", "consumers"),
        ("list_consumers", "queue_name", "channel_pid", "prefetch_count", "active"),
        ("list_channels", "pid", "connection", "prefetch_count", "messages_unacknowledged", "consumer_count"),
    ):
        code, out = await node.ctl(*args)
        parts.append(f"$ rabbitmqctl {' '.join(args)} (exit {code})\n{out}")
    return "\n".join(parts)


async def outbox_backlog(system: RunningSystem) -> dict[str, int]:
    """Per service, outbox rows not yet published (waiting or parked)."""
    backlog = {}
    for service in system.database_urls:
        rows = await fetch(system, service, "SELECT count(*) FROM kit_outbox WHERE sent_at IS NULL")
        backlog[service] = int(rows[0][0])
    return backlog


async def settle(
    system: RunningSystem,
    node: PrivateRabbitNode,
    *,
    dead_letters: int = 0,
    timeout: float = SETTLE_TIMEOUT_SECONDS,
) -> None:
    """Wait until the outboxes are drained and the queues are empty but for `dead_letters` in the DLQs."""
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    while True:
        backlog = await outbox_backlog(system)
        depths = await queue_depths(node)
        working = {name: n for name, n in depths.items() if n and not name.endswith(".dlq")}
        dead = sum(n for name, n in depths.items() if name.endswith(".dlq"))
        if not any(backlog.values()) and not working and dead >= dead_letters:
            quiet_since = quiet_since if quiet_since is not None else time.monotonic()
            if time.monotonic() - quiet_since >= QUIET_SECONDS:
                return
        else:
            quiet_since = None
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not settled within {timeout:.0f}s: outbox backlog {backlog}, queues {working}, dead letters {dead}\n"
                + await broker_picture(node)
            )
        await asyncio.sleep(1)


@dataclass
class LedgerReport:
    """What the check found; `problems` empty means the ledger holds."""

    posts_ok: int = 0
    posts_refused: int = 0
    rows_recorded: int = 0
    activities_ok: int = 0
    activities_refused: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    indeterminate: Counter[str] = field(default_factory=Counter)
    events_checked: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return "\n".join(
            [
                f"posts ok {self.posts_ok} ({self.rows_recorded} rows), refused {self.posts_refused}; "
                f"activities ok {self.activities_ok}, refused {self.activities_refused}",
                f"lost {self.lost}, duplicated {self.duplicated}, applied without a success answer {self.unexpected}",
                f"indeterminate: {dict(self.indeterminate) or 'none'}; events checked in inboxes {self.events_checked}",
                f"dead letters: {self.dead_letters or 'none'}",
                *self.problems[:40],
            ]
        )


async def check_ledger(
    system: RunningSystem,
    node: PrivateRabbitNode,
    ledger: Ledger,
    *,
    published: Sequence[tuple[uuid.UUID, str]] = (),
) -> LedgerReport:
    """Hold the ledger against the databases and the broker (call `settle` first). `published` adds the
    (message id, routing key) of events the test published itself to the inbox check."""
    report = LedgerReport()
    await _check_posts(system, ledger, report)
    await _check_activities(system, ledger, report)
    await _check_inboxes(system, node, report, published)
    depths = await queue_depths(node)
    report.dead_letters = {name: n for name, n in depths.items() if name.endswith(".dlq") and n}
    for request in ledger.requests:
        if request.indeterminate:
            report.indeterminate[f"{request.kind}: {request.resolution or request.outcome}"] += 1
        if request.outcome in ("pending", "unresolved"):
            report.problems.append(f"{request.kind} {request.ref} never got a definitive answer")
    return report


async def _check_posts(system: RunningSystem, ledger: Ledger, report: LedgerReport) -> None:
    placed = await fetch(
        system,
        "portfolio",
        "SELECT edition_id, attendance_id::text AS id FROM activities WHERE attendance_id IS NOT NULL",
    )
    in_portfolio: dict[object, Counter[str]] = {}
    for row in placed:
        in_portfolio.setdefault(row["edition_id"], Counter())[row["id"]] += 1
    stored = await fetch(system, "accreditation", "SELECT edition_id, attendance_id::text AS id FROM attendance")
    in_accreditation: dict[object, Counter[str]] = {}
    for row in stored:
        in_accreditation.setdefault(row["edition_id"], Counter())[row["id"]] += 1
    for request in ledger.of("post"):
        portfolio = in_portfolio.get(request.edition_id, Counter())
        accreditation = in_accreditation.get(request.edition_id, Counter())
        if request.outcome == "ok":
            report.posts_ok += 1
            report.rows_recorded += len(request.recorded)
            lost = request.recorded - set(portfolio)
            extra = (set(portfolio) | set(accreditation)) - request.recorded
            twice = sum(n - 1 for n in portfolio.values() if n > 1)
            missing_in_accreditation = request.recorded - set(accreditation)
            report.lost += len(lost) + len(missing_in_accreditation - lost)
            report.duplicated += twice
            report.unexpected += len(extra)
            if lost or extra or twice or missing_in_accreditation:
                report.problems.append(
                    f"post {request.ref}: {len(lost)} recorded rows not in the portfolios, {twice} twice, "
                    f"{len(extra)} not in the answer, {len(missing_in_accreditation)} not in accreditation"
                )
        elif request.outcome == "refused":
            report.posts_refused += 1
            if portfolio or accreditation:
                report.unexpected += len(set(portfolio) | set(accreditation))
                report.problems.append(
                    f"post {request.ref} was refused ({request.attempts[-1].status}) yet left "
                    f"{len(accreditation)} rows in accreditation and {len(portfolio)} in the portfolios"
                )


async def _check_activities(system: RunningSystem, ledger: Ledger, report: LedgerReport) -> None:
    titles = [r.ref for r in ledger.of("activity")]
    if not titles:
        return
    rows = await fetch(
        system,
        "portfolio",
        "SELECT title, person_id, count(*) AS n FROM activities WHERE title = ANY($1::text[]) GROUP BY title, person_id",
        titles,
    )
    found = {(row["title"], row["person_id"]): int(row["n"]) for row in rows}
    for request in ledger.of("activity"):
        count = found.get((request.ref, request.person_id), 0)
        if request.outcome == "ok":
            report.activities_ok += 1
            if count == 0:
                report.lost += 1
                report.problems.append(f"activity {request.ref!r} answered 201 but is not in the portfolio")
            elif count > 1:
                report.duplicated += count - 1
                report.problems.append(f"activity {request.ref!r} is in the portfolio {count} times")
        elif request.outcome == "refused":
            report.activities_refused += 1
            if count:
                report.unexpected += count
                report.problems.append(f"activity {request.ref!r} was refused yet is in the portfolio")


async def _check_inboxes(
    system: RunningSystem,
    node: PrivateRabbitNode,
    report: LedgerReport,
    published: Sequence[tuple[uuid.UUID, str]],
) -> None:
    """Every published event is in the inbox of every service whose queue binds its routing key."""
    prefix = system.topology.prefix
    bindings = await event_bindings(node, system.topology.events_exchange)
    consumers: dict[str, list[str]] = {}
    for queue, pattern in bindings:
        service = queue.removeprefix(f"{prefix}.").split(".")[0]
        if service in system.database_urls:
            consumers.setdefault(service, []).append(pattern)
    applied = {
        service: {row[0] for row in await fetch(system, service, "SELECT DISTINCT message_id FROM kit_inbox")}
        for service in consumers
    }
    events = list(published)
    for publisher in system.database_urls:
        sent = await fetch(system, publisher, "SELECT message_id, routing_key FROM kit_outbox")
        events.extend((row["message_id"], row["routing_key"]) for row in sent)
    missing: Counter[str] = Counter()
    for message_id, routing_key in events:
        for service, patterns in consumers.items():
            if any(topic_matches(p, routing_key) for p in patterns):
                report.events_checked += 1
                if message_id not in applied[service]:
                    missing[f"{routing_key} in {service}"] += 1
    for what, count in sorted(missing.items()):
        report.lost += count
        report.problems.append(f"{count} events {what}: not in its inbox")
