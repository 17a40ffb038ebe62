"""Prints the accessibility walk's report (every page per role, with its axe violations and its width at 360 px) at
the end of the pytest run, in CI's output too: a green result alone does not say which pages were measured."""

from __future__ import annotations

import pytest

from tests.support.accessibility import REPORT_KEY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The pages the accessibility test walked, per role."""
    report = config.stash.get(REPORT_KEY, None)
    if not report:
        return
    terminalreporter.section("accessibility: pages checked per role")
    for line in report:
        terminalreporter.write_line(line)
