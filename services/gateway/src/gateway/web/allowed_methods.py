"""The `Allow` header of the automatic OPTIONS answers, listing every method of the path.

Litestar builds an OPTIONS handler for a path when it registers the path's first handler; when further handlers of
the same path (a POST next to a GET) are registered afterwards, the path's route is rebuilt but keeps that first
OPTIONS handler, whose answer still lists only the first handler's methods (`GET /api/v1/provider/courses` answered
`Allow: GET, OPTIONS` and hid POST). Once every handler is registered, each automatic OPTIONS handler is pointed at
the final route's methods.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Response
from litestar.enums import MediaType
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT

# Litestar's name for the handler function it generates (`HTTPRoute.create_options_handler`).
_GENERATED_OPTIONS_HANDLER = "options_handler"


def _options_answer(allow: str) -> Any:
    def options_handler(scope: Any) -> Response[None]:
        return Response(
            content=None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": allow}, media_type=MediaType.TEXT
        )

    return options_handler


def repair_options_allow(app: Litestar) -> None:
    """Make every generated OPTIONS answer list all methods of its path (see the module docstring)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        handler, _ = route.route_handler_map["OPTIONS"]
        if getattr(handler.fn, "__name__", "") != _GENERATED_OPTIONS_HANDLER:
            continue  # an OPTIONS handler of our own says what it means
        # `fn` has no setter; `_fn` is what Litestar calls. The replacement has the same signature (`scope`).
        handler._fn = _options_answer(", ".join(sorted(route.methods)))
