"""The xAPI activity ids (IRIs) the register gives its objects: an edition's is what an "attended" statement
names as its object, shown to providers in the portal and the provider API."""

from __future__ import annotations

import uuid
from typing import Final

EDITION_PATH: Final = "/xapi/activities/editions/"


def edition_iri(base_url: str, edition_id: uuid.UUID) -> str:
    """The activity id of an edition in xAPI statements, on the register's public address ``base_url``."""
    return f"{base_url.rstrip('/')}{EDITION_PATH}{edition_id}"
