"""Free TCP ports on the loopback interface, for the processes a test starts itself."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_free(port: int) -> bool:
    """Whether `port` can be bound on the loopback interface right now."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def consecutive_free_ports(count: int) -> int:
    """The first of `count` consecutive free ports (the start command numbers the services' health ports so)."""
    for _ in range(50):
        base = free_port()
        if all(port_free(port) for port in range(base, base + count)):
            return base
    raise RuntimeError("no run of free ports")
