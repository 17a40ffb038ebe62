"""Operator tool for dead-lettered messages: list, inspect and replay.

    python -m lklr_shared.kit.deadletters list portfolio
    python -m lklr_shared.kit.deadletters show portfolio <message-id>
    python -m lklr_shared.kit.deadletters replay portfolio [<message-id> ...]

The queue argument is a consumer name (`portfolio`) or a full queue name. The broker URL and prefix come from
`LKLR_AMQP_URL` / `LKLR_BROKER_PREFIX` or the options. Replay publishes each message, with confirms, straight
to the queue it was dead-lettered from (not to the exchange, so other consumers do not see it twice), then
removes it from the dead-letter queue. Listing leaves the dead-letter queue as it was.

Each line of `list` shows why a message died (`reason`: the handler's last error, or the broker's reason,
`delivery_limit` when its consumer died while handling it more often than the queue's delivery limit), what kind of failure it was (`failure`: transient,
unexpected, permanent, unparseable) and how often it was tried (`attempts`). A replayed message starts again
with its attempts at zero and a full set of retries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from lklr_shared.kit.retry import ATTEMPTS_HEADER, ERROR_HEADER, FAILURE_HEADER, attempts_so_far
from lklr_shared.kit.topology import Topology


@dataclass(frozen=True)
class DeadLetter:
    """What an operator needs to know about one dead-lettered message."""

    message_id: str
    message_type: str
    source_queue: str
    reason: str
    # Failed attempts the consumer counted (at least 1).
    attempts: int
    failure: str
    body: bytes

    def summary(self) -> dict[str, Any]:
        """The fields `list` prints, one JSON object per message."""
        return {
            "message_id": self.message_id,
            "type": self.message_type,
            "queue": self.source_queue,
            "reason": self.reason,
            "failure": self.failure,
            "attempts": self.attempts,
            "size": len(self.body),
        }


def resolve_queue(topology: Topology, name: str) -> str:
    """A consumer name becomes its event queue name; a full queue name stays as it is."""
    return name if name.startswith(f"{topology.prefix}.") else topology.consumer_queue(name)


def _text(value: Any) -> str:
    """A header value as text (AMQP long strings may arrive as bytes)."""
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _describe(message: AbstractIncomingMessage, fallback_queue: str) -> DeadLetter:
    headers = message.headers or {}
    raw_deaths = headers.get("x-death")
    deaths: list[Any] = list(raw_deaths) if isinstance(raw_deaths, list) else []
    first: dict[str, Any] = dict(deaths[0]) if deaths and isinstance(deaths[0], dict) else {}
    if ATTEMPTS_HEADER in headers and not first:
        # Dead-lettered by a consumer (kit/retry.py): a copy published to the dead-letter exchange with the reason.
        return DeadLetter(
            message_id=message.message_id or "",
            message_type=message.type or "",
            source_queue=fallback_queue,
            reason=_text(headers.get(ERROR_HEADER) or "unknown"),
            attempts=attempts_so_far(headers),
            failure=_text(headers.get(FAILURE_HEADER) or "unknown"),
            body=message.body,
        )
    # Dead-lettered by the broker: `rejected` (the consumer could not publish its copy) or `delivery_limit` (its
    # consumer died while handling it, again and again). A last error from earlier retries may still be there; the
    # broker resets its delivery count on the copy, so attempts are the consumer's count, at least 1.
    last_error = headers.get(ERROR_HEADER)
    reason = _text(first.get("reason") or "unknown")
    return DeadLetter(
        message_id=message.message_id or "",
        message_type=message.type or "",
        source_queue=str(first.get("queue") or fallback_queue),
        reason=f"{reason}: {_text(last_error)}" if last_error else reason,
        attempts=max(attempts_so_far(headers), 1),
        failure=_text(headers.get(FAILURE_HEADER) or reason),
        body=message.body,
    )


async def _drain(channel: AbstractChannel, dlq_name: str) -> list[AbstractIncomingMessage]:
    """Take every message currently in the dead-letter queue without acknowledging any of them."""
    queue = await channel.get_queue(dlq_name, ensure=True)
    taken: list[AbstractIncomingMessage] = []
    while (message := await queue.get(no_ack=False, fail=False, timeout=5)) is not None:
        taken.append(message)
    return taken


async def list_dead_letters(amqp_url: str, topology: Topology, queue: str) -> list[DeadLetter]:
    """Every message in a queue's dead-letter queue; they stay there."""
    work_queue = resolve_queue(topology, queue)
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        messages = await _drain(channel, topology.dead_letter_queue(work_queue))
        letters = [_describe(m, work_queue) for m in messages]
        # Closing the channel without acks returns every message to the dead-letter queue.
        await channel.close()
    return letters


async def replay_dead_letters(
    amqp_url: str, topology: Topology, queue: str, message_ids: set[str] | None = None
) -> list[DeadLetter]:
    """Send dead-lettered messages back to their queue (all, or those with the given ids)."""
    work_queue = resolve_queue(topology, queue)
    connection = await aio_pika.connect(amqp_url)
    replayed: list[DeadLetter] = []
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        for message in await _drain(channel, topology.dead_letter_queue(work_queue)):
            letter = _describe(message, work_queue)
            if message_ids and letter.message_id not in message_ids:
                continue
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
            headers["x-replayed-from-dlq"] = True
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body,
                    headers=headers,
                    content_type=message.content_type,
                    message_id=message.message_id,
                    correlation_id=message.correlation_id,
                    type=message.type,
                    timestamp=message.timestamp,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=letter.source_queue,
                mandatory=True,
                timeout=10,
            )
            # Only after the broker confirmed the copy: a crash in between replays it twice, never zero times.
            await message.ack()
            replayed.append(letter)
        await channel.close()
    return replayed


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m lklr_shared.kit.deadletters",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--amqp-url", default=os.environ.get("LKLR_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--prefix", default=os.environ.get("LKLR_BROKER_PREFIX", "lklr"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list dead-lettered messages").add_argument("queue")
    show = sub.add_parser("show", help="print one dead-lettered message")
    show.add_argument("queue")
    show.add_argument("message_id")
    replay = sub.add_parser("replay", help="send dead-lettered messages back to their queue")
    replay.add_argument("queue")
    replay.add_argument("message_ids", nargs="*")
    args = parser.parse_args(argv)
    topology = Topology(prefix=args.prefix)

    if args.command == "replay":
        done = asyncio.run(replay_dead_letters(args.amqp_url, topology, args.queue, set(args.message_ids) or None))
        for letter in done:
            print(json.dumps({"replayed": letter.summary()}))
        print(f"{len(done)} message(s) replayed")
        return 0
    letters = asyncio.run(list_dead_letters(args.amqp_url, topology, args.queue))
    if args.command == "list":
        for letter in letters:
            print(json.dumps(letter.summary()))
        print(f"{len(letters)} dead-lettered message(s)")
        return 0
    for letter in letters:
        if letter.message_id == args.message_id:
            print(json.dumps(letter.summary(), indent=2))
            print(letter.body.decode("utf-8", errors="replace"))
            return 0
    print(f"no dead-lettered message {args.message_id}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
