"""Check a register credential offline: ``python -m lklr_shared.verify CREDENTIAL [--jwks FILE|URL]
[--status-list FILE|URL ...] [--lang nl|en]``.

For employers: download the register's key set (``/.well-known/jwks.json``) and the status list the credential
names (``/status/1``) once, and check any number of credentials without a server. Without ``--jwks`` the key set
is fetched from the issuer named in the credential; without ``--status-list`` the list is fetched from the URL in
the credential. The judgement is :func:`lklr_shared.credentials.verify_credential`, the same as the register's
``/verifieren`` page.

Exit status: 0 valid, 1 revoked, 2 expired, 3 forged, 4 status unknown, 5 a file or URL that could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from lklr_shared.credentials import (
    CredentialFormatError,
    Issuer,
    keys_from_jwks,
    open_jwt,
    unverified_claims,
    verify_credential,
)

EXIT_CODES: Final = {"valid": 0, "revoked": 1, "expired": 2, "forged": 3, "unknown": 4}
EXIT_UNREADABLE: Final = 5
_TIMEOUT_SECONDS: Final = 10


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def read_text(location: str) -> str:
    """A file's text, or a URL's body (http/https only); raises OSError when it cannot be read."""
    if _is_url(location):
        with urllib.request.urlopen(location, timeout=_TIMEOUT_SECONDS) as response:
            return str(response.read().decode("utf-8"))
    return Path(location).read_text(encoding="utf-8")


def _status_list_sources(locations: Sequence[str], jwks_keys: dict[str, Any]) -> dict[str, str]:
    """The given status list credentials by the URL they say they are published at (their ``id``)."""
    by_url: dict[str, str] = {}
    for location in locations:
        token = read_text(location).strip()
        try:
            list_id = str(open_jwt(token, jwks_keys).claims.get("id", ""))
        except CredentialFormatError:
            # An unsigned or foreign list is kept under its unverified id; the verdict then names the problem.
            list_id = str(unverified_claims(token).get("id", location))
        by_url[list_id] = token
    return by_url


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m lklr_shared.verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("credential", help="the credential file (a VC-JWT, as downloaded from Mijn LKLR)")
    parser.add_argument("--jwks", help="the register's key set: a file or URL (default: from the issuer)")
    parser.add_argument(
        "--status-list", action="append", default=[], help="a status list credential: a file or URL (repeatable)"
    )
    parser.add_argument("--lang", choices=("nl", "en"), default="nl")
    args = parser.parse_args(argv)
    try:
        token = read_text(args.credential).strip()
        jwks_location = args.jwks
        if jwks_location is None:
            issuer = unverified_claims(token).get("issuer", {})
            jwks_location = Issuer(str(issuer.get("id", ""))).jwks_url
        jwks = json.loads(read_text(jwks_location))
        given = _status_list_sources(args.status_list, keys_from_jwks(jwks))
    except (OSError, ValueError) as exc:
        print(f"cannot read: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE

    def status_list(url: str) -> str:
        if url in given:
            return given[url]
        if args.status_list:
            raise CredentialFormatError(f"no status list {url} among the given files")
        return read_text(url)

    verdict = verify_credential(token, jwks, status_list, now=datetime.now(UTC))
    print(f"{verdict.outcome}: {verdict.text(args.lang)}")
    if verdict.claims:
        subject = "Subject" if args.lang == "en" else "Betreft"
        print(f"{subject}: {verdict.subject_name} ({verdict.registration_number}), {verdict.achievement}")
    return EXIT_CODES[verdict.outcome]


if __name__ == "__main__":
    sys.exit(main())
