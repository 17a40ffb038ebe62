"""Helpers for the HTML forms: the base of the form models the framework decodes (`PostedForm`), and turning a
service's refusal into field messages.

A refusal (`RpcError`) lists every broken rule at once as problems, each with a code and an English text. Pages
show them next to the field they concern, in the page's language (`problem.<code>` in the catalogue), and fall back
to the service's own text for a code the catalogue does not know yet. Nothing here parses message text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Final, dataclass_transform, get_args, get_origin, get_type_hints

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from gateway.i18n import CATALOGUE, Translator
from gateway.web.rendering import request_language
from lklr_shared.errors import RpcError

GENERAL: Final = "_"  # the key of a message that belongs to no single field

FormErrors = dict[str, str]


@dataclass(frozen=True)
class FormAgain:
    """A form shown again after its post was refused: the message per field, the values as posted, the status."""

    errors: FormErrors
    values: dict[str, str]
    status_code: int = 422


def translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(request_language(request)[0])


AS_SENT: Final = "as sent"
"""Marks a text field read without removing surrounding whitespace (`AsSent`)."""

AsSent = Annotated[str, AS_SENT]
"""A text field kept exactly as sent (text a person wrote whose spacing is kept as it was)."""


@dataclass_transform(kw_only_default=True)
class PostedForm:
    """A page form as the framework decodes it from the posted body: a subclass declares its fields, `str = ""`
    for a text field, `tuple[str, ...] = ()` for a checkbox group, `UploadFile | None = None` for a file and
    `tuple[UploadFile, ...] = ()` for several.

    `decode_posted_form` (installed for every route in app.py) reads the posted fields by the rules the pages
    have always had: a text field gets the first value posted under its name with surrounding whitespace removed
    (`AsSent`: as sent), a checkbox group every value as posted, a file field the file(s) posted under its name,
    a field not posted its default; anything else posted (the CSRF token, the request id: middleware reads those)
    is ignored. It never refuses a body, so a badly filled form is always the handler's to judge and show again,
    never a framework 400.

    A plain class rather than a dataclass or msgspec Struct on purpose: msgspec decodes those itself, and would
    refuse a repeated text field or a checkbox group with one value ticked instead of asking the decoder.
    """

    _posted: frozenset[str]

    def __init__(self, **values: Any) -> None:
        fields = _form_fields(type(self))
        unknown = set(values) - set(fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field(s) {sorted(unknown)}")
        for name, spec in fields.items():
            setattr(self, name, values.get(name, spec.default))
        self._posted = frozenset(values)

    def posted(self) -> dict[str, str]:
        """The text fields that were posted, as read (to show the form again with what was typed)."""
        return {
            name: getattr(self, name)
            for name, spec in _form_fields(type(self)).items()
            if spec.item is str and not spec.many and name in self._posted
        }

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _form_fields(type(self)))
        return f"{type(self).__name__}({shown})"


@dataclass(frozen=True)
class _Field:
    item: type  # str or UploadFile
    many: bool  # a tuple of every value posted, else the first one
    strip: bool
    default: Any


_FIELDS: dict[type[PostedForm], dict[str, _Field]] = {}


def _field(form: type[PostedForm], name: str, annotation: Any) -> _Field:
    strip = True
    if get_origin(annotation) is Annotated:
        strip = AS_SENT not in annotation.__metadata__
        annotation = get_args(annotation)[0]
    if annotation is str:
        return _Field(str, many=False, strip=strip, default=getattr(form, name, ""))
    if get_origin(annotation) is tuple and get_args(annotation)[0] in (str, UploadFile):
        return _Field(get_args(annotation)[0], many=True, strip=False, default=getattr(form, name, ()))
    if set(get_args(annotation)) == {UploadFile, type(None)}:
        return _Field(UploadFile, many=False, strip=False, default=getattr(form, name, None))
    raise TypeError(f"{form.__name__}.{name}: not a form field type ({annotation!r})")


def _form_fields(form: type[PostedForm]) -> dict[str, _Field]:
    """Each field of a form model: what it holds and its default."""
    if form not in _FIELDS:
        _FIELDS[form] = {
            name: _field(form, name, annotation)
            for name, annotation in get_type_hints(form, include_extras=True).items()
            if not name.startswith("_") and get_origin(annotation) is not ClassVar
        }
    return _FIELDS[form]


def is_posted_form(annotation: Any) -> bool:
    """The type decoder's predicate: a form model."""
    return isinstance(annotation, type) and issubclass(annotation, PostedForm)


def decode_posted_form(form: type[PostedForm], posted: Any) -> PostedForm:
    """A form model from the body Litestar parsed (name → value, or → list of values when repeated)."""
    values: dict[str, Any] = {}
    fields = _form_fields(form)
    for name, sent in posted.items() if isinstance(posted, Mapping) else ():
        spec = fields.get(name)
        if spec is None:
            continue
        found: list[Any] = [
            value for value in (sent if isinstance(sent, list) else [sent]) if isinstance(value, spec.item)
        ]
        if spec.many:
            values[name] = tuple(found)
        elif found:
            values[name] = found[0].strip() if spec.strip else found[0]
    return form(**values)


async def read_posted_form(request: Request[Any, Any, Any]) -> None:
    """The app's `before_request`: for a handler that takes a form model, the body is read as what its
    Content-Type says it is, url-encoded or multipart (as `request.form()` reads it), whichever of `FORM` or
    `UPLOAD_FORM` the handler declares. Litestar's extractors would read it only as the declared one (a
    url-encoded post to an upload form is a 400, a multipart post to a plain form has no fields), and they take
    the form read here. Other handlers' bodies are left alone (the evidence uploads stream theirs). Litestar keeps
    only the innermost `before_request`: a router or controller that sets its own must call this one too."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is not None and is_posted_form(data.annotation):
        await request.form()


FORM_TYPE_DECODERS: Final = [(is_posted_form, decode_posted_form)]
"""The type decoders app.py installs, so that a handler's `data: Annotated[XForm, FORM]` is a form model."""

FORM: Final = Body(media_type=RequestEncodingType.URL_ENCODED)
"""A page form's body: `data: Annotated[XForm, FORM]`."""

UPLOAD_FORM: Final = Body(media_type=RequestEncodingType.MULTI_PART)
"""A page form with files, read whole by Litestar (files beyond 1 MiB wait in temporary files):
`data: Annotated[XForm, UPLOAD_FORM]`. Evidence forms of the portfolio stream instead (`web.uploads`)."""


def problem_messages(
    t: Translator,
    refusal: RpcError,
    fields: Mapping[str, str] | None = None,
    *,
    texts: str = "problem",
    fallback: str | None = None,
    **values: object,
) -> FormErrors:
    """Field → message for a service's refusal: the one mapping from refusals to forms.

    `fields` maps problem codes to form fields (others go above the form). Each problem is shown in the page's
    language as `<texts>.<code>` when the catalogue has it, else as the `fallback` text with the service's text as
    `detail`, else as the service's own text. A refusal without a problem list is one problem under its own code.
    """
    problems = [(problem.code, problem.message) for problem in refusal.problems] or [(refusal.code, refusal.message)]
    errors: FormErrors = {}
    for code, text in problems:
        field = (fields or {}).get(code, GENERAL)
        key = f"{texts}.{code}"
        if key in CATALOGUE[t.lang] or key in CATALOGUE["nl"]:
            shown = t(key, detail=text, **values)
        else:
            shown = t(fallback, detail=text) if fallback else text
        errors[field] = f"{errors[field]} {shown}" if field in errors else shown
    return errors


def shown_on_form(refusal: RpcError, *, auth_too: bool = False) -> bool:
    """Whether a service's refusal belongs on the form that caused it (a 4xx), or goes on to the error handlers.

    A 401 or 403 goes on (to sign in, or to the 403 page) unless `auth_too` (a page whose service says 403 for a
    step its owner may not take now); a 5xx always goes on.
    """
    return 400 <= refusal.status < 500 and (auth_too or refusal.status not in {401, 403})


def problem_message(t: Translator, refusal: RpcError, *, texts: str = "problem", fallback: str | None = None) -> str:
    """A refusal as one message (for a notice above a form), by the same rules as `problem_messages`."""
    return " ".join(problem_messages(t, refusal, {}, texts=texts, fallback=fallback).values())


def parse_hours(text: str) -> Decimal | None:
    """Hours per week as typed: `24`, `24,5` or `24.5`; None when it is not a number."""
    cleaned = text.replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        hours = Decimal(cleaned)
    except InvalidOperation:
        return None
    return hours if hours.is_finite() else None


def wait_seconds(refusal: RpcError, default: int = 60) -> int:
    """How long a refusal (429) says to wait, at least one second."""
    return max(1, refusal.retry_after or default)
