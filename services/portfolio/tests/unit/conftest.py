"""What the portfolio's unit tests share: the scheme version most rules are tested against."""

from __future__ import annotations

import pytest

from lklr_shared.scheme import SchemeVersion, default_scheme_path, load_scheme_book


@pytest.fixture(scope="module")
def scheme() -> SchemeVersion:
    """The 2018.1 scheme version of the default scheme file."""
    return load_scheme_book(default_scheme_path()).get("2018.1")
