"""The gateway's "today" follows the clock offset file the services read (the demo's time travel)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from gateway.app import build_app
from lklr_shared.kit.clock import register_today, system_clock

from .conftest import FakeCaller, make_settings

pytestmark = pytest.mark.unit


async def test_the_scheme_in_force_follows_the_clock_offset_file(tmp_path: Path) -> None:
    offset_file = tmp_path / "clock-offset-days"
    app = build_app(make_settings(clock_offset_file=offset_file), service_caller=FakeCaller())
    async with AsyncTestClient(app=app) as client:
        today = (await client.get("/vragen")).text
    # Back to a day when the first scheme version was in force (the 2018 version started on 2018-01-01).
    offset_file.write_text(f"{(date(2015, 3, 1) - register_today(system_clock)).days}\n")
    moved_app = build_app(make_settings(clock_offset_file=offset_file), service_caller=FakeCaller())
    async with AsyncTestClient(app=moved_app) as client:
        moved = (await client.get("/vragen")).text

    assert "versie 2018.1" in today
    assert "versie 2013.1" in moved and "versie 2018.1" not in moved
