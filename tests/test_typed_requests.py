"""Typed requests: every command and query names its reply, the service that owns it answers with exactly that
contract, and ``ask`` returns the reply typed as declared (checked by mypy, not only at run time)."""

from __future__ import annotations

import importlib
import inspect
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from mypy import api as mypy_api

from lklr_shared.contracts import accreditation, audit, portfolio, registry, system
from lklr_shared.contracts.base import Message, Request, all_contracts
from lklr_shared.errors import RpcError
from lklr_shared.kit.requests import ask

pytestmark = pytest.mark.unit

_LOADED = (accreditation, audit, portfolio, registry, system)
SERVICES = ("registry", "portfolio", "accreditation", "audit")
ROOT = Path(__file__).resolve().parents[1]


def _requests() -> list[type[Request[Any]]]:
    return [c for c in all_contracts() if c.kind in ("command", "query")]  # type: ignore[misc]


def test_every_command_and_query_names_a_reply_of_its_own_service() -> None:
    requests = _requests()
    assert len(requests) > 90
    for contract in requests:
        assert issubclass(contract, Request), contract.wire_name
        reply = contract.reply_type()
        assert reply.kind == "reply" or reply is system.Pong, contract.wire_name
        assert reply.owner == contract.owner, contract.wire_name


def _handler_maps(service: str) -> list[dict[type[Message], Any]]:
    module = importlib.import_module(f"{service}.entrypoints.rpc")
    return [
        value
        for value in vars(module).values()
        if isinstance(value, dict)
        and value
        and all(isinstance(key, type) and issubclass(key, Message) for key in value)
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_answers_its_requests_with_the_declared_reply(service: str) -> None:
    checked = 0
    for handlers in _handler_maps(service):
        for contract, use_case in handlers.items():
            returned = inspect.signature(use_case, eval_str=True).return_annotation
            assert returned is contract.reply_type(), (contract.wire_name, returned)
            checked += 1
    assert checked > 5


class _Answers:
    """A caller that records where a request went and answers with a given reply."""

    def __init__(self, reply: Message) -> None:
        self.reply = reply
        self.sent: list[tuple[str, Message]] = []

    async def call(
        self, service: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        self.sent.append((service, request))
        return self.reply


async def test_ask_sends_to_the_owner_and_returns_the_declared_reply() -> None:
    view = registry.AccountView(
        account_id=uuid.uuid4(),
        email="a@example.nl",
        initials="A.",
        surname="B",
        account_roles=["professional"],
        email_confirmed=True,
        totp_enrolled=False,
        created_at="2026-12-07T08:00:00Z",  # type: ignore[arg-type]
    )
    caller = _Answers(view)
    request = registry.GetMyAccount(actor_account_id=view.account_id)
    reply = await ask(caller, request)
    assert reply is view and caller.sent == [("registry", request)]


async def test_ask_refuses_a_reply_of_another_type_as_a_bad_gateway() -> None:
    caller = _Answers(registry.SessionEnded())
    with pytest.raises(RpcError) as refused:
        await ask(caller, registry.GetMyAccount(actor_account_id=uuid.uuid4()))
    assert (refused.value.status, refused.value.code) == (502, "bad_reply")


@pytest.mark.slow
def test_mypy_knows_the_reply_type_of_ask(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        textwrap.dedent(
            """
            import uuid
            from typing import assert_type
            from lklr_shared.contracts import accreditation, registry
            from lklr_shared.kit.requests import Caller, ask

            async def typed(caller: Caller) -> None:
                course = await ask(caller, accreditation.GetCourse(course_id=uuid.uuid4()))
                assert_type(course, accreditation.CourseDetails)
                login = await ask(caller, registry.Login(email="a", password="b"))
                assert_type(login, registry.LoginResult)

            async def wrong(caller: Caller) -> None:
                assert_type(await ask(caller, registry.Login(email="a", password="b")), registry.AccountView)
            """
        )
    )
    out, _err, status = mypy_api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "--follow-imports=silent",
            str(sample),
        ]
    )
    errors = [line for line in out.splitlines() if ": error:" in line]
    # Exactly the deliberate mistake: the reply of Login is LoginResult, not AccountView.
    assert len(errors) == 1 and "sample.py:14" in errors[0] and "LoginResult" in errors[0], out
    assert status == 1
