"""Every service keeps its layers (entrypoints > service layer > adapters > domain) and its service layer uses no
SQLAlchemy, and each of those contracts catches a module that breaks it."""

from __future__ import annotations

import re

import pytest

from tests.support.import_linter import SERVICES, copy_tree, lint_imports

pytestmark = pytest.mark.unit

NO_SQLALCHEMY = "Service layers use no SQLAlchemy"


def _report(result) -> str:
    """The linter's whole output on one line: it wraps long import chains at the terminal's width."""
    return re.sub(r"\s+", " ", result.stdout + result.stderr)


def test_every_service_keeps_its_layers(tmp_path):
    report = _report(lint_imports(copy_tree(tmp_path)))
    for svc in SERVICES:
        assert f"{svc} layers KEPT" in report, report
    assert f"{NO_SQLALCHEMY} KEPT" in report, report


@pytest.mark.parametrize("svc", SERVICES)
@pytest.mark.parametrize(
    ("layer", "upper"),
    [("domain", "service_layer"), ("adapters", "entrypoints")],
    ids=["domain-imports-service-layer", "adapter-imports-entrypoints"],
)
def test_a_layer_importing_one_above_it_breaks_the_layers(tmp_path, svc, layer, upper):
    tree = copy_tree(tmp_path)
    (tree / svc / layer / "sneaky.py").write_text(f"import {svc}.{upper}  # noqa\n")
    result = lint_imports(tree)
    report = _report(result)
    assert result.returncode != 0
    assert f"{svc} layers BROKEN" in report
    assert f"{svc}.{layer}.sneaky -> {svc}.{upper}" in report


@pytest.mark.parametrize("svc", SERVICES)
def test_a_service_layer_importing_sqlalchemy_breaks_the_ban(tmp_path, svc):
    tree = copy_tree(tmp_path)
    (tree / svc / "service_layer/sneaky.py").write_text("import sqlalchemy  # noqa\n")
    result = lint_imports(tree)
    report = _report(result)
    assert result.returncode != 0
    assert f"{NO_SQLALCHEMY} BROKEN" in report
    assert f"{svc}.service_layer.sneaky -> sqlalchemy" in report
