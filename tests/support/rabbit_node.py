"""A private RabbitMQ node for tests that stop and start the broker (never the shared one at 5672).

    async with private_rabbit_node() as node:
        broker = await connect_broker(node.amqp_url)
        await node.stop()      # `rabbitmqctl stop`: a clean shutdown (node.kill() is the hard one)
        await node.start()     # the same node again, with its data: durable queues and persistent messages

The node runs from the Debian package's own scripts (not the `/usr/sbin` wrappers, which switch to the rabbitmq
user) under its own name, AMQP port, distribution port, data, log and config directories in a temporary
directory, with no plugins (so no management listener) and its own Erlang cookie (HOME in that directory). It is
stopped and its directory removed in all cases when the context ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.ports import free_port

RABBITMQ_BIN = Path(os.environ.get("LKLR_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
START_TIMEOUT_SECONDS = 60


@dataclass
class PrivateRabbitNode:
    """One extra RabbitMQ node on this machine, started and stopped by a test."""

    base: Path
    name: str = field(default_factory=lambda: f"lklrtest{os.getpid()}x{os.urandom(3).hex()}@localhost")
    port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)
    _process: asyncio.subprocess.Process | None = field(default=None, repr=False)

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def env(self) -> dict[str, str]:
        """The environment of the node and of `rabbitmqctl` talking to it."""
        return os.environ | {
            "HOME": str(self.base / "home"),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            # Not the machine's /etc/rabbitmq/rabbitmq-env.conf, which names the shared node.
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.base / "rabbitmq.pid"),
        }

    def prepare(self) -> None:
        for directory in ("home", "mnesia", "log"):
            (self.base / directory).mkdir(parents=True, exist_ok=True)
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq-env.conf").write_text("")
        # guest may connect over 127.0.0.1 only by default; that is all a test needs.
        (self.base / "rabbitmq.conf").write_text("log.console = false\n")

    async def ctl(self, *args: str, timeout: float = 30) -> tuple[int, str]:
        """Run `rabbitmqctl -n <node> ...`; return the exit code and the output."""
        process = await asyncio.create_subprocess_exec(
            str(RABBITMQ_BIN / "rabbitmqctl"),
            "-n",
            self.name,
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), timeout=timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            return -1, "timed out"
        return process.returncode or 0, out.decode(errors="replace")

    async def start(self) -> None:
        """Start the node (again, with its data) and wait until it accepts connections."""
        log = (self.base / "log" / "console.out").open("ab")
        try:
            self._process = await asyncio.create_subprocess_exec(
                str(RABBITMQ_BIN / "rabbitmq-server"),
                env=self.env,
                cwd=self.base,
                stdout=log,
                stderr=log,
                # Its own process group, so a kill reaches the Erlang VM and its helpers, and nothing else.
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_SECONDS
        while True:
            # await_startup fails at once while the VM has not registered the node name yet: ask again.
            code, out = await self.ctl("await_startup", "--timeout", str(START_TIMEOUT_SECONDS), timeout=90)
            if code == 0:
                return
            if self._process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                await self.kill()
                raise RuntimeError(f"private RabbitMQ node {self.name} did not start: {out}\n{self.log_tail()}")
            await asyncio.sleep(0.3)

    async def stop(self) -> None:
        """Stop the node cleanly (as an operator would) and wait for its process to end."""
        if self._process is None:
            return
        await self.ctl("stop", timeout=60)
        try:
            await asyncio.wait_for(self._process.wait(), timeout=30)
        except TimeoutError:
            await self.kill()
        self._process = None

    async def kill(self) -> None:
        """End the node at once (a crash), its whole process group."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._process.wait(), timeout=10)
        self._process = None

    def log_tail(self, lines: int = 30) -> str:
        logs = [*sorted((self.base / "log").glob("*.log")), self.base / "log" / "console.out"]
        text = "\n".join(path.read_text(errors="replace") for path in logs if path.exists())
        return "\n".join(text.splitlines()[-lines:])


@contextlib.asynccontextmanager
async def private_rabbit_node() -> AsyncIterator[PrivateRabbitNode]:
    """A started private node; stopped and removed afterwards whatever happens. Skips when RabbitMQ is absent."""
    if not (RABBITMQ_BIN / "rabbitmq-server").exists():
        pytest.skip(f"no RabbitMQ server scripts in {RABBITMQ_BIN}")
    base = Path(tempfile.mkdtemp(prefix="lklr-rabbit-"))
    node = PrivateRabbitNode(base)
    try:
        node.prepare()
        await node.start()
        yield node
    finally:
        try:
            await node.stop()
        finally:
            await node.kill()
            shutil.rmtree(base, ignore_errors=True)
