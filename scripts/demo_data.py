"""Demo data for a local run, loaded through the services' own request handlers (never their databases).

Loaded once: when the registry already has registrations, nothing is added.
"""

from __future__ import annotations

from datetime import date

import aio_pika

from lklr_shared.contracts import registry as contracts
from lklr_shared.kit.rpc import RpcClient
from lklr_shared.kit.topology import Topology

DEMO_PROFESSIONALS = [
    ("A.", "Jansen", ["leerplichtambtenaar"], "gemeente-utrecht", date(2022, 3, 1)),
    ("B.C.", "de Vries", ["rmc_medewerker"], "regio-west-brabant", date(2023, 9, 15)),
    ("D.", "Bakker", ["leerplichtambtenaar", "rmc_medewerker"], "rbl-zuid-limburg", date(2021, 12, 1)),
    ("E.", "Visser", ["leerplichtambtenaar"], "gemeente-amsterdam", date(2025, 5, 20)),
]


async def load_demo_data(amqp_url: str, prefix: str) -> str:
    """Register the demo professionals unless the register already has people; return a printable summary."""
    connection = await aio_pika.connect_robust(amqp_url)
    try:
        client = RpcClient(connection, Topology(prefix=prefix), timeout=10)
        stats = await client.call("registry", contracts.GetStatistics())
        assert isinstance(stats, contracts.Statistics)
        if stats.registered:
            return f"Demo data already present ({stats.registered} registered professionals)."
        lines = ["Demo data loaded. Registered professionals (public register):"]
        for initials, surname, roles, employer, since in DEMO_PROFESSIONALS:
            receipt = await client.call(
                "registry",
                contracts.GrantDemoRegistration(
                    initials=initials, surname=surname, roles=roles, employer_id=employer, registered_since=since
                ),
            )
            assert isinstance(receipt, contracts.RegistrationReceipt)
            lines.append(f"  {receipt.registration_number}  {initials} {surname}  ({', '.join(roles)})")
        return "\n".join(lines)
    finally:
        await connection.close()
