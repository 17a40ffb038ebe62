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
