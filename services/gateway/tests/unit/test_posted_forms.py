"""Form models as the framework decodes them from a posted body: the rules the pages have always read forms by."""

from __future__ import annotations

from typing import Annotated

import pytest
from litestar import Litestar, post
from litestar.datastructures import UploadFile
from litestar.testing import TestClient

from gateway.web.forms import FORM, FORM_TYPE_DECODERS, UPLOAD_FORM, AsSent, PostedForm, read_posted_form

pytestmark = pytest.mark.unit


class ExampleForm(PostedForm):
    name: str = ""
    note: AsSent = ""
    roles: tuple[str, ...] = ()


class FilesForm(PostedForm):
    text: str = ""
    one: UploadFile | None = None
    several: tuple[UploadFile, ...] = ()


@post("/form", include_in_schema=False)
async def echo(data: Annotated[ExampleForm, FORM]) -> dict[str, object]:
    return {"name": data.name, "note": data.note, "roles": list(data.roles), "posted": data.posted()}


@post("/files", include_in_schema=False)
async def files(data: Annotated[FilesForm, UPLOAD_FORM]) -> dict[str, object]:
    return {
        "text": data.text,
        "one": data.one.filename if data.one else None,
        "several": [upload.filename for upload in data.several],
    }


def _post(body: str) -> dict[str, object]:
    app = Litestar([echo], type_decoders=FORM_TYPE_DECODERS, before_request=read_posted_form)
    with TestClient(app) as client:
        response = client.post("/form", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_text_fields_are_stripped_and_missing_ones_default() -> None:
    assert _post("name=+Ada+") == {"name": "Ada", "note": "", "roles": [], "posted": {"name": "Ada"}}


def test_the_first_value_of_a_repeated_text_field_wins() -> None:
    assert _post("name=first&name=second")["name"] == "first"


def test_a_checkbox_group_keeps_every_value_even_a_single_one() -> None:
    assert _post("roles=office")["roles"] == ["office"]
    assert _post("roles=office&roles=+admin")["roles"] == ["office", " admin"]


def test_fields_the_form_does_not_declare_are_ignored() -> None:
    assert _post("csrf_token=abc&request_id=def&other=1&note=x")["posted"] == {"note": "x"}


def test_an_empty_body_is_an_empty_form() -> None:
    assert _post("") == {"name": "", "note": "", "roles": [], "posted": {}}


def test_a_form_field_must_be_text_or_a_checkbox_group() -> None:
    class Wrong(PostedForm):
        count: int = 0

    with pytest.raises(TypeError):
        Wrong()


def test_text_as_sent_keeps_its_spacing() -> None:
    assert _post("note=+two+words+")["note"] == " two words "


def test_files_come_with_the_text_fields_of_a_multipart_form() -> None:
    app = Litestar([echo, files], type_decoders=FORM_TYPE_DECODERS, before_request=read_posted_form)
    with TestClient(app) as client:
        response = client.post(
            "/files",
            data={"text": " hi "},
            files=[("one", ("a.txt", b"a")), ("several", ("b.txt", b"b")), ("several", ("c.txt", b"c"))],
        )
        single = client.post("/files", data={"text": "x"}, files=[("several", ("b.txt", b"b"))])
        # Each form is read as what the body is, whichever kind the handler declares.
        fields_only = client.post("/files", data={"text": "y"})
        multipart_to_plain = client.post("/form", data={"name": "z"}, files=[("other", ("d.txt", b"d"))])
    assert response.json() == {"text": "hi", "one": "a.txt", "several": ["b.txt", "c.txt"]}
    assert single.json() == {"text": "x", "one": None, "several": ["b.txt"]}
    assert fields_only.json() == {"text": "y", "one": None, "several": []}
    assert multipart_to_plain.json()["name"] == "z"
