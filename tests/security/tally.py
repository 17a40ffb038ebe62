"""What a schemathesis run sent and found, gathered from the engine's events, for the assertion and the summary the
security conftest prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from schemathesis.engine import events


@dataclass
class Tally:
    """Examples sent per operation (positive and negative), and every check failure and engine error."""

    credential: str
    examples: Counter[str] = field(default_factory=Counter)
    negative: int = 0
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    checks: set[str] = field(default_factory=set)

    def record(self, event: events.EngineEvent) -> None:
        """Take in one event of the engine's stream."""
        if isinstance(event, events.ScenarioFinished):
            self._scenario(event)
        elif isinstance(event, events.NonFatalError):
            self.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            self.errors.append(f"schemathesis stopped: {event.exception!r}")

    def _scenario(self, event: events.ScenarioFinished) -> None:
        recorder = event.recorder
        for node in recorder.cases.values():
            case = node.value
            self.examples[case.operation.label] += 1
            if case.meta is not None and not case.meta.generation.mode.is_positive:
                self.negative += 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                self.checks.add(check.name)
                if check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                key = (recorder.label, check.name, failure.title)
                interaction = recorder.interactions.get(case_id)
                answer = interaction.response if interaction is not None else None
                answered = f"answered {answer.status_code}: {answer.text[:300]}" if answer is not None else "no answer"
                # One report per operation, check and kind of failure; the first example shows how to reproduce it.
                self.failures.setdefault(
                    key,
                    f"{recorder.label} [{check.name}] {failure.title}\n{failure.message}\n{answered}\n"
                    f"reproduce: {check.failure_info.code_sample} (case {case_id})",
                )

    @property
    def operations(self) -> int:
        return len(self.examples)

    def problems(self) -> list[str]:
        """Every failure and error, for the assertion message."""
        return [*self.failures.values(), *self.errors]

    def summary(self) -> str:
        total = sum(self.examples.values())
        return (
            f"with {self.credential}: {self.operations} operations, {total} examples "
            f"({total - self.negative} positive, {self.negative} negative), {len(self.checks)} checks; "
            f"{len(self.failures)} failures, {len(self.errors)} errors"
        )


TALLY_KEY = pytest.StashKey[dict[str, Tally]]()
