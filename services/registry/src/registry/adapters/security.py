"""Credentials: argon2 password hashes, TOTP codes, and random tokens of which only a hash is stored."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from datetime import datetime

import argon2
import pyotp
from argon2.exceptions import VerifyMismatchError

# 32 random bytes: 256 bits, beyond guessing; URL-safe so it fits a link and a header unchanged.
TOKEN_BYTES = 32
TOTP_DIGITS = 6


class PasswordHasher:
    """argon2id hashing (argon2-cffi's defaults, RFC 9106's low-memory profile).

    Hashing is deliberately slow and memory-hard, so it runs in a worker thread: on the event loop it would
    stall every other request of the process for tens of milliseconds.
    """

    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher()
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str, password: str) -> bool:
        """True when ``password`` matches; a corrupt stored hash raises (it is a data error, not a wrong
        password)."""

        def check() -> bool:
            try:
                return self._hasher.verify(stored_hash, password)
            except VerifyMismatchError:
                return False

        return await asyncio.to_thread(check)

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than today's (then it is replaced at sign-in)."""
        return self._hasher.check_needs_rehash(stored_hash)

    async def spend_equal_time(self, password: str) -> None:
        """Verify against a throwaway hash, so an unknown address takes as long as a wrong password and
        response times do not tell which addresses have accounts."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)


class TotpVerifier:
    """Time-based one-time passwords (RFC 6238: 30-second steps, 6 digits), accepting one step of clock drift
    either way."""

    def __init__(self, issuer: str = "LKLR") -> None:
        self.issuer = issuer

    @staticmethod
    def new_secret() -> str:
        return pyotp.random_base32()

    def provisioning_uri(self, secret: str, email: str) -> str:
        """The otpauth:// URI an authenticator app reads from a QR code."""
        return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=self.issuer)

    def matching_step(self, secret: str, code: str, now: datetime) -> int | None:
        """The time step whose code equals ``code`` (current, previous or next step), or None.

        The caller stores the step and refuses codes of that step or earlier afterwards, so an observed code
        cannot be replayed while it is still valid.
        """
        cleaned = "".join(code.split())
        if len(cleaned) != TOTP_DIGITS or not cleaned.isdigit():
            return None
        totp = pyotp.TOTP(secret)
        current = totp.timecode(now)
        for offset in (0, -1, 1):
            if hmac.compare_digest(totp.at(now, counter_offset=offset), cleaned):
                return current + offset
        return None

    @staticmethod
    def code_at(secret: str, when: datetime) -> str:
        """The code an authenticator shows at ``when`` (tests and the demo use it)."""
        return pyotp.TOTP(secret).at(when)


def new_token() -> str:
    """A fresh random token for a link, a session or an API client."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256 (hex). A fast hash is right here: the token has 256
    random bits, so there is nothing to brute-force that a slow hash would protect."""
    return hashlib.sha256(token.encode()).hexdigest()
