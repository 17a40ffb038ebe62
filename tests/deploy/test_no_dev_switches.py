"""The deployment files never switch on what exists only for local runs and tests: the development mailbox page
(GATEWAY_DEV_PAGES) and the demo commands with known passwords and TOTP secrets (REGISTRY_ALLOW_DEMO_COMMANDS)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SWITCHES = (
    "GATEWAY_DEV_PAGES",
    "REGISTRY_ALLOW_DEMO_COMMANDS",
    "ACCREDITATION_ALLOW_DEMO_COMMANDS",
    "REGISTRY_DEV_MAILBOX",
)


@pytest.mark.parametrize(
    "path", sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml", ""} and p.is_file())
)
def test_deploy_files_leave_the_development_switches_off(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    for switch in SWITCHES:
        # `NAME: "true"` (compose) or `- name: NAME` followed by `value: "true"` (Kubernetes).
        inline = re.search(rf"{switch}\s*[:=]\s*[\"']?(true|1|yes)", text, re.IGNORECASE)
        listed = re.search(rf"name:\s*{switch}\s*\n\s*value:\s*[\"']?(true|1|yes)", text, re.IGNORECASE)
        assert not inline and not listed, f"{path.name} switches on {switch}"
