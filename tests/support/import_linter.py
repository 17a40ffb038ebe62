"""Run import-linter on a copy of the source trees, so a test can plant a violation without touching the real tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
SERVICES = ("registry", "portfolio", "accreditation", "audit")
PACKAGES = {
    "lklr_shared": ROOT / "shared/src/lklr_shared",
    **{name: ROOT / f"services/{name}/src/{name}" for name in (*SERVICES, "gateway")},
}


def copy_tree(tmp_path: Path) -> Path:
    """Copy every root package of the import-linter config into `tmp_path/tree` and return that folder."""
    tree = tmp_path / "tree"
    for name, source in PACKAGES.items():
        shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def lint_imports(tree: Path, config: Path = PYPROJECT) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` with `config` over the packages in `tree` (first on the path, ahead of the installed ones)."""
    lint = Path(sys.executable).with_name("lint-imports")
    env = os.environ | {"PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(lint), "--config", str(config), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
