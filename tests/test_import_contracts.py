"""The import-linter contracts hold on the tree, and they do catch a service importing another."""

from __future__ import annotations

import pytest

from tests.support.import_linter import copy_tree, lint_imports

pytestmark = pytest.mark.unit


def test_import_contracts_are_kept_by_the_code(tmp_path):
    result = lint_imports(copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_service_importing_another_service_breaks_the_contract(tmp_path):
    tree = copy_tree(tmp_path)
    (tree / "registry/service_layer/sneaky.py").write_text("import portfolio.adapters.orm  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Services do not import each other BROKEN" in result.stdout


def test_domain_code_importing_infrastructure_breaks_the_contract(tmp_path):
    tree = copy_tree(tmp_path)
    (tree / "audit/domain/sneaky.py").write_text("import sqlalchemy  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Domain code imports no infrastructure BROKEN" in result.stdout
