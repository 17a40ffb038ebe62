"""Prints what the schemathesis run covered (operations and examples) at the end of the pytest run, in CI's output
too: the numbers say whether the run still reaches every operation, which a green result alone does not."""

from __future__ import annotations

import pytest

from tests.security.tally import TALLY_KEY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """One line per credential the run used: operations tested and examples sent."""
    tallies = config.stash.get(TALLY_KEY, None)
    if not tallies:
        return
    terminalreporter.section("schemathesis")
    for tally in tallies.values():
        terminalreporter.write_line(tally.summary())
