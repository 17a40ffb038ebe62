"""The import-linter contracts hold on the tree, and they do catch a service importing another."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "lklr_shared": ROOT / "shared/src/lklr_shared",
    **{
        name: ROOT / f"services/{name}/src/{name}"
        for name in ("registry", "portfolio", "accreditation", "audit", "gateway")
    },
}


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    env = os.environ | {"PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _copy_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for name, source in PACKAGES.items():
        shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def test_import_contracts_are_kept_by_the_code(tmp_path):
    result = _lint_imports(_copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_service_importing_another_service_breaks_the_contract(tmp_path):
    tree = _copy_tree(tmp_path)
    (tree / "registry/service_layer/sneaky.py").write_text("import portfolio.adapters.orm  # noqa\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "Services do not import each other BROKEN" in result.stdout


def test_domain_code_importing_infrastructure_breaks_the_contract(tmp_path):
    tree = _copy_tree(tmp_path)
    (tree / "audit/domain/sneaky.py").write_text("import sqlalchemy  # noqa\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "Domain code imports no infrastructure BROKEN" in result.stdout


def test_a_registry_adapter_importing_the_service_layer_breaks_the_layers_contract(tmp_path):
    tree = _copy_tree(tmp_path)
    (tree / "registry/adapters/repositories/sneaky.py").write_text("import registry.service_layer.objections  # noqa\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "The registry's layers: entrypoints, service layer, adapters, domain BROKEN" in result.stdout
