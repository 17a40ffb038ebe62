"""Secrets kept at rest encrypted (TOTP secrets): Fernet (AES-128-CBC with an HMAC-SHA256) under a key from settings.

A copy of the database (a backup, a replica, a leaked dump) then does not hand out anyone's second factor. A sealed
value is ``fernet:<token>``; a value without the prefix is a secret stored before sealing existed, read as it is and
sealed at the next start (``seal_plain_totp_secrets``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Final

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.adapters.orm import accounts, totp_enrollments

log = logging.getLogger(__name__)

PREFIX: Final = "fernet:"
# The key local runs and tests use when none is set: known to everyone, so never for real secrets.
DEVELOPMENT_KEY: Final = base64.urlsafe_b64encode(hashlib.sha256(b"lklr local development only").digest()).decode()


class SecretUnreadable(Exception):
    """A sealed secret that this key cannot open (another key, or altered)."""


class SecretBox:
    """Seals and opens short secrets with one Fernet key."""

    def __init__(self, key: str) -> None:
        # Fernet checks the key: 32 bytes, url-safe base64. A wrong one stops the process at start.
        self._fernet = Fernet(key.encode())
        self.development_key = key == DEVELOPMENT_KEY

    @classmethod
    def from_setting(cls, key: str) -> SecretBox:
        """The box for REGISTRY_TOTP_ENCRYPTION_KEY; empty means the development key (with a warning)."""
        if not key:
            log.warning(
                "registry: TOTP secrets are sealed with the public development key; "
                "set REGISTRY_TOTP_ENCRYPTION_KEY (python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())') outside local runs"
            )
            return cls(DEVELOPMENT_KEY)
        return cls(key)

    def seal(self, secret: str) -> str:
        """The value to store for ``secret``."""
        return PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret a stored value holds (a value stored before sealing is returned as it is)."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise SecretUnreadable("a sealed TOTP secret does not open with this key") from exc


def is_sealed(stored: str | None) -> bool:
    return stored is not None and stored.startswith(PREFIX)


async def seal_plain_totp_secrets(session_factory: async_sessionmaker[AsyncSession], box: SecretBox) -> int:
    """Seal every TOTP secret still stored in plain text (from before sealing); returns how many. Idempotent, and
    safe with several replicas starting at once (each row is updated only while it is still plain)."""
    sealed = 0
    async with session_factory() as session, session.begin():
        for table, key, column in (
            (accounts, accounts.c.account_id, accounts.c.totp_secret),
            (totp_enrollments, totp_enrollments.c.account_id, totp_enrollments.c.secret),
        ):
            rows = (
                await session.execute(
                    sa.select(key, column).where(column.is_not(None), sa.not_(column.startswith(PREFIX)))
                )
            ).all()
            for row_key, plain in rows:
                await session.execute(
                    sa.update(table).where(key == row_key, column == plain).values({column.name: box.seal(plain)})
                )
                sealed += 1
    if sealed:
        log.info("registry: sealed %s TOTP secret(s) stored in plain text", sealed)
    return sealed
