"""What exists only for local runs stays off unless a deployment asks for it."""

from __future__ import annotations

import pytest

from lklr_shared.contracts import registry as contracts
from registry.settings import RegistrySettings

from .conftest import RegistryFactory, rpc_error

pytestmark = pytest.mark.integration


async def test_demo_switch_finding_mail_in_a_folder_is_not_listed_unless_the_dev_mailbox_is_on(
    start_registry: RegistryFactory,
) -> None:
    assert RegistrySettings().dev_mailbox is False
    registry = await start_registry(dev_mailbox=False)
    await registry.call(contracts.RequestPasswordReset(email="iemand@example.nl"))
    refused = await rpc_error(registry, contracts.ListDevMail(limit=10))
    assert (refused.status, refused.code) == (404, "dev_mail_disabled")


def test_demo_switch_finding_a_production_registry_refuses_the_development_key_and_demo_switches() -> None:
    from pydantic import SecretStr

    from registry.bootstrap import build_context, unsafe_settings

    production = RegistrySettings()
    assert production.environment == "production"
    assert [p.split(" ")[0] for p in unsafe_settings(production)] == [
        "REGISTRY_TOTP_ENCRYPTION_KEY",
        "REGISTRY_CREDENTIAL_SIGNING_KEY",
        "REGISTRY_PSEUDONYM_KEY",
    ]
    risky = RegistrySettings(allow_demo_commands=True, dev_mailbox=True)
    assert len(unsafe_settings(risky)) == 5
    with pytest.raises(RuntimeError, match="refuses to start"):
        build_context(risky, dev_mailbox=None)
    key = "3q2-7wEjSn5rbDMO0bZ5xQmVt9YuXq1G3yLk0pT6dFc="
    seed = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
    configured = RegistrySettings(
        totp_encryption_key=SecretStr(key),
        credential_signing_key=SecretStr(seed),
        pseudonym_key=SecretStr("a-long-random-pseudonym-key-for-the-test"),
    )
    assert unsafe_settings(configured) == []
    assert unsafe_settings(RegistrySettings(environment="local", allow_demo_commands=True)) == []
