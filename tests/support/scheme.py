"""Variants of the register's scheme file for tests that need the audit to behave otherwise."""

from __future__ import annotations

import re
from pathlib import Path

from lklr_shared.scheme import default_scheme_path


def scheme_sampling_every_dossier(folder: Path) -> Path:
    """Write the register's scheme with a sample share of 1 into `folder` and return its path: every dossier is
    sampled (a seeded draw like any other), so each becomes a case for a reviewer."""
    text, count = re.subn(r"(?m)^sample_share = .*$", "sample_share = 1.0", default_scheme_path().read_text())
    assert count >= 1
    target = folder / "scheme-sample-all.toml"
    target.write_text(text)
    return target
