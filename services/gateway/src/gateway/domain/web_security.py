"""Rules for the browser side of sign-in: signed cookie values, CSRF tokens and safe redirect targets.

Pure functions on strings (stdlib `hmac` only), so they are tested without a web server. Every signature is an
HMAC-SHA256 under the gateway's secret key with a purpose label, so a value signed for one cookie is never
accepted as another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import Final
from urllib.parse import quote

SESSION_PURPOSE: Final = "lklr.session"
CSRF_NONCE_PURPOSE: Final = "lklr.csrf-nonce"
CSRF_TOKEN_PURPOSE: Final = "lklr.csrf-token"
# A registry session token is ~43 characters; anything far longer is not ours and is not worth verifying.
MAX_SIGNED_LENGTH: Final = 512


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, value: bytes) -> bytes:
    return hmac.new(secret.encode(), purpose.encode() + b"\x00" + value, hashlib.sha256).digest()


def sign(secret: str, purpose: str, value: str) -> str:
    """`value` as `<base64url value>.<base64url HMAC>`: readable, but not changeable without the key."""
    raw = value.encode()
    return f"{_b64encode(raw)}.{_b64encode(_mac(secret, purpose, raw))}"


def unsign(secret: str, purpose: str, signed: str | None) -> str | None:
    """The value of a string made by `sign` with the same secret and purpose; None for anything else."""
    if not signed or len(signed) > MAX_SIGNED_LENGTH or signed.count(".") != 1:
        return None
    encoded_value, encoded_mac = signed.split(".")
    try:
        raw = _b64decode(encoded_value)
        mac = _b64decode(encoded_mac)
        value = raw.decode()
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(mac, _mac(secret, purpose, raw)):
        return None
    return value


def new_nonce() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(32)


def csrf_token(secret: str, nonce: str, session_token: str | None) -> str:
    """The token forms must send back: bound to the browser's CSRF nonce and to its session (if any).

    Binding to the session means a token shown before sign-in is no longer valid after it (and the other way
    round), so a token leaked from one session is useless in the next.
    """
    material = f"{nonce}\x00{session_token or ''}".encode()
    return _b64encode(_mac(secret, CSRF_TOKEN_PURPOSE, material))


def csrf_token_matches(secret: str, nonce: str, session_token: str | None, sent: str | None) -> bool:
    """Whether `sent` is the CSRF token of this nonce and session (constant-time comparison)."""
    if not sent or len(sent) > MAX_SIGNED_LENGTH:
        return False
    return hmac.compare_digest(sent.encode(), csrf_token(secret, nonce, session_token).encode())


def safe_next(target: str | None, default: str) -> str:
    """A redirect target after sign-in: only a path on this site (no scheme, host or `//`), else `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(char) < 0x20 for char in target):
        return default
    return target


# Characters a path may keep as they are; everything else (a `?`, `#`, `%`, a space) is percent-encoded again.
_PATH_SAFE: Final = "/:@!$&'()*+,;=-._~"


def site_path(path: str) -> str:
    """The decoded request path as a link on this site, for links built from the request (language switch).

    A request for `//evil.example/x` must not render a link to `//evil.example/x?lang=en`, which a browser reads as
    another site: leading slashes (and backslashes, which browsers treat as slashes) collapse to one, control
    characters go, and the rest is encoded again so a decoded `?` or `#` stays part of the path.
    """
    cleaned = "".join(char for char in path if ord(char) >= 0x20 and char != "\x7f")
    return quote("/" + cleaned.lstrip("/\\"), safe=_PATH_SAFE)
