"""An OpenAPI page that works offline: Litestar's bundled UIs load their scripts from CDNs."""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

_METHODS = ("get", "put", "post", "patch", "delete")


class PlainOpenAPIPage(OpenAPIRenderPlugin):
    """Lists every operation with its summary and links to the JSON document."""

    def __init__(self, *, path: str = "/") -> None:
        super().__init__(path=path)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        info = openapi_schema.get("info", {})
        rows = []
        for route, operations in sorted(openapi_schema.get("paths", {}).items()):
            for method in _METHODS:
                operation = operations.get(method)
                if operation is None:
                    continue
                statuses = ", ".join(sorted(operation.get("responses", {})))
                rows.append(
                    f"<tr><td><code>{method.upper()}</code></td><td><code>{escape(route)}</code></td>"
                    f"<td>{escape(operation.get('summary', ''))}</td><td>{escape(statuses)}</td></tr>"
                )
        json_url = escape(self.get_openapi_json_route(request))
        title = escape(f"{info.get('title', 'API')} {info.get('version', '')}")
        html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/lklr.css"></head>
<body><main class="container doc-page" id="main"><h1>{title}</h1>
<p><a href="{json_url}">openapi.json</a> · <a href="/">LKLR</a></p>
<div class="table-wrap"><table><thead><tr><th>Method</th><th>Path</th><th>Summary</th><th>Responses</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></div></main></body></html>"""
        return html.encode()
