"""The dashboard and the alerts name only metrics the code defines, and the alert rules pass promtool.

`promtool` is Debian's `prometheus` package (`./scripts/test` installs it when missing, as it installs chromium).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from lklr_shared.kit.metrics import Metrics

pytestmark = pytest.mark.unit

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"
METRIC_NAME = re.compile(r"\blklr_[a-z0-9_]+\b")
# The series a metric family exports, by its type (counters and histograms have suffixed series).
SERIES_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def defined_series() -> dict[str, str]:
    """Every series name the kit's metrics export → its family name."""
    series = {}
    for family in Metrics().registry.collect():
        for suffix in SERIES_SUFFIXES[family.type]:
            series[family.name + suffix] = family.name
    return series


def panel_expressions(panels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for panel in panels:
        found += [(panel["title"], target["expr"]) for target in panel.get("targets", [])]
        found += panel_expressions(panel.get("panels", []))  # panels inside rows
    return found


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: `apt-get install prometheus` (./scripts/test installs it)")
    return path


def test_every_dashboard_panel_names_metrics_the_code_defines() -> None:
    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
    series = defined_series()
    expressions = panel_expressions(dashboard["panels"])
    assert expressions
    used = set()
    for title, expression in expressions:
        names = METRIC_NAME.findall(expression)
        assert names or "up{" in expression, f"panel {title!r} names no metric: {expression}"
        unknown = [name for name in names if name not in series]
        assert not unknown, f"panel {title!r} names metrics no code defines: {unknown}"
        used |= {series[name] for name in names}
    # And the other way round: every figure the code exports has a panel.
    assert set(series.values()) - used == set()


def test_every_alert_names_metrics_the_code_defines() -> None:
    rules = yaml.safe_load((OBSERVABILITY / "alerts.yaml").read_text())
    series = defined_series()
    for group in rules["groups"]:
        for rule in group["rules"]:
            unknown = [name for name in METRIC_NAME.findall(rule["expr"]) if name not in series]
            assert not unknown, f"alert {rule['alert']} names metrics no code defines: {unknown}"


def test_alert_rules_pass_promtool_check() -> None:
    result = subprocess.run(
        [promtool(), "check", "rules", "alerts.yaml"], cwd=OBSERVABILITY, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_alerts_fire_as_their_unit_tests_expect() -> None:
    result = subprocess.run(
        [promtool(), "test", "rules", "alerts_test.yaml"],
        cwd=OBSERVABILITY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
