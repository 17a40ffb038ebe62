"""Container health probe: GET http://127.0.0.1:<port><path>; exit 0 on a 2xx answer, 1 otherwise.

The port comes from the variable the service itself reads (`<PREFIX>HEALTH_PORT`, `GATEWAY_PORT` for the
gateway), so moving a service to another port in the environment keeps its probe right. `HEALTH_PORT` overrides
both. Standard library only: it runs inside the slim runtime image.

Usage: python healthcheck.py [/readyz|/livez]
"""

import http.client
import os
import sys
import urllib.request

DEFAULT_PORTS = {"registry": 8101, "portfolio": 8102, "accreditation": 8103, "audit": 8104, "gateway": 8000}


def health_port(service: str) -> str:
    own_variable = "GATEWAY_PORT" if service == "gateway" else f"{service.upper()}_HEALTH_PORT"
    port = os.environ.get("HEALTH_PORT") or os.environ.get(own_variable) or DEFAULT_PORTS.get(service)
    if port is None:
        raise SystemExit(f"no health port known for service {service!r}; set HEALTH_PORT")
    return str(port)


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/readyz"
    port = health_port(os.environ.get("SERVICE", ""))
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if 200 <= response.status < 300 else 1
    except (OSError, http.client.HTTPException) as exc:
        # HTTPError (4xx/5xx, e.g. 503 from /readyz) is an OSError too; the message shows in `docker inspect`.
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
