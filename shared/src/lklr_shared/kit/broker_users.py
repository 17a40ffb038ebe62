"""One RabbitMQ user per service, with rights to its own queues and the exchanges it uses, derived from the Topology.

    python -m lklr_shared.kit.broker_users definitions [--prefix lklr] [--vhost /] [--admin-user lklr] [--out FILE]
    python -m lklr_shared.kit.broker_users apply [--prefix lklr] [--passwords-file FILE] [--node NODE]
    python -m lklr_shared.kit.broker_users delete [--prefix lklr] [--node NODE]

A user is named `<prefix>-<service>` (`lklr-registry`). Passwords come from `LKLR_BROKER_PASSWORD_<SERVICE>`
(`LKLR_BROKER_PASSWORD_REGISTRY`, ...; the admin's from `LKLR_BROKER_PASSWORD_ADMIN`); `apply` generates the missing
ones and keeps them in `--passwords-file` (mode 0600), which is what a local run does.

RabbitMQ's permissions are three regular expressions per user and virtual host, matched against the full name of
the queue or exchange an operation touches (access-control guide): *configure* to declare or delete it, *write* to
publish to an exchange or bind to a queue (and, for a queue declared with `x-dead-letter-exchange`, on that exchange),
*read* to consume from a queue, bind from an exchange (and on the queue declared with a dead-letter exchange).
Publishing through the default exchange is a write on `amq.default`. Topic permissions add a check of the routing
key when publishing to a topic exchange (write) and binding from it (read).

What each user may do:

- a service (registry, portfolio, accreditation, audit): declare, bind and consume its event queue, that queue's
  dead-letter queue and its RPC queue; declare the events and dead-letter exchanges (the kit declares them at every
  start) and bind from them; publish to the events exchange only routing keys `<service>.*` (its own events, the
  topic permission); publish replies through the default exchange (direct reply-to).
- the gateway: publish requests through the default exchange to the RPC queues and consume direct reply-to
  (`amq.rabbitmq.reply-to` needs no permission); nothing else: no queue of its own, no event.

What the broker cannot narrow (say so, do not pretend): a write on `amq.default` reaches every queue by its name,
so the gateway and the services (who need it for requests and replies) can put a message straight into another
service's queue; and declaring a queue with a dead-letter exchange needs a write on that exchange, so a service can
publish to `<prefix>.dlx`. Configure on the two shared exchanges also allows deleting them. The permissions stop
consuming another service's queues and publishing another service's events on the events exchange.

How to apply them: `rabbitmqctl import_definitions` (`apply`, used by `scripts/start` and the tests: it needs the
node's Erlang cookie, so it works on the broker's own machine) and the same document printed as a definitions file
(`definitions`) that RabbitMQ loads at boot (`load_definitions`) in compose and Kubernetes, where rabbitmqctl cannot
reach the broker. The management HTTP API is not used: its plugin is not enabled on every broker (this machine's).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from lklr_shared.kit.topology import Topology

# The services that own queues (event queue, its dead-letter queue, RPC queue), and the gateway, which owns none.
QUEUE_SERVICES = ("registry", "portfolio", "accreditation", "audit")
GATEWAY = "gateway"
ALL_SERVICES = (*QUEUE_SERVICES, GATEWAY)
# Publishing through the default exchange ("") is a write on this name.
DEFAULT_EXCHANGE = "amq.default"
PASSWORD_ENV_PREFIX = "LKLR_BROKER_PASSWORD_"
ADMIN = "admin"
NOTHING = "^$"


@dataclass(frozen=True)
class Permissions:
    """RabbitMQ's three permission patterns of one user in one virtual host."""

    configure: str
    write: str
    read: str


@dataclass(frozen=True)
class TopicPermission:
    """Which routing keys a user may publish (write) and bind (read) on one topic exchange."""

    exchange: str
    write: str
    read: str


@dataclass(frozen=True)
class BrokerUser:
    """The broker user of one service: its name, permissions and topic permissions."""

    service: str
    name: str
    permissions: Permissions
    topic_permissions: tuple[TopicPermission, ...] = ()
    tags: tuple[str, ...] = ()


def user_name(topology: Topology, service: str) -> str:
    """The broker user of a service: `<prefix>-<service>`, so deployments (and test sessions) never share one."""
    return f"{topology.prefix}-{service}"


def exactly(names: Sequence[str], *, extra: str = "") -> str:
    """A pattern matching exactly these names and nothing else (names escaped, anchored), plus names matching the
    regular expression ``extra`` when given."""
    alternatives = [re.escape(name) for name in sorted(set(names))] + ([extra] if extra else [])
    return "^(" + "|".join(alternatives) + ")$"


def own_queues(topology: Topology, service: str) -> list[str]:
    """The queues a service declares and consumes: its event queue, that queue's dead-letter queue, its RPC queue."""
    events = topology.consumer_queue(service)
    return [events, topology.dead_letter_queue(events), topology.rpc_queue(service)]


def service_user(topology: Topology, service: str) -> BrokerUser:
    """The user of a service that owns queues (see the module docstring for what each right is for)."""
    queues = own_queues(topology, service)
    events_queue = topology.consumer_queue(service)
    # Its own retry exchange, and the retry queues of its event queue, one per delay (named by the delay, which is
    # a setting: matched by pattern).
    exchanges = [topology.events_exchange, topology.dead_letter_exchange, topology.retry_exchange(events_queue)]
    retry_queues = re.escape(events_queue) + r"\.retry\.[0-9]+ms"
    return BrokerUser(
        service=service,
        name=user_name(topology, service),
        permissions=Permissions(
            # The kit declares the exchanges and its own queues at every start (retry queues when first needed).
            configure=exactly([*exchanges, *queues], extra=retry_queues),
            # Events exchange: its events (narrowed by the topic permission); dead-letter and retry exchanges:
            # declaring a queue that dead-letters to them, and sending a failed message on for a delay; own queues:
            # binding them; amq.default: replies to direct reply-to.
            write=exactly([*exchanges, DEFAULT_EXCHANGE, *queues], extra=retry_queues),
            # Exchanges: binding own queues from them; own queues: consuming (and declaring with a dead-letter
            # exchange, which RabbitMQ checks as a read on the queue).
            read=exactly([*exchanges, *queues], extra=retry_queues),
        ),
        topic_permissions=(
            # Only its own events; any routing key may be bound: events are published for every service to read.
            TopicPermission(topology.events_exchange, write=f"^{re.escape(service)}\\.", read=".*"),
        ),
    )


def gateway_user(topology: Topology) -> BrokerUser:
    """The gateway's user: requests to the RPC queues through the default exchange, replies over direct reply-to."""
    return BrokerUser(
        service=GATEWAY,
        name=user_name(topology, GATEWAY),
        permissions=Permissions(configure=NOTHING, write=exactly([DEFAULT_EXCHANGE]), read=NOTHING),
        # Without a topic permission RabbitMQ allows every routing key; this one allows none.
        topic_permissions=(TopicPermission(topology.events_exchange, write=NOTHING, read=NOTHING),),
    )


def admin_user(name: str) -> BrokerUser:
    """An operator (management UI, dead-letter replays, demo data): every right, administrator tag."""
    return BrokerUser(ADMIN, name, Permissions(".*", ".*", ".*"), tags=("administrator",))


def broker_users(topology: Topology) -> list[BrokerUser]:
    """Every service's user, the gateway's last."""
    return [service_user(topology, service) for service in QUEUE_SERVICES] + [gateway_user(topology)]


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + sha256(salt + password)), 4 random salt bytes."""
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(users: Sequence[BrokerUser], passwords: Mapping[str, str], *, vhost: str = "/") -> dict[str, Any]:
    """A RabbitMQ definitions document (users, permissions, topic permissions) for `import_definitions` or boot.

    `passwords` maps a service name to its password; every user must have one (passwords are never invented here).
    """
    missing = [user.service for user in users if not passwords.get(user.service)]
    if missing:
        raise ValueError("no broker password for: " + ", ".join(missing))
    return {
        "vhosts": [{"name": vhost}],
        "users": [
            {
                "name": user.name,
                "password_hash": password_hash(passwords[user.service]),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": ",".join(user.tags),
            }
            for user in users
        ],
        "permissions": [
            {
                "user": user.name,
                "vhost": vhost,
                "configure": user.permissions.configure,
                "write": user.permissions.write,
                "read": user.permissions.read,
            }
            for user in users
        ],
        "topic_permissions": [
            {"user": user.name, "vhost": vhost, "exchange": topic.exchange, "write": topic.write, "read": topic.read}
            for user in users
            for topic in user.topic_permissions
        ],
    }


def vhost_of(amqp_url: str) -> str:
    """The virtual host an AMQP URL names (`/` when it names none)."""
    path = urlsplit(amqp_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def url_for(amqp_url: str, user: str, password: str) -> str:
    """The same broker address with another user and password."""
    parts = urlsplit(amqp_url)
    host = parts.hostname or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def passwords_from_env(services: Sequence[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The passwords set in `LKLR_BROKER_PASSWORD_<SERVICE>` (missing ones left out)."""
    environ = os.environ if environ is None else environ
    found = {service: environ.get(f"{PASSWORD_ENV_PREFIX}{service.upper()}", "") for service in services}
    return {service: password for service, password in found.items() if password}


def load_or_create_passwords(path: Path, services: Sequence[str]) -> dict[str, str]:
    """Passwords kept in a local JSON file (mode 0600); missing ones are generated and added."""
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for service in services:
        if not stored.get(service):
            stored[service] = secrets.token_urlsafe(24)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created with 0600 before anything is written, so the passwords are never readable by others.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(stored, file, indent=2)
    return {service: stored[service] for service in services}


class BrokerUsersError(RuntimeError):
    """rabbitmqctl is missing or refused the change."""


@dataclass(frozen=True)
class RabbitCtl:
    """How to run rabbitmqctl against one node: the command (with `-n <node>` if needed) and its environment."""

    argv: tuple[str, ...] = ("rabbitmqctl",)
    env: Mapping[str, str] | None = field(default=None, repr=False)
    timeout_seconds: float = 60.0

    @classmethod
    def local(cls, node: str | None = None) -> RabbitCtl:
        """rabbitmqctl from PATH, for the default node or a named one; raises when it is not installed."""
        executable = shutil.which("rabbitmqctl")
        if executable is None:
            raise BrokerUsersError("rabbitmqctl is not installed here")
        return cls((executable, *(("-n", node) if node else ())))

    def run(self, *args: str, stdin: str | None = None) -> str:
        """Run one command; return its output, raise BrokerUsersError (with the output) when it fails."""
        command = [*self.argv, "-q", *args]
        try:
            done = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                text=True,
                env=dict(self.env) if self.env is not None else None,
                timeout=self.timeout_seconds,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BrokerUsersError(f"rabbitmqctl {args[0]} failed: {exc}") from exc
        if done.returncode != 0:
            raise BrokerUsersError(f"rabbitmqctl {args[0]} failed ({done.returncode}): {done.stdout}{done.stderr}")
        return done.stdout


def apply(ctl: RabbitCtl, document: Mapping[str, Any]) -> None:
    """Create or update the users with their permissions (one `import_definitions`, the document on stdin, so no
    password or hash is on a command line or in a file)."""
    ctl.run("import_definitions", "--format", "json", stdin=json.dumps(document))


def delete_users(ctl: RabbitCtl, names: Sequence[str]) -> list[str]:
    """Delete these users where they exist; return the names deleted."""
    existing = {entry["user"] for entry in json.loads(ctl.run("list_users", "--formatter", "json") or "[]")}
    deleted = []
    for name in names:
        if name in existing:
            ctl.run("delete_user", name)
            deleted.append(name)
    return deleted


def provision(ctl: RabbitCtl, topology: Topology, amqp_url: str, passwords: Mapping[str, str]) -> dict[str, str]:
    """Apply every service's user to the broker and return each service's AMQP URL (same address, its own user)."""
    users = broker_users(topology)
    apply(ctl, definitions(users, passwords, vhost=vhost_of(amqp_url)))
    return {user.service: url_for(amqp_url, user.name, passwords[user.service]) for user in users}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m lklr_shared.kit.broker_users",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--prefix", default=os.environ.get("LKLR_BROKER_PREFIX", "lklr"))
    parser.add_argument("--vhost", default="/")
    sub = parser.add_subparsers(dest="command", required=True)
    printed = sub.add_parser("definitions", help="print the definitions JSON (passwords from the environment)")
    printed.add_argument("--admin-user", help=f"also an administrator (password from {PASSWORD_ENV_PREFIX}ADMIN)")
    printed.add_argument("--out", type=Path, help="write to this file (mode 0644: salted hashes only) instead")
    applied = sub.add_parser("apply", help="create or update the users with rabbitmqctl")
    applied.add_argument("--passwords-file", type=Path, help="read, and complete with generated, passwords here")
    applied.add_argument("--node", help="rabbitmqctl's node (default: its own default)")
    deleted = sub.add_parser("delete", help="delete the users of this prefix with rabbitmqctl")
    deleted.add_argument("--node", help="rabbitmqctl's node (default: its own default)")
    args = parser.parse_args(argv)
    topology = Topology(prefix=args.prefix)
    users = broker_users(topology)
    services = [user.service for user in users]

    try:
        if args.command == "definitions":
            passwords = passwords_from_env([*services, ADMIN])
            if args.admin_user:
                users.append(admin_user(args.admin_user))
            text = json.dumps(definitions(users, passwords, vhost=args.vhost), indent=2)
            if args.out is None:
                print(text)
            else:
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(text + "\n")
                # RabbitMQ reads it as another user; it holds salted hashes, never a password.
                args.out.chmod(0o644)
                print(f"definitions for {len(users)} users written to {args.out}")
            return 0
        ctl = RabbitCtl.local(args.node)
        if args.command == "apply":
            passwords = passwords_from_env(services)
            if args.passwords_file is not None:
                passwords = {**load_or_create_passwords(args.passwords_file, services), **passwords}
            apply(ctl, definitions(users, passwords, vhost=args.vhost))
            print("applied: " + ", ".join(user.name for user in users))
            return 0
        gone = delete_users(ctl, [user.name for user in users])
        print("deleted: " + (", ".join(gone) or "none"))
        return 0
    except (BrokerUsersError, ValueError) as exc:
        print(f"broker users: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
